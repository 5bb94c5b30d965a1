// The channel client against a loopback server that speaks PROTOCOL.md.
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import {
  binaryChannelProtocol,
  CHANNEL_SUBPROTOCOL,
  ChannelClient,
  type ChannelClientOptions,
  type ChannelEvent,
  ConnectionManager,
  exponentialBackoff,
  type OutgoingQueueOptions,
  PublishError,
  webSocketChannels,
  webSocketEndpoint,
} from "@wirekit/core";
import { createPageLifecycleControls } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { type ChannelTestServer, startChannelServer } from "./support/channelServer.js";

const quickRetry = exponentialBackoff({ initialDelay: 30, maxDelay: 100 });

function clientFor(
  server: ChannelTestServer,
  options: ChannelClientOptions & { linger?: number } = {},
) {
  const { linger = 1000, ...clientOptions } = options;
  const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls(), linger });
  onTestFinished(() => manager.closeAll());
  const lease = manager.acquire(
    webSocketEndpoint({
      url: server.url,
      protocols: [CHANNEL_SUBPROTOCOL],
      WebSocket,
      retryDelay: quickRetry,
    }),
  );
  const channels = new ChannelClient(lease.connection, clientOptions);
  onTestFinished(() => channels.dispose());
  return { manager, lease, channels, connection: lease.connection };
}

function untilOpen(connection: ReturnType<typeof clientFor>["connection"]): Promise<void> {
  return vi.waitFor(() => expect(connection.getSnapshot().status).toBe("open"));
}

/** Collects a channel's events until `done` says enough. */
function collect(
  channels: ChannelClient,
  channel: string,
  done: (events: ChannelEvent[]) => boolean,
): Promise<ChannelEvent[]> {
  const events: ChannelEvent[] = [];
  return new Promise((resolve) => {
    channels.subscribe(channel, (event) => {
      events.push(event);
      if (done(events)) resolve(events);
    });
  });
}

describe("ChannelClient", () => {
  it("subscribes, receives, publishes with an ack, and unsubscribes on the wire", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server);
    const events = collect(channels, "room", (list) => list.length === 3);
    await untilOpen(connection);
    await vi.waitFor(() =>
      expect(server.frames).toContainEqual({ type: "subscribe", channel: "room" }),
    );
    server.publish("room", { text: "from the server" });
    const ack = await channels.publish("room", { text: "from me" });
    expect(ack).toEqual({ id: "2" });
    expect(await events).toEqual([
      { type: "subscribed", channel: "room", recovered: true, position: "0" },
      { type: "message", channel: "room", id: "1", data: { text: "from the server" } },
      { type: "message", channel: "room", id: "2", data: { text: "from me" } },
    ]);
    expect(channels.lastId("room")).toBe("2");
    expect(channels.channels).toEqual(["room"]);
  });

  it("keeps a new subscription when a stop function of an earlier one is called again", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server);
    const listener = () => {};
    const stopFirst = channels.subscribe("room", listener);
    const stopTwice = channels.subscribe("room", listener);
    stopFirst();
    expect(channels.channels).toEqual([]);
    stopTwice();
    const stopSecond = channels.subscribe("room", listener);
    stopFirst();
    stopTwice();
    expect(channels.channels).toEqual(["room"]);
    await untilOpen(connection);
    await vi.waitFor(() =>
      expect(server.frames).toContainEqual({ type: "subscribe", channel: "room" }),
    );
    stopFirst();
    expect(server.frames.filter((frame) => frame["type"] === "unsubscribe")).toEqual([]);
    stopSecond();
    expect(channels.channels).toEqual([]);
    await vi.waitFor(() =>
      expect(server.frames).toContainEqual({ type: "unsubscribe", channel: "room" }),
    );
  });

  it("keeps a subscription, and what the server replays for it, when its listener comes back at once", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server);
    for (let n = 1; n <= 10; n++) server.publish("room", n);
    channels.subscribe("lobby", () => {});
    await untilOpen(connection);
    // A component mounts, unmounts and mounts again in one task, as StrictMode does.
    const heard: ChannelEvent[] = [];
    const first = channels.subscribe("room", (event) => heard.push(event), { resumeFrom: "5" });
    first();
    channels.subscribe("room", (event) => heard.push(event), { resumeFrom: "5" });
    await vi.waitFor(() =>
      expect(heard.filter((event) => event.type === "message")).toHaveLength(5),
    );
    server.publish("room", 11);
    await vi.waitFor(() => expect(heard.at(-1)).toMatchObject({ type: "message", id: "11" }));
    // One subscription on the wire: the replay once, and no duplicate for anyone to report.
    expect(heard.map((event) => (event.type === "message" ? event.id : event.type))).toEqual([
      "subscribed",
      "6",
      "7",
      "8",
      "9",
      "10",
      "11",
    ]);
    const frames = server.frames.filter((frame) => frame["channel"] === "room");
    expect(frames).toEqual([{ type: "subscribe", channel: "room", resume: "5" }]);
  });

  it("shares one connection among 200 subscribers of 50 channels, and lets go of every one", async () => {
    const server = await startChannelServer();
    const { channels, connection, lease } = clientFor(server, { linger: 50 });
    const stops = Array.from({ length: 200 }, (_, index) =>
      channels.subscribe(`channel-${index % 50}`, () => {}),
    );
    await untilOpen(connection);
    const subscribes = () => server.frames.filter((frame) => frame["type"] === "subscribe");
    // Paced to the protocol's default rate (PROTOCOL.md section 7a): about 0.7 s for 50.
    await vi.waitFor(() => expect(subscribes()).toHaveLength(50));
    expect(server.connections).toBe(1);
    for (const stop of stops) stop();
    const unsubscribes = () => server.frames.filter((frame) => frame["type"] === "unsubscribe");
    await vi.waitFor(() => expect(unsubscribes()).toHaveLength(50));
    expect(new Set(unsubscribes().map((frame) => frame["channel"])).size).toBe(50);
    const [socket] = server.sockets;
    lease.release();
    if (socket !== undefined) await once(socket, "close");
    expect(server.sockets.size).toBe(0);
    expect(server.connections).toBe(1);
  });

  it("delivers 5,000 messages over 3 channels exactly once and in order through 10 server restarts", async () => {
    const server = await startChannelServer();
    const { channels } = clientFor(server);
    const names = ["a", "b", "c"];
    const total = 5000;
    const received = new Map<string, number[]>(names.map((name) => [name, []]));
    let count = 0;
    let kills = 0;
    let restarts = Promise.resolve();
    const duplicates: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      for (const name of names) {
        channels.subscribe(name, (event) => {
          if (event.type === "error") duplicates.push(event.error.code);
          if (event.type !== "message") return;
          received.get(name)?.push((event.data as { n: number }).n);
          count++;
          if (count === total) resolve();
          if (count % 450 === 0 && kills < 10) {
            kills++;
            restarts = restarts
              .then(() => server.kill())
              .then(() => new Promise((wait) => setTimeout(wait, 30)))
              .then(() => server.start());
          }
        });
      }
    });
    // The server keeps publishing whether or not the client is connected.
    let published = 0;
    const pump = () => {
      for (let batch = 0; batch < 30 && published < total; batch++, published++) {
        server.publish(names[published % 3] as string, { n: published });
      }
      if (published < total) setImmediate(pump);
    };
    await vi.waitFor(() =>
      expect(server.frames.filter((f) => f["type"] === "subscribe")).toHaveLength(3),
    );
    pump();
    await done;
    await restarts;
    expect(kills).toBe(10);
    for (const [index, name] of names.entries()) {
      const expected = Array.from({ length: total }, (_, n) => n).filter((n) => n % 3 === index);
      expect(received.get(name)).toEqual(expected);
    }
    // Resubscribing with resume ids means nothing had to be dropped as a duplicate.
    expect(duplicates).toEqual([]);
  });

  it("queues a publish while disconnected and sends it after the subscriptions", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server);
    channels.subscribe("room", () => {});
    await untilOpen(connection);
    await server.kill();
    await vi.waitFor(() => expect(connection.getSnapshot().status).not.toBe("open"));
    const acked = channels.publish("room", "while away");
    expect(connection.getSnapshot().queued).toBe(1);
    const before = server.frames.length;
    await server.start();
    expect(await acked).toEqual({ id: "1" });
    expect(server.frames.slice(before).map((frame) => frame["type"])).toEqual([
      "subscribe",
      "publish",
    ]);
  });

  /** A client whose server went away: what it publishes waits in the queue. */
  async function disconnectedClient(queue: OutgoingQueueOptions) {
    const server = await startChannelServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const source = webSocketChannels({
      url: server.url,
      WebSocket,
      retryDelay: () => 60_000,
      queue,
    });
    const lease = manager.acquire(source.endpoint);
    const { connection } = lease;
    const channels = source.channelsOf(lease);
    await untilOpen(connection);
    await server.kill();
    await vi.waitFor(() => expect(connection.getSnapshot().status).not.toBe("open"));
    return { connection, channels };
  }

  it("rejects a publish that waited in the queue past its time to live", async () => {
    const { connection, channels } = await disconnectedClient({ ttl: 50 });
    const error = await channels.publish("room", "stale").catch((rejection: unknown) => rejection);
    expect(error).toMatchObject({ name: "PublishError", code: "expired", channel: "room" });
    expect(connection.getSnapshot()).toMatchObject({ queued: 0, dropped: 1 });
  });

  it("rejects a publish the full queue refused", async () => {
    const { connection, channels } = await disconnectedClient({ maxMessages: 1 });
    const first = channels.publish("room", 1);
    const second = await channels.publish("room", 2).catch((rejection: unknown) => rejection);
    expect(second).toMatchObject({ code: "rejected" });
    connection.close();
    expect(await first.catch((rejection: unknown) => rejection)).toMatchObject({ code: "cleared" });
  });

  it("rejects a publish when no ack comes in time", async () => {
    const server = await startChannelServer();
    server.acks = false;
    const { channels, connection } = clientFor(server, { ackTimeout: 50 });
    await untilOpen(connection);
    const error = await channels.publish("room", 1).catch((rejection: unknown) => rejection);
    expect(error).toBeInstanceOf(PublishError);
    expect(error).toMatchObject({ code: "timeout", channel: "room" });
  });

  it("rejects a sent publish as disconnected when the socket drops before its ack", async () => {
    const server = await startChannelServer();
    server.acks = false;
    const { channels, connection } = clientFor(server);
    await untilOpen(connection);
    const publish = channels.publish("room", 1).catch((rejection: unknown) => rejection);
    await vi.waitFor(() =>
      expect(server.frames).toContainEqual(expect.objectContaining({ type: "publish" })),
    );
    await server.kill();
    expect(await publish).toMatchObject({ code: "disconnected" });
  });

  it("reports bad input as typed errors and keeps working", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server, { maxFrameSize: 1000 });
    const errors: string[] = [];
    channels.onError((error) => errors.push(`${error.name}:${error.code}`));
    const roomEvents: ChannelEvent[] = [];
    channels.subscribe("room", (event) => roomEvents.push(event));
    await untilOpen(connection);
    await vi.waitFor(() => expect(roomEvents).toHaveLength(1)); // subscribed
    server.sendRaw("this is not json");
    server.sendRaw('{"type":"hello"}');
    server.sendRaw(
      JSON.stringify({ type: "message", channel: "room", id: "1", data: "x".repeat(2000) }),
    );
    server.sendRaw(JSON.stringify({ type: "message", channel: "nobody", id: "1", data: 1 }));
    server.sendRaw(JSON.stringify({ type: "ack", ack: "999" }));
    server.sendRaw(Buffer.from([0, 0, 0, 99, 1]));
    server.sendRaw(JSON.stringify({ type: "error", code: "internal", reason: "oops" }));
    server.publish("room", "first");
    server.sendRaw(JSON.stringify({ type: "message", channel: "room", id: "1", data: "again" }));
    server.publish("room", "second");
    await vi.waitFor(() =>
      expect(
        roomEvents.filter((event) => event.type === "message").map((event) => event.data),
      ).toEqual(["first", "second"]),
    );
    expect(errors).toEqual([
      "ChannelProtocolError:bad-frame",
      "ChannelProtocolError:unknown-type",
      "ChannelProtocolError:too-large",
      "ChannelProtocolError:unknown-channel",
      "ChannelProtocolError:unexpected-ack",
      "ChannelProtocolError:bad-frame",
      "ChannelServerError:internal",
    ]);
    expect(
      roomEvents.filter((event) => event.type === "error").map((event) => event.error.code),
    ).toEqual(["duplicate"]);
    expect(connection.getSnapshot().status).toBe("open");
  });

  it("carries binary payloads both ways (PROTOCOL.md section 5)", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server, { protocol: binaryChannelProtocol });
    const message = new Promise<ChannelEvent>((resolve) =>
      channels.subscribe("cam", (event) => event.type === "message" && resolve(event)),
    );
    await untilOpen(connection);
    expect(await channels.publish("cam", new Uint8Array([1, 2, 255]))).toEqual({ id: "1" });
    const event = await message;
    expect(event).toMatchObject({ type: "message", channel: "cam", id: "1" });
    const data = (event as { data: unknown }).data;
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(data as ArrayBuffer)]).toEqual([1, 2, 255]);
    expect(server.frames.at(-1)).toMatchObject({ type: "publish", channel: "cam", ack: "1" });
  });

  it("refuses bytes without the binary protocol, and the socket carries on", async () => {
    const server = await startChannelServer();
    const { channels, connection } = clientFor(server);
    const errors: unknown[] = [];
    channels.onError((error) => errors.push(error));
    const received: unknown[] = [];
    channels.subscribe("cam", (event) => event.type === "message" && received.push(event.data));
    await untilOpen(connection);
    // Sent as JSON, bytes would arrive as `{}`: the publish fails instead, and says how to fix it.
    await expect(channels.publish("cam", new Uint8Array([1]))).rejects.toThrow(
      /binaryChannelProtocol/,
    );
    server.sendRaw(Buffer.from([0, 0, 0, 2, 123, 125]));
    expect(await channels.publish("cam", "text")).toEqual({ id: "1" });
    await vi.waitFor(() => expect(received).toEqual(["text"]));
    expect(errors).toEqual([
      expect.objectContaining({ code: "bad-frame", message: expect.stringMatching(/binary/) }),
    ]);
    expect(connection.getSnapshot().status).toBe("open");
  });

  it("shares one channel client per connection: one user leaving does not unsubscribe another", async () => {
    const server = await startChannelServer();
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const source = webSocketChannels({ url: server.url, WebSocket });
    const acquire = () => {
      const lease = manager.acquire(source.endpoint);
      return { ...lease, channels: source.channelsOf(lease) };
    };
    const first = acquire();
    const second = acquire();
    expect(second.channels).toBe(first.channels);
    const stopFirst = first.channels.subscribe("room", () => {});
    const seen: unknown[] = [];
    // The server's answer, not the socket's open, says it holds the subscription: a publish
    // before it would reach nobody.
    await new Promise<void>((subscribed) =>
      second.channels.subscribe("room", (event) => {
        if (event.type === "subscribed") subscribed();
        if (event.type === "message") seen.push(event.data);
      }),
    );
    stopFirst();
    server.publish("room", "still here");
    await vi.waitFor(() => expect(seen).toEqual(["still here"]));
    expect(server.frames.filter((frame) => frame["type"] === "unsubscribe")).toEqual([]);
    expect(server.frames.filter((frame) => frame["type"] === "subscribe")).toHaveLength(1);
  });

  it("answers the server's ping", async () => {
    const server = await startChannelServer();
    const { connection } = clientFor(server);
    await untilOpen(connection);
    const [socket] = server.sockets;
    if (socket === undefined) throw new Error("no socket");
    const pong = once(socket, "message");
    socket.send(JSON.stringify({ type: "ping", nonce: "n1" }));
    const [data] = await pong;
    expect(JSON.parse(String(data))).toEqual({ type: "pong", nonce: "n1" });
  });
});

describe("webSocketChannels", () => {
  it("offers the channel subprotocol when the endpoint names none, as PROTOCOL.md servers require", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, "listening");
    const offered: string[] = [];
    server.on("connection", (_socket, request) => {
      offered.push(request.headers["sec-websocket-protocol"] ?? "(none)");
    });
    const { port } = server.address() as AddressInfo;
    const manager = new ConnectionManager({ lifecycle: createPageLifecycleControls() });
    onTestFinished(() => manager.closeAll());
    const lease = manager.acquire(
      webSocketChannels({ url: `ws://127.0.0.1:${port}`, WebSocket }).endpoint,
    );
    const own = manager.acquire(
      webSocketChannels({ url: `ws://127.0.0.1:${port}/own`, protocols: ["custom.v2"], WebSocket })
        .endpoint,
    );
    lease.connection.connect();
    own.connection.connect();
    await vi.waitFor(() => expect(offered.sort()).toEqual(["custom.v2", CHANNEL_SUBPROTOCOL]));
  });
});
