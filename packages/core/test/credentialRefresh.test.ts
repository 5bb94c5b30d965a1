// What channels do when the server says the credentials expire soon (PROTOCOL.md section 1a): a
// WebSocket's ChannelClient sends its hello again in band, a stream's channels reconnect with
// fresh headers. Real servers drive both in packages/server/test/authExpiry.test.ts.
import {
  ChannelClient,
  ConnectionError,
  type ConnectionOptions,
  EventStreamChannels,
  STREAM_EXPIRING_EVENT,
} from "@wirekit/core";
import {
  createFakeServer,
  createPageLifecycleControls,
  createVirtualClock,
  type FakeServerStream,
} from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { scriptedConnection } from "./support/scriptedTransport.js";

/** A hook the test answers when it likes: the refresh is under way until then. */
function gatedHook() {
  const calls: ConnectionError[] = [];
  let open: (allowed: boolean) => void = () => {};
  const hook = vi.fn((error: ConnectionError) => {
    calls.push(error);
    return new Promise<boolean>((resolve) => {
      open = resolve;
    });
  });
  return { hook, calls, answer: (allowed: boolean) => open(allowed) };
}

/** Channels over a scripted WebSocket, open; `notice()` is the server's `expiring` frame. */
function socketChannels(options: Partial<ConnectionOptions> = {}) {
  const { clock, transport, connection } = scriptedConnection({
    retryDelay: () => 60_000,
    ...options,
  });
  const channels = new ChannelClient(connection, { sendRate: false });
  onTestFinished(() => {
    channels.dispose();
    connection.close();
  });
  connection.connect();
  transport.last.open();
  const notice = () =>
    transport.last.message({ data: JSON.stringify({ type: "expiring", expiresIn: 1000 }) });
  return { clock, transport, connection, notice };
}

/** Channels over an event stream, open on one channel; `notice()` is the server's event. */
async function streamChannels(options: Partial<ConnectionOptions> = {}) {
  const server = createFakeServer();
  const streams: FakeServerStream[] = [];
  server.onRequest((stream) => streams.push(stream));
  const clock = createVirtualClock();
  const channels = new EventStreamChannels({
    url: "http://stream.test/",
    EventSource: server.EventSource,
    clock,
    lifecycle: createPageLifecycleControls(),
    retryDelay: () => 60_000,
    debounce: 0,
    ...options,
  });
  onTestFinished(() => channels.dispose());
  channels.subscribe("prices", () => {});
  // The channel set is wired after the debounce.
  await clock.advanceAsync(0);
  const { connection } = channels;
  await vi.waitFor(() => expect(connection.getSnapshot().status).toBe("open"));
  const last = () => streams.at(-1) as FakeServerStream;
  const notice = () => last().event({ event: STREAM_EXPIRING_EVENT, data: "1000" });
  return { streams, last, connection, notice, clock };
}

/** Runs what the hook's answer set off: promise callbacks, all queued before the next task. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a refresh on the server's notice", () => {
  it("asks the auth hook, then sends the hello again on the same socket, ahead of the queue", async () => {
    let token = "t1";
    const { hook, calls, answer } = gatedHook();
    const { connection, transport, notice } = socketChannels({
      hello: () => JSON.stringify({ type: "auth", token }),
      onAuthFailure: hook,
    });
    notice();
    expect(calls.map((error) => error.code)).toEqual(["credentials-expiring"]);
    token = "t2";
    answer(true);
    await vi.waitFor(() => expect(transport.last.sent).toHaveLength(2));
    expect(transport.sessions).toHaveLength(1);
    expect(transport.last.sent).toEqual([
      '{"type":"auth","token":"t1"}',
      '{"type":"auth","token":"t2"}',
    ]);
    expect(connection.getSnapshot()).toMatchObject({ status: "open", error: null });
  });

  it("answers on the socket of the latest notice, when a new one opened while the hook ran", async () => {
    let token = "t1";
    const { hook, answer } = gatedHook();
    const { clock, transport, notice } = socketChannels({
      hello: () => JSON.stringify({ type: "auth", token }),
      onAuthFailure: hook,
    });
    notice();
    // The socket drops while the app fetches a token; the next one opens with the old token,
    // and its server says it expires soon too.
    transport.last.drop(new ConnectionError("closed", "gone", { closeCode: 1006 }));
    await clock.advanceAsync(60_000);
    transport.last.open();
    notice();
    token = "t2";
    answer(true);
    // Else this socket is closed at the expiry, and every publish in flight on it with it.
    await vi.waitFor(() => expect(transport.last.sent).toHaveLength(2));
    expect(transport.last.sent).toEqual([
      '{"type":"auth","token":"t1"}',
      '{"type":"auth","token":"t2"}',
    ]);
    expect(hook).toHaveBeenCalledTimes(1);
  });

  it("asks the hook once for notices that come while a refresh is under way", async () => {
    const { hook, answer } = gatedHook();
    const { transport, notice } = socketChannels({ hello: () => "auth", onAuthFailure: hook });
    notice();
    notice();
    answer(true);
    await vi.waitFor(() => expect(transport.last.sent).toEqual(["auth", "auth"]));
    expect(hook).toHaveBeenCalledTimes(1);
    notice();
    answer(true);
    await vi.waitFor(() => expect(transport.last.sent).toHaveLength(3));
    expect(hook).toHaveBeenCalledTimes(2);
  });

  it("does nothing without a hook: the same credentials again would only earn another notice", async () => {
    const socket = socketChannels({ hello: () => "auth" });
    socket.notice();
    await settle();
    expect(socket.transport.last.sent).toEqual(["auth"]);
    const stream = await streamChannels();
    stream.notice();
    await settle();
    expect(stream.connection.getSnapshot().status).toBe("open");
    expect(stream.streams).toHaveLength(1);
  });

  it("reconnects a stream at once, resuming, since headers cannot travel in band", async () => {
    const { streams, last, connection, notice } = await streamChannels({
      onAuthFailure: () => true,
    });
    last().event({ event: "prices", data: "x", id: "41" });
    notice();
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(new URL(last().url).searchParams.get("lastEventId")).toBe("41");
    expect(streams[0]?.closed).toBe(true);
    // No backoff: the 60 s retry delay would have left it waiting.
    expect(connection.getSnapshot().nextRetryAt).toBeNull();
  });

  it("reconnects a stream that ended while the hook ran, instead of waiting out the backoff", async () => {
    const { hook, answer } = gatedHook();
    const { streams, last, connection, notice } = await streamChannels({ onAuthFailure: hook });
    notice();
    await vi.waitFor(() => expect(hook).toHaveBeenCalledTimes(1));
    last().drop();
    await vi.waitFor(() => expect(connection.getSnapshot().nextRetryAt).not.toBeNull());
    answer(true);
    await vi.waitFor(() => expect(streams).toHaveLength(2));
    expect(connection.getSnapshot().nextRetryAt).toBeNull();
  });

  it("does nothing when the hook declines, or a new session already carries fresh credentials", async () => {
    const declined = socketChannels({ hello: () => "auth", onAuthFailure: () => false });
    declined.notice();
    await settle();
    expect(declined.transport.last.sent).toEqual(["auth"]);

    const { hook, answer } = gatedHook();
    const { transport, clock, notice } = socketChannels({
      hello: () => "auth",
      onAuthFailure: hook,
    });
    notice();
    transport.last.drop(new ConnectionError("closed", "gone", { closeCode: 1006 }));
    await clock.advanceAsync(60_000);
    transport.last.open();
    answer(true);
    await settle();
    expect(transport.sessions).toHaveLength(2);
    expect(transport.last.sent).toEqual(["auth"]);
  });

  it("leaves alone a socket attempt under way when the hook answers: its hello is fresh", async () => {
    const { hook, answer } = gatedHook();
    const { transport, clock, connection, notice } = socketChannels({
      hello: () => "auth",
      onAuthFailure: hook,
    });
    notice();
    transport.last.drop(new ConnectionError("closed", "gone", { closeCode: 1006 }));
    await clock.advanceAsync(60_000);
    expect(transport.sessions).toHaveLength(2);
    answer(true);
    await settle();
    expect(transport.sessions).toHaveLength(2);
    expect(transport.last.closedByClient).toBe(false);
    expect(connection.getSnapshot().attempt).toBe(1);
  });

  it("leaves alone a stream that opened since the notice, with fresh headers", async () => {
    const { hook, answer } = gatedHook();
    const { streams, last, connection, notice, clock } = await streamChannels({
      onAuthFailure: hook,
    });
    notice();
    await vi.waitFor(() => expect(hook).toHaveBeenCalledTimes(1));
    last().drop();
    await vi.waitFor(() => expect(connection.getSnapshot().nextRetryAt).not.toBeNull());
    await clock.advanceAsync(60_000);
    await vi.waitFor(() => expect(connection.getSnapshot().status).toBe("open"));
    answer(true);
    await settle();
    expect(connection.getSnapshot().status).toBe("open");
    expect(streams).toHaveLength(2);
    expect(streams[1]?.closed).toBe(false);
  });

  it("leaves closed channels closed", async () => {
    const { hook, answer } = gatedHook();
    const { streams, connection, notice } = await streamChannels({ onAuthFailure: hook });
    notice();
    await vi.waitFor(() => expect(hook).toHaveBeenCalledTimes(1));
    connection.close();
    answer(true);
    await settle();
    expect(streams).toHaveLength(1);
    expect(connection.getSnapshot().status).toBe("closed");
  });
});
