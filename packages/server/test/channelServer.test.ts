// The channel server over real sockets: wirekit's ChannelClient for the happy paths, raw `ws`
// clients for hostile input. Each hostile client is refused or cut while a good one carries on.
import { createMemoryBroker } from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";
import { WebSocket } from "ws";
import {
  clientFor,
  closeOf,
  listenTo,
  rawClient,
  refusedStatus,
  roundTrip,
  startChannels,
  stillServes,
} from "./support/channels.js";

describe("createChannelServer", () => {
  it("subscribes, publishes with an ack carrying the broker's id, and echoes to subscribers", async () => {
    const { broker, url, server } = await startChannels();
    const alice = clientFor(url);
    const bob = clientFor(url);
    listenTo(alice, "room");
    listenTo(bob, "room");
    await vi.waitFor(() => expect(bob.events).toHaveLength(1));
    expect(bob.events[0]).toEqual({
      type: "subscribed",
      channel: "room",
      recovered: true,
      position: "0",
    });
    await broker.publish("room", "from the server");
    expect(await alice.channels.publish("room", { text: "hi" })).toEqual({ id: "2" });
    await vi.waitFor(() =>
      expect(bob.events.slice(1)).toEqual([
        { type: "message", channel: "room", id: "1", data: "from the server" },
        { type: "message", channel: "room", id: "2", data: { text: "hi" } },
      ]),
    );
    expect(server.counts.open).toBe(2);
  });

  it("resumes after a restart with the same broker: recovered, with what was missed", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const first = await startChannels({ broker });
    const port = first.server.address().port;
    const client = clientFor(first.url);
    listenTo(client, "room");
    await vi.waitFor(() => expect(client.events).toHaveLength(1));
    await broker.publish("room", "a");
    await vi.waitFor(() => expect(client.channels.lastId("room")).toBe("1"));
    await first.server.close();
    await broker.publish("room", "b");
    await broker.publish("room", "c");
    await startChannels({ broker, port });
    await vi.waitFor(() => expect(client.channels.lastId("room")).toBe("3"));
    expect(client.events.slice(2)).toEqual([
      // Delivery starts after the resume point, with what was missed.
      { type: "subscribed", channel: "room", recovered: true, position: "1" },
      { type: "message", channel: "room", id: "2", data: "b" },
      { type: "message", channel: "room", id: "3", data: "c" },
    ]);
  });

  it("says recovered: false when the history ring no longer holds what was missed", async () => {
    const broker = createMemoryBroker({ historySize: 2, epoch: 0 });
    const first = await startChannels({ broker });
    const port = first.server.address().port;
    const client = clientFor(first.url);
    listenTo(client, "room");
    await vi.waitFor(() => expect(client.events).toHaveLength(1));
    await broker.publish("room", "a");
    await vi.waitFor(() => expect(client.channels.lastId("room")).toBe("1"));
    await first.server.close();
    for (const data of ["b", "c", "d"]) await broker.publish("room", data);
    await startChannels({ broker, port });
    await vi.waitFor(() =>
      expect(client.events).toContainEqual({
        type: "subscribed",
        channel: "room",
        recovered: false,
        position: "4",
      }),
    );
    await broker.publish("room", "e");
    await vi.waitFor(() => expect(client.channels.lastId("room")).toBe("5"));
    expect(client.events.filter((event) => event.type === "message").map((e) => e.id)).toEqual([
      "1",
      "5",
    ]);
  });

  it("answers ping with pong, and unsubscribes", async () => {
    const { broker, url } = await startChannels();
    const { socket, frames } = await rawClient(url);
    socket.send(JSON.stringify({ type: "ping", nonce: "n1" }));
    socket.send(JSON.stringify({ type: "subscribe", channel: "a" }));
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    socket.send(JSON.stringify({ type: "unsubscribe", channel: "a" }));
    socket.send(JSON.stringify({ type: "ping", nonce: "n2" }));
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    await broker.publish("a", "unheard");
    socket.send(JSON.stringify({ type: "ping", nonce: "n3" }));
    await vi.waitFor(() => expect(frames).toHaveLength(4));
    expect(frames).toEqual([
      { type: "pong", nonce: "n1" },
      { type: "subscribed", channel: "a", recovered: true, position: "0" },
      { type: "pong", nonce: "n2" },
      { type: "pong", nonce: "n3" },
    ]);
  });

  it("refuses a foreign Origin at the handshake with 403", async () => {
    const { url, server } = await startChannels();
    expect(await refusedStatus(url, { origin: "https://evil.example" })).toBe(403);
    expect(server.counts.refused).toBe(1);
    await rawClient(url, { origin: "https://app.example" });
    await stillServes(url);
  });

  it("closes with 1002 a client that does not offer wirekit.v1", async () => {
    const { url } = await startChannels();
    const { socket } = await rawClient(url, { protocols: [] });
    expect((await closeOf(socket)).code).toBe(1002);
    await stillServes(url);
  });

  it("tells each client its limits in its first frame", async () => {
    const { url } = await startChannels({
      maxFrameSize: 1024,
      rateLimit: { messages: 20, per: 500 },
    });
    const { limits, socket } = await rawClient(url);
    socket.send(JSON.stringify({ type: "ping" }));
    await vi.waitFor(() =>
      expect(limits).toEqual([{ type: "limits", messages: 20, per: 500, maxFrameSize: 1024 }]),
    );
  });

  it("refuses an oversize frame with too-large and its ack, and the connection goes on", async () => {
    const { url, server } = await startChannels({ maxFrameSize: 1024 });
    const { socket, frames } = await rawClient(url);
    socket.send(
      JSON.stringify({ type: "publish", channel: "a", data: "x".repeat(2000), ack: "big" }),
    );
    socket.send(JSON.stringify({ type: "ping", nonce: "after" }));
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    expect(frames).toEqual([
      expect.objectContaining({ type: "error", code: "too-large", frame: "publish", ack: "big" }),
      { type: "pong", nonce: "after" },
    ]);
    expect(server.counts.closedByPolicy).toBe(0);
  });

  it("refuses a subscription past maxSubscriptions with too-many, and takes one after a leave", async () => {
    const { url, broker } = await startChannels({ maxSubscriptions: 2 });
    const { socket, frames } = await rawClient(url);
    const subscribe = (channel: string) =>
      socket.send(JSON.stringify({ type: "subscribe", channel }));
    subscribe("a");
    subscribe("b");
    subscribe("a"); // the same channel again replaces its subscription: still two
    subscribe("c");
    socket.send(JSON.stringify({ type: "unsubscribe", channel: "b" }));
    subscribe("c");
    await roundTrip({ socket, frames }, "after");
    expect(frames.filter((frame) => frame["type"] === "error")).toEqual([
      expect.objectContaining({ code: "too-many", frame: "subscribe", channel: "c" }),
    ]);
    await broker.publish("c", "served");
    await vi.waitFor(() =>
      expect(frames).toContainEqual(expect.objectContaining({ type: "message", channel: "c" })),
    );
  });

  it("closes with 1009 a frame too large to read, and counts it once", async () => {
    const { url, server } = await startChannels({ maxFrameSize: 1024 });
    const { socket } = await rawClient(url);
    socket.send(JSON.stringify({ type: "publish", channel: "a", data: "x".repeat(5000) }));
    expect((await closeOf(socket)).code).toBe(1009);
    await vi.waitFor(() => expect(server.counts.open).toBe(0));
    expect(server.counts.closedByPolicy).toBe(1);
    await stillServes(url);
  });

  it("answers a flood with rate-limited errors, then closes it with a retryable 4429", async () => {
    const { url, server } = await startChannels({ rateLimit: { messages: 5, per: 60_000 } });
    const { socket, frames } = await rawClient(url);
    for (let i = 0; i < 7; i++) {
      socket.send(JSON.stringify({ type: "publish", channel: "a", data: i, ack: String(i) }));
    }
    await vi.waitFor(() => expect(frames.filter((f) => f["type"] === "error")).toHaveLength(2));
    expect(frames.filter((f) => f["type"] === "ack")).toHaveLength(5);
    expect(frames.filter((f) => f["type"] === "error")).toEqual([
      expect.objectContaining({ code: "rate-limited", ack: "5", frame: "publish" }),
      expect.objectContaining({ code: "rate-limited", ack: "6", frame: "publish" }),
    ]);
    const closed = closeOf(socket);
    for (let i = 0; i < 10; i++) socket.send(JSON.stringify({ type: "ping" }));
    expect(await closed).toEqual({ code: 4429, reason: "rate limit exceeded; slow down" });
    expect(server.counts.closedByPolicy).toBe(1);
    await stillServes(url);
  });

  it("answers garbage with error frames and keeps the connection", async () => {
    const { url } = await startChannels();
    const { socket, frames } = await rawClient(url);
    socket.send("not json");
    socket.send("[1,2]");
    socket.send(JSON.stringify({ type: "teleport", ack: "9" }));
    socket.send(JSON.stringify({ type: "subscribe" }));
    socket.send(JSON.stringify({ type: "publish", channel: "a", ack: "7" }));
    socket.send(Buffer.from([0, 0, 0, 99, 1]));
    socket.send(JSON.stringify({ type: "ping", nonce: "still here" }));
    await vi.waitFor(() => expect(frames).toHaveLength(7));
    expect(frames).toEqual([
      expect.objectContaining({ type: "error", code: "bad-frame", reason: "not JSON" }),
      expect.objectContaining({ type: "error", code: "bad-frame" }),
      expect.objectContaining({ type: "error", code: "unknown-type", frame: "teleport", ack: "9" }),
      expect.objectContaining({ type: "error", code: "bad-frame", frame: "subscribe" }),
      expect.objectContaining({ type: "error", code: "bad-frame", frame: "publish", ack: "7" }),
      expect.objectContaining({ type: "error", code: "bad-frame" }),
      { type: "pong", nonce: "still here" },
    ]);
    expect(socket.readyState).toBe(WebSocket.OPEN);
  });

  it("publishes and delivers binary payloads (PROTOCOL.md section 5)", async () => {
    const { url } = await startChannels();
    const { socket } = await rawClient(url);
    const received: Buffer[] = [];
    socket.on("message", (data, isBinary) => isBinary && received.push(data as Buffer));
    socket.send(JSON.stringify({ type: "subscribe", channel: "cam" }));
    const header = Buffer.from(JSON.stringify({ type: "publish", channel: "cam" }));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(header.length);
    socket.send(Buffer.concat([length, header, Buffer.from([1, 2, 3])]));
    await vi.waitFor(() => expect(received).toHaveLength(1));
    const frame = received[0] as Buffer;
    const headerLength = frame.readUInt32BE(0);
    expect(JSON.parse(frame.subarray(4, 4 + headerLength).toString())).toEqual({
      type: "message",
      channel: "cam",
      id: "1",
    });
    expect([...frame.subarray(4 + headerLength)]).toEqual([1, 2, 3]);
  });

  it("encodes a message once for all its subscribers, and each gets it whole at any size", async () => {
    const { broker, url } = await startChannels();
    const clients = await Promise.all([0, 1, 2].map(() => rawClient(url)));
    for (const { socket } of clients) {
      socket.send(JSON.stringify({ type: "subscribe", channel: "room" }));
    }
    await vi.waitFor(() => {
      for (const { frames } of clients) expect(frames).toHaveLength(1);
    });
    let encodings = 0;
    const text = (length: number) => ({
      toJSON: () => {
        encodings++;
        return "x".repeat(length);
      },
    });
    // One message per WebSocket payload-length encoding (RFC 6455 section 5.2): 7, 16, 64 bits.
    for (const length of [10, 1_000, 70_000]) await broker.publish("room", text(length));
    await vi.waitFor(() => {
      for (const { frames } of clients) expect(frames).toHaveLength(4);
    });
    expect(encodings).toBe(3);
    for (const { frames } of clients) {
      expect(frames.slice(1).map(({ id, data }) => [id, String(data).length])).toEqual([
        ["1", 10],
        ["2", 1_000],
        ["3", 70_000],
      ]);
    }
  });

  it("terminates a half-open client that never answers pings, and keeps a live one", async () => {
    // Pings often; the deadline is one the live client in this process meets however busy the
    // machine, and the raw client, which never answers, misses whatever its speed.
    const { url, server } = await startChannels({ pingInterval: 20, pongTimeout: 2000 });
    const live = clientFor(url);
    listenTo(live, "room");
    const { socket } = await rawClient(url);
    expect((await closeOf(socket)).code).toBe(1006);
    expect(server.counts.terminated).toBe(1);
    expect(live.connection.getSnapshot().status).toBe("open");
    await stillServes(url);
  });

  it("closes every connection with 1001 on close()", async () => {
    const { url, server } = await startChannels();
    const one = await rawClient(url);
    const two = await rawClient(url);
    const closes = Promise.all([closeOf(one.socket), closeOf(two.socket)]);
    await server.close();
    expect((await closes).map((close) => close.code)).toEqual([1001, 1001]);
    expect(server.counts.open).toBe(0);
  });
});
