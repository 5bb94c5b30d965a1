// Credentials that expire while a client is connected (PROTOCOL.md sections 1a and 9): the
// server says so ahead of time, the client refreshes through its auth hook, and every message —
// those published while it refreshed too — arrives exactly once, in order. Expiry runs on a
// virtual clock (`auth.clock`); the client's hook is answered when the test says.
import { type ChannelEvent, type ConnectionSnapshot, EventStreamChannels } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import { WebSocket } from "ws";
import { clientFor, closeOf, rawClient, startChannels } from "./support/channels.js";
import { authFrame, credentialStore, sessionCookie } from "./support/credentials.js";
import { startStream } from "./support/listen.js";

const LIFE = 60_000;
const NOTICE = 30_000;

/** A virtual auth clock, a store, and credentials issued on it that expire LIFE from now. */
function expiringCredentials() {
  const clock = createVirtualClock({ now: Date.now() });
  const store = credentialStore();
  const issue = (credential: string) => store.issue(credential, "ada", clock.now() + LIFE);
  const auth = { authenticate: store.authenticate, clock, expiryNotice: NOTICE };
  return { clock, store, issue, auth };
}

/** An auth hook that hands out `next` when the test opens its gate; its calls are recorded. */
function gatedRefresh(next: () => void) {
  const reasons: string[] = [];
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const onAuthFailure = async (error: { code: string }) => {
    reasons.push(error.code);
    await gate;
    next();
    return true;
  };
  return { onAuthFailure, reasons, open: () => open() };
}

const dataOf = (events: readonly ChannelEvent[]) =>
  events.flatMap((event) => (event.type === "message" ? [event.data] : []));

// Strings, so that an event stream (whose data is text) and a socket deliver the same values.
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => String(from + index));

/**
 * A channel server whose credentials expire LIFE from now, and a client on room `room` whose
 * hello sends token t1 until its gated auth hook hands out t2; its snapshots are recorded.
 */
async function socketWithExpiringToken() {
  const { clock, store, issue, auth } = expiringCredentials();
  issue("t1");
  const { broker, server, url } = await startChannels({ auth });
  let token = "t1";
  const refresh = gatedRefresh(() => {
    token = "t2";
    issue("t2");
  });
  const client = clientFor(url, {
    endpoint: { hello: () => authFrame(token), onAuthFailure: refresh.onAuthFailure },
  });
  const snapshots: ConnectionSnapshot[] = [];
  client.connection.subscribe(() => snapshots.push(client.connection.getSnapshot()));
  const events: ChannelEvent[] = [];
  client.channels.subscribe("room", (event) => events.push(event));
  await vi.waitFor(() => expect(events).toHaveLength(1));
  return { clock, store, broker, server, client, refresh, snapshots, events };
}

describe("credentials that expire", () => {
  it("over an event stream: notice, refresh through the hook, reconnect by Last-Event-ID, nothing lost", async () => {
    const { clock, store, issue, auth } = expiringCredentials();
    issue("t1");
    const { broker, handler, url } = await startStream({ auth });
    let token = "t1";
    const refresh = gatedRefresh(() => {
      token = "t2";
      issue("t2");
    });
    const channels = new EventStreamChannels({
      url,
      headers: () => ({ Authorization: `Bearer ${token}` }),
      FetchEventSource,
      debounce: 5,
      lifecycle: createPageLifecycleControls(),
      // Never within the test: only the refresh may bring the stream back.
      retryDelay: () => 600_000,
      onAuthFailure: refresh.onAuthFailure,
    });
    onTestFinished(() => channels.dispose());
    const events: ChannelEvent[] = [];
    channels.subscribe("feed", (event) => events.push(event));
    await vi.waitFor(() => expect(events).toHaveLength(1));
    for (const n of range(1, 3)) await broker.publish("feed", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 3)));

    clock.advance(LIFE - NOTICE);
    await vi.waitFor(() => expect(refresh.reasons).toEqual(["credentials-expiring"]));
    // While the client refreshes, the old credentials still hold: the stream goes on.
    for (const n of range(4, 6)) await broker.publish("feed", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 6)));

    // They expire before the refresh is done: the server ends the stream, saying why.
    clock.advance(NOTICE);
    await vi.waitFor(() => expect(handler.streams).toBe(0));
    for (const n of range(7, 9)) await broker.publish("feed", n);
    refresh.open();
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 9)));
    for (const n of range(10, 12)) await broker.publish("feed", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 12)));

    expect(store.asked).toEqual(["t1", "t2"]);
    expect(events.filter((event) => event.type === "subscribed")).toEqual([
      { type: "subscribed", channel: "feed", recovered: true, position: "0" },
      { type: "subscribed", channel: "feed", recovered: true, position: "6" },
    ]);
    expect(channels.connection.getSnapshot()).toMatchObject({ status: "open", error: null });
  });

  it("over a WebSocket: refreshed in band, on the same socket, nothing lost", async () => {
    const { clock, store, broker, server, client, refresh, snapshots, events } =
      await socketWithExpiringToken();
    for (const n of range(1, 3)) await broker.publish("room", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 3)));

    clock.advance(LIFE - NOTICE);
    await vi.waitFor(() => expect(refresh.reasons).toEqual(["credentials-expiring"]));
    for (const n of range(4, 6)) await broker.publish("room", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 6)));
    refresh.open();
    await vi.waitFor(() => expect(store.asked).toEqual([undefined, "t1", "t2"]));
    // Frames are served in order: once this is acknowledged, the fresh credentials are in force.
    await expect(client.channels.publish("room", "7")).resolves.toEqual({ id: "7" });

    // Past the first credentials' expiry: the socket lives on under the second's.
    clock.advance(NOTICE);
    for (const n of range(8, 10)) await broker.publish("room", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 10)));
    expect(server.counts).toMatchObject({ accepted: 1, open: 1, closedByPolicy: 0 });
    // The same socket throughout: the connection never left `open` once it got there.
    const statuses = snapshots.map((snapshot) => snapshot.status);
    expect(statuses.slice(statuses.indexOf("open"))).not.toContain("reconnecting");
    expect(statuses).toContain("open");
    expect(events.filter((event) => event.type === "subscribed")).toHaveLength(1);
  });

  it("over a WebSocket that did not refresh in time: closed with 4440, back with fresh credentials, nothing lost", async () => {
    const { clock, store, broker, client, refresh, snapshots, events } =
      await socketWithExpiringToken();
    await broker.publish("room", "1");
    await vi.waitFor(() => expect(dataOf(events)).toEqual(["1"]));

    clock.advance(LIFE - NOTICE);
    await vi.waitFor(() => expect(refresh.reasons).toEqual(["credentials-expiring"]));
    await broker.publish("room", "2");
    await vi.waitFor(() => expect(dataOf(events)).toEqual(["1", "2"]));
    // The refresh is still under way when the credentials expire.
    clock.advance(NOTICE);
    await vi.waitFor(() =>
      expect(snapshots).toContainEqual(
        expect.objectContaining({ error: expect.objectContaining({ closeCode: 4440 }) }),
      ),
    );
    for (const n of range(3, 5)) await broker.publish("room", n);
    refresh.open();
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 5)));
    for (const n of range(6, 7)) await broker.publish("room", n);
    await vi.waitFor(() => expect(dataOf(events)).toEqual(range(1, 7)));
    expect(store.asked.at(-1)).toBe("t2");
    expect(client.connection.getSnapshot()).toMatchObject({ status: "open", error: null });
  });

  it("over a WebSocket with cookie credentials: reconnects on the notice, with the fresh cookie", async () => {
    const { clock, store, issue, auth } = expiringCredentials();
    issue("s1");
    const { broker, server, url } = await startChannels({ auth });
    // The browser's cookie jar, as the upgrade request carries it.
    let cookie = "session=s1";
    class BrowserWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { headers: { Cookie: cookie } });
      }
    }
    const refresh = gatedRefresh(() => {
      cookie = "session=s2";
      issue("s2");
    });
    const client = clientFor(url, {
      endpoint: {
        WebSocket: BrowserWebSocket,
        onAuthFailure: refresh.onAuthFailure,
        retryDelay: () => 600_000,
      },
    });
    const events: ChannelEvent[] = [];
    client.channels.subscribe("room", (event) => events.push(event));
    await vi.waitFor(() => expect(events).toHaveLength(1));
    await broker.publish("room", "1");
    clock.advance(LIFE - NOTICE);
    await vi.waitFor(() => expect(refresh.reasons).toEqual(["credentials-expiring"]));
    await broker.publish("room", "2");
    refresh.open();
    await vi.waitFor(() => expect(server.counts.accepted).toBe(2));
    await broker.publish("room", "3");
    await vi.waitFor(() => expect(dataOf(events)).toEqual(["1", "2", "3"]));
    expect(store.asked.map((asked) => asked ?? "none")).toEqual(["s1", "s2"]);
    expect(sessionCookie({ headers: { cookie } })).toBe("s2");
    // The first socket went away on the client's own terms, not the server's.
    expect(server.counts.closedByPolicy).toBe(0);
  });

  it("is refused as expired, not served for an instant, when it is already past", async () => {
    const { clock, store, auth } = expiringCredentials();
    store.issue("stale", "ada", clock.now());
    const { url } = await startStream({ auth });
    const answer = await fetch(`${url}?channels=a`, { headers: { Authorization: "Bearer stale" } });
    expect([answer.status, await answer.text()]).toEqual([401, "credentials expired"]);
  });
});

describe("the expiry notice", () => {
  it("comes no earlier than half the life credentials had left, so short ones are not refreshed in a loop", async () => {
    const { clock, store, auth } = expiringCredentials();
    store.issue("short", "ada", clock.now() + 10_000);
    const { url } = await startChannels({ auth });
    const { socket, frames } = await rawClient(url);
    socket.send(authFrame("short"));
    socket.send(JSON.stringify({ type: "ping", nonce: "verified" }));
    await vi.waitFor(() => expect(frames).toEqual([{ type: "pong", nonce: "verified" }]));
    clock.advance(4999);
    socket.send(JSON.stringify({ type: "ping", nonce: "before" }));
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    clock.advance(1);
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    expect(frames.slice(1)).toEqual([
      { type: "pong", nonce: "before" },
      { type: "expiring", expiresIn: 5000 },
    ]);
  });

  it("is not repeated for the same credentials sent again, which expire as before with 4440", async () => {
    const { clock, issue, auth } = expiringCredentials();
    issue("t1");
    const { url } = await startChannels({ auth });
    const { socket, frames } = await rawClient(url);
    socket.send(authFrame("t1"));
    socket.send(JSON.stringify({ type: "ping", nonce: "in" }));
    await vi.waitFor(() => expect(frames).toHaveLength(1));
    clock.advance(LIFE - NOTICE);
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    socket.send(authFrame("t1"));
    socket.send(JSON.stringify({ type: "ping", nonce: "again" }));
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    // Where a notice for credentials verified now, with NOTICE left, would fall.
    clock.advance(NOTICE / 2);
    socket.send(JSON.stringify({ type: "ping", nonce: "later" }));
    await vi.waitFor(() => expect(frames).toHaveLength(4));
    expect(frames).toEqual([
      { type: "pong", nonce: "in" },
      { type: "expiring", expiresIn: NOTICE },
      { type: "pong", nonce: "again" },
      { type: "pong", nonce: "later" },
    ]);
    const closed = closeOf(socket);
    clock.advance(NOTICE / 2);
    expect(await closed).toEqual({ code: 4440, reason: "credentials expired" });
  });
});
