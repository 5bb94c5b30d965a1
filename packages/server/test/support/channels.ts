// Real channel servers on 127.0.0.1 port 0, with wirekit clients and raw `ws` clients, closed
// when the test ends.
import { once } from "node:events";
import {
  CHANNEL_SUBPROTOCOL,
  ChannelClient,
  type ChannelClientOptions,
  type ChannelEvent,
  ConnectionManager,
  exponentialBackoff,
  type PageLifecycle,
  type WebSocketEndpointOptions,
  webSocketEndpoint,
} from "@wirekit/core";
import {
  type Broker,
  type ChannelServerOptions,
  createChannelServer,
  createMemoryBroker,
} from "@wirekit/server";
import { createPageLifecycleControls } from "@wirekit/testing";
import { expect, onTestFinished, vi } from "vitest";
import { type ClientOptions, WebSocket } from "ws";

export type Options = Partial<ChannelServerOptions> & { broker?: Broker };

export async function startChannels(options: Options = {}) {
  const broker = options.broker ?? createMemoryBroker({ epoch: 0 });
  const server = createChannelServer({
    allowedOrigins: ["https://app.example"],
    ...options,
    broker,
  });
  onTestFinished(() => server.close());
  await server.ready;
  return { broker, server, url: `ws://127.0.0.1:${server.address().port}/channels` };
}

export function clientFor(
  url: string,
  options: {
    endpoint?: Partial<WebSocketEndpointOptions>;
    channels?: ChannelClientOptions;
    lifecycle?: PageLifecycle;
  } = {},
) {
  const manager = new ConnectionManager({
    lifecycle: options.lifecycle ?? createPageLifecycleControls(),
  });
  onTestFinished(() => manager.closeAll());
  const lease = manager.acquire(
    webSocketEndpoint({
      url,
      protocols: [CHANNEL_SUBPROTOCOL],
      WebSocket,
      retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 60 }),
      ...options.endpoint,
    }),
  );
  const channels = new ChannelClient(lease.connection, options.channels);
  onTestFinished(() => channels.dispose());
  const events: ChannelEvent[] = [];
  return { channels, connection: lease.connection, events };
}

export function listenTo(client: ReturnType<typeof clientFor>, channel: string) {
  client.channels.subscribe(channel, (event) => client.events.push(event));
}

export type JsonFrame = Record<string, unknown>;

/**
 * A raw client; frames it receives are collected as parsed JSON, the server's `limits` (its
 * first frame on every connection) apart from the others.
 */
export async function rawClient(
  url: string,
  options: ClientOptions & { protocols?: string[] } = {},
): Promise<{ socket: WebSocket; frames: JsonFrame[]; limits: JsonFrame[] }> {
  const { protocols = [CHANNEL_SUBPROTOCOL], ...rest } = options;
  const socket = new WebSocket(url, protocols, rest);
  onTestFinished(() => socket.terminate());
  const frames: JsonFrame[] = [];
  const limits: JsonFrame[] = [];
  socket.on("message", (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(String(data)) as JsonFrame;
    (frame["type"] === "limits" ? limits : frames).push(frame);
  });
  await once(socket, "open");
  return { socket, frames, limits };
}

/** Sends a ping and waits for its pong: the server has handled every frame sent before it. */
export async function roundTrip(
  client: { socket: WebSocket; frames: JsonFrame[] },
  nonce: string,
): Promise<void> {
  client.socket.send(JSON.stringify({ type: "ping", nonce }));
  await vi.waitFor(() => expect(client.frames).toContainEqual({ type: "pong", nonce }));
}

/** The HTTP status a refused handshake answered with. */
export async function refusedStatus(url: string, options: ClientOptions = {}): Promise<number> {
  const socket = new WebSocket(url, [CHANNEL_SUBPROTOCOL], options);
  // A refused handshake also ends in an `error`, which is the point here.
  socket.on("error", () => {});
  onTestFinished(() => socket.terminate());
  const [, response] = (await once(socket, "unexpected-response")) as [
    unknown,
    { statusCode: number },
  ];
  return response.statusCode;
}

export async function closeOf(socket: WebSocket): Promise<{ code: number; reason: string }> {
  const [code, reason] = (await once(socket, "close")) as [number, Buffer];
  return { code, reason: String(reason) };
}

/** Proves a good client still works: a round trip through the broker. */
export async function stillServes(url: string) {
  const good = clientFor(url);
  listenTo(good, "health");
  await vi.waitFor(() =>
    expect(good.events).toContainEqual(expect.objectContaining({ type: "subscribed" })),
  );
  await expect(good.channels.publish("health", "ok")).resolves.toEqual({ id: expect.any(String) });
}
