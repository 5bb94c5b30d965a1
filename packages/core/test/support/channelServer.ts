// A loopback server that speaks PROTOCOL.md, for the channel client's tests. (The reference
// server proper is @wirekit/server.) It keeps every channel's history across restarts, so a
// resuming client can be replayed what it missed.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { onTestFinished } from "vitest";
import { type WebSocket, WebSocketServer } from "ws";

type Frame = Record<string, unknown>;

export interface ChannelTestServer {
  readonly url: string;
  /** Every JSON frame clients sent, in order. */
  readonly frames: Frame[];
  /** Connections accepted so far. */
  readonly connections: number;
  /** Open sockets now. */
  readonly sockets: ReadonlySet<WebSocket>;
  /** Publishes `data` on `channel` as the server: appended to its history, sent to subscribers. */
  publish(channel: string, data: unknown): string;
  /** Sends raw text or bytes to every open socket: for hostile input. */
  sendRaw(data: string | Buffer): void;
  /** Whether publishes get acks. */
  acks: boolean;
  /** Kills every socket and stops listening. */
  kill(): Promise<void>;
  /** Listens again, on the same port. */
  start(): Promise<void>;
}

export async function startChannelServer(): Promise<ChannelTestServer> {
  const history = new Map<string, Array<{ id: string; data: unknown }>>();
  const subscribers = new Map<WebSocket, Set<string>>();
  const frames: Frame[] = [];
  let server: WebSocketServer | undefined;
  let port = 0;
  let connections = 0;

  const send = (socket: WebSocket, frame: Frame) => {
    const { data } = frame;
    if (!(data instanceof Uint8Array)) {
      socket.send(JSON.stringify(frame));
      return;
    }
    // PROTOCOL.md section 5: a u32 header length, the JSON header without data, the bytes.
    const header = Buffer.from(JSON.stringify({ ...frame, data: undefined }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    socket.send(Buffer.concat([length, header, data]));
  };

  const append = (channel: string, data: unknown): string => {
    const list = history.get(channel) ?? [];
    history.set(channel, list);
    const id = String(list.length + 1);
    list.push({ id, data });
    for (const [socket, channels] of subscribers) {
      if (channels.has(channel)) send(socket, { type: "message", channel, id, data });
    }
    return id;
  };

  const handle = (socket: WebSocket, frame: Frame) => {
    const channels = subscribers.get(socket);
    if (channels === undefined) return;
    const channel = frame["channel"] as string;
    switch (frame["type"]) {
      case "subscribe": {
        channels.add(channel);
        const list = history.get(channel) ?? [];
        const resume = frame["resume"] as string | undefined;
        // Delivery starts after the resume point, or now (PROTOCOL.md section 3).
        send(socket, {
          type: "subscribed",
          channel,
          recovered: true,
          position: resume ?? String(list.length),
        });
        if (resume !== undefined) {
          for (const message of list.slice(Number(resume))) {
            send(socket, { type: "message", channel, id: message.id, data: message.data });
          }
        }
        return;
      }
      case "unsubscribe":
        channels.delete(channel);
        return;
      case "publish": {
        const id = append(channel, frame["data"]);
        if (api.acks && frame["ack"] !== undefined)
          send(socket, { type: "ack", ack: frame["ack"], id });
        return;
      }
      case "ping":
        send(socket, { type: "pong" });
        return;
    }
  };

  const api: ChannelTestServer = {
    get url() {
      return `ws://127.0.0.1:${port}/channels`;
    },
    frames,
    get connections() {
      return connections;
    },
    get sockets() {
      return new Set(subscribers.keys());
    },
    publish: append,
    sendRaw(data) {
      for (const socket of subscribers.keys()) socket.send(data);
    },
    acks: true,
    async start() {
      if (server !== undefined) throw new Error("the channel test server is already running");
      const next = new WebSocketServer({
        host: "127.0.0.1",
        port,
        handleProtocols: (offered) => (offered.has("wirekit.v1") ? "wirekit.v1" : false),
      });
      await once(next, "listening");
      port = (next.address() as AddressInfo).port;
      next.on("connection", (socket) => {
        connections++;
        subscribers.set(socket, new Set());
        socket.on("close", () => subscribers.delete(socket));
        socket.on("message", (data, isBinary) => {
          const bytes = data as Buffer;
          let frame: Frame;
          if (isBinary) {
            const headerLength = bytes.readUInt32BE(0);
            frame = {
              ...(JSON.parse(bytes.subarray(4, 4 + headerLength).toString()) as Frame),
              data: new Uint8Array(bytes.subarray(4 + headerLength)),
            };
          } else {
            frame = JSON.parse(String(bytes)) as Frame;
          }
          frames.push(frame);
          handle(socket, frame);
        });
      });
      server = next;
    },
    async kill() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      for (const socket of current.clients) socket.terminate();
      subscribers.clear();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
  };
  await api.start();
  onTestFinished(() => api.kill());
  return api;
}
