// One auth contract for both servers (`ServerAuth`): the same `authenticate` and `authorize`
// behind an event stream and a WebSocket, credentials from a cookie, a header or an auth frame,
// never from the URL; refusals typed; authorization per channel.
import {
  type ChannelEvent,
  ChannelServerError,
  EventStreamChannels,
  exponentialBackoff,
  PublishError,
} from "@wirekit/core";
import { FetchEventSource, type FetchEventSourceInit } from "@wirekit/core/event-source";
import {
  createChannelServer,
  createEventStreamHandler,
  createMemoryBroker,
  type ServerAuth,
  WirekitServerError,
} from "@wirekit/server";
import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it, onTestFinished, vi } from "vitest";
import {
  clientFor,
  closeOf,
  rawClient,
  roundTrip,
  startChannels,
  stillServes,
} from "./support/channels.js";
import { authFrame, credentialStore } from "./support/credentials.js";
import { startStream } from "./support/listen.js";

const ORIGIN = "https://app.example";

/** A FetchEventSource on `url`, collecting the data of `channel`'s events and its errors. */
function readStream(url: string, channel: string, init: FetchEventSourceInit = {}) {
  const source = new FetchEventSource(url, init);
  onTestFinished(() => source.close());
  const heard: string[] = [];
  const statuses: Array<number | undefined> = [];
  source.addEventListener(channel, (event) => heard.push(event.data));
  source.addEventListener("error", (event) => statuses.push(event.status));
  return { source, heard, statuses };
}

/** `EventStreamChannels` with quick retries, recording each channel's events. */
function streamChannels(url: string, headers: Record<string, string>) {
  const channels = new EventStreamChannels({
    url,
    headers,
    FetchEventSource,
    debounce: 5,
    lifecycle: createPageLifecycleControls(),
    retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 50 }),
  });
  onTestFinished(() => channels.dispose());
  const events = new Map<string, ChannelEvent[]>();
  const listen = (channel: string) => {
    const list: ChannelEvent[] = [];
    events.set(channel, list);
    channels.subscribe(channel, (event) => list.push(event));
    return list;
  };
  return { channels, listen };
}

describe("ServerAuth on an event stream", () => {
  it("reads a session cookie, or FetchEventSource's bearer header, and asks authorize per channel", async () => {
    const store = credentialStore();
    store.issue("s-ada", "ada");
    store.issue("t-bob", "bob");
    const asked: string[] = [];
    const { broker, handler, url } = await startStream<string>({
      auth: {
        authenticate: store.authenticate,
        authorize: (user, channel, action) => {
          asked.push(`${user} ${action} ${channel}`);
          return true;
        },
      },
    });
    const byCookie = readStream(`${url}?channels=news`, "news", {
      headers: { Cookie: "session=s-ada" },
    });
    const byHeader = readStream(`${url}?channels=news`, "news", {
      headers: { Authorization: "Bearer t-bob" },
    });
    await vi.waitFor(() => expect(handler.streams).toBe(2));
    await broker.publish("news", "hello");
    await vi.waitFor(() => {
      expect(byCookie.heard).toEqual(["hello"]);
      expect(byHeader.heard).toEqual(["hello"]);
    });
    expect(asked.sort()).toEqual(["ada subscribe news", "bob subscribe news"]);
  });

  it("answers 401 with a challenge, or 403, readable cross-origin, and FetchEventSource stops", async () => {
    const store = credentialStore();
    store.issue("t-banned", "banned");
    const { url } = await startStream({
      allowedOrigins: [ORIGIN],
      auth: { authenticate: store.authenticate },
    });
    const none = await fetch(`${url}?channels=news`, { headers: { Origin: ORIGIN } });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Bearer");
    // Without it a browser hides the status, and the client cannot tell a refusal from an outage.
    expect(none.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    const banned = await fetch(`${url}?channels=news`, {
      headers: { Origin: ORIGIN, Authorization: "Bearer t-banned" },
    });
    expect([banned.status, await banned.text()]).toEqual([403, "banned"]);

    const refused = readStream(`${url}?channels=news`, "news");
    await vi.waitFor(() => expect(refused.statuses).toEqual([401]));
    expect(refused.source.readyState).toBe(FetchEventSource.CLOSED);
  });

  it("serves the channels authorize allows and tells each refused one why, on one stream", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    const { broker, handler, url } = await startStream<string>({
      auth: {
        authenticate: store.authenticate,
        authorize: (_user, channel) => channel !== "secret",
      },
    });
    const { listen } = streamChannels(url, { Authorization: "Bearer t-ada" });
    const open = listen("lobby");
    const secret = listen("secret");
    await vi.waitFor(() => expect(open).toHaveLength(1));
    await broker.publish("secret", "hidden");
    await broker.publish("lobby", "shown");
    await vi.waitFor(() => expect(open).toHaveLength(2));
    expect(open).toEqual([
      { type: "subscribed", channel: "lobby", recovered: true, position: "0" },
      { type: "message", channel: "lobby", id: "2", data: "shown" },
    ]);
    expect(secret).toHaveLength(1);
    const [refusal] = secret;
    expect(refusal).toMatchObject({ type: "error", channel: "secret" });
    const error = (refusal as Extract<ChannelEvent, { type: "error" }>).error;
    expect(error).toBeInstanceOf(ChannelServerError);
    expect(error).toMatchObject({ code: "forbidden", channel: "secret", frame: "subscribe" });
    expect(handler.streams).toBe(1);
  });

  it("answers a failing hook with 500 or an internal error for the channel, never a crash", async () => {
    const throwing = await startStream({
      auth: {
        authenticate: () => {
          throw new Error("database down");
        },
      },
    });
    expect((await fetch(`${throwing.url}?channels=a`)).status).toBe(500);
    const malformed = await startStream({
      // A JavaScript caller on the old contract, returning the user itself.
      auth: { authenticate: () => ({ name: "ada" }) as never },
    });
    const answer = await fetch(`${malformed.url}?channels=a`);
    expect([answer.status, await answer.text()]).toEqual([
      500,
      "authenticate must return { user, expiresAt? } or { refused: 401 | 403 }",
    ]);
    const failingAuthorize = await startStream({
      auth: {
        authorize: async (_user, channel) => {
          if (channel === "b") throw new Error("policy service down");
          return true;
        },
      },
    });
    const { listen } = streamChannels(failingAuthorize.url, {});
    const a = listen("a");
    const b = listen("b");
    await vi.waitFor(() => expect(a).toHaveLength(1));
    expect(b).toMatchObject([{ type: "error", error: { code: "internal" } }]);
  });
});

describe("ServerAuth on a WebSocket", () => {
  it("takes credentials from the auth frame a client's hello sends, and serves what it queued behind it", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    const users: string[] = [];
    const { url, server } = await startChannels({
      auth: {
        authenticate: store.authenticate,
        authorize: (user, channel, action) => {
          users.push(`${String(user)} ${action} ${channel}`);
          return true;
        },
      },
    });
    const client = clientFor(url, { endpoint: { hello: () => authFrame("t-ada") } });
    const heard: unknown[] = [];
    client.channels.subscribe(
      "room",
      (event) => event.type === "message" && heard.push(event.data),
    );
    // Queued before the socket opens: it goes out behind the auth frame, and waits for it.
    await expect(client.channels.publish("room", "hello")).resolves.toEqual({ id: "1" });
    await vi.waitFor(() => expect(heard).toEqual(["hello"]));
    expect(users).toEqual(["ada subscribe room", "ada publish room"]);
    // The upgrade request had no credentials; the frame had.
    expect(store.asked).toEqual([undefined, "t-ada"]);
    expect(server.counts).toMatchObject({ accepted: 1, closedByPolicy: 0 });
  });

  it("takes them from the upgrade request too: a cookie, or a bearer header", async () => {
    const store = credentialStore();
    store.issue("s-ada", "ada");
    store.issue("t-bob", "bob");
    const { url } = await startChannels({ auth: { authenticate: store.authenticate } });
    for (const headers of [{ Cookie: "session=s-ada" }, { Authorization: "Bearer t-bob" }]) {
      const { socket, frames } = await rawClient(url, { headers });
      socket.send(JSON.stringify({ type: "ping", nonce: "p" }));
      await vi.waitFor(() => expect(frames).toEqual([{ type: "pong", nonce: "p" }]));
    }
    expect(store.asked).toEqual(["s-ada", "t-bob"]);
  });

  it("closes 4401 for bad credentials, a first frame that is not auth, or silence; 4403 for a refused user", async () => {
    const store = credentialStore();
    store.issue("t-banned", "banned");
    const clock = createVirtualClock({ now: Date.now() });
    const { url, server } = await startChannels({
      auth: { authenticate: store.authenticate, clock },
      authTimeout: 5000,
    });
    const forged = await rawClient(url);
    forged.socket.send(authFrame("forged"));
    expect(await closeOf(forged.socket)).toEqual({ code: 4401, reason: "not authenticated" });
    const rude = await rawClient(url);
    rude.socket.send(JSON.stringify({ type: "subscribe", channel: "room" }));
    expect(await closeOf(rude.socket)).toEqual({
      code: 4401,
      reason: "the first frame must be auth",
    });
    const banned = await rawClient(url);
    banned.socket.send(authFrame("t-banned"));
    expect(await closeOf(banned.socket)).toEqual({ code: 4403, reason: "banned" });
    const bannedByHeader = await rawClient(url, { headers: { Authorization: "Bearer t-banned" } });
    expect(await closeOf(bannedByHeader.socket)).toEqual({ code: 4403, reason: "banned" });
    const silent = await rawClient(url);
    const silentClose = closeOf(silent.socket);
    clock.advance(5000);
    expect(await silentClose).toEqual({ code: 4401, reason: "no auth frame" });
    expect(server.counts.closedByPolicy).toBe(5);
  });

  it("renews credentials in band for the same user, and closes 4403 a refresh naming another", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    store.issue("t-ada-again", "ada");
    store.issue("t-bob", "bob");
    const { url, server } = await startChannels({ auth: { authenticate: store.authenticate } });
    const { socket, frames } = await rawClient(url);
    const ping = (nonce: string) => socket.send(JSON.stringify({ type: "ping", nonce }));
    socket.send(authFrame("t-ada"));
    ping("first");
    await vi.waitFor(() => expect(frames).toContainEqual({ type: "pong", nonce: "first" }));
    socket.send(authFrame("t-ada-again"));
    await vi.waitFor(() => expect(store.asked).toEqual([undefined, "t-ada", "t-ada-again"]));
    ping("renewed");
    await vi.waitFor(() => expect(frames).toContainEqual({ type: "pong", nonce: "renewed" }));
    // What this socket subscribed to was authorized for ada: bob must connect as himself.
    socket.send(authFrame("t-bob"));
    expect(await closeOf(socket)).toEqual({
      code: 4403,
      reason: "a refresh may not change the user",
    });
    expect(server.counts.closedByPolicy).toBe(1);
  });

  it("keeps no subscription the client left while authorize was deciding", async () => {
    let decide: () => void = () => {};
    const decided = new Promise<void>((resolve) => (decide = resolve));
    const { broker, url } = await startChannels({
      auth: {
        // A lookup that takes a while (a database, an ACL service).
        authorize: async (_user, _channel, action) => {
          if (action === "subscribe") await decided;
          return true;
        },
      },
    });
    const client = await rawClient(url);
    // A component that subscribes and unmounts at once.
    client.socket.send(JSON.stringify({ type: "subscribe", channel: "room" }));
    client.socket.send(JSON.stringify({ type: "unsubscribe", channel: "room" }));
    await roundTrip(client, "read");
    decide();
    await roundTrip(client, "decided");
    await broker.publish("room", "after the unsubscribe");
    await roundTrip(client, "published");
    expect(client.frames.filter((frame) => frame["channel"] === "room")).toEqual([]);
  });

  it("keeps a channel authorize refuses to that channel: the connection and the others go on", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    const { broker, url, server } = await startChannels({
      auth: {
        authenticate: store.authenticate,
        authorize: (_user, channel) => !channel.startsWith("secret"),
      },
    });
    const client = clientFor(url, { endpoint: { hello: () => authFrame("t-ada") } });
    const open: ChannelEvent[] = [];
    const secret: ChannelEvent[] = [];
    client.channels.subscribe("open", (event) => open.push(event));
    client.channels.subscribe("secret", (event) => secret.push(event));
    await vi.waitFor(() => expect(secret).toHaveLength(1));
    expect(secret[0]).toMatchObject({
      type: "error",
      channel: "secret",
      error: { code: "forbidden", frame: "subscribe" },
    });
    const publish = await client.channels.publish("secret-2", 1).catch((error: unknown) => error);
    expect(publish).toBeInstanceOf(PublishError);
    expect(publish).toMatchObject({ code: "server", cause: { code: "forbidden" } });
    await broker.publish("secret", "hidden");
    await broker.publish("open", "shown");
    await vi.waitFor(() => expect(open).toHaveLength(2));
    expect(open[1]).toEqual({ type: "message", channel: "open", id: "1", data: "shown" });
    expect(secret).toHaveLength(1);
    expect(client.connection.getSnapshot().status).toBe("open");
    expect(server.counts).toMatchObject({ accepted: 1, open: 1, closedByPolicy: 0 });
  });

  it("answers a failing hook with 1011, or an internal error for the channel, never a crash", async () => {
    const throwing = await startChannels({
      auth: {
        authenticate: async () => {
          throw new Error("database down");
        },
      },
    });
    const refused = await rawClient(throwing.url);
    expect(await closeOf(refused.socket)).toEqual({ code: 1011, reason: "authentication failed" });
    const { url } = await startChannels({
      auth: {
        authorize: (_user, channel) => {
          if (channel === "b") throw new Error("policy service down");
          return true;
        },
      },
    });
    const { socket, frames } = await rawClient(url);
    socket.send(JSON.stringify({ type: "subscribe", channel: "b" }));
    socket.send(JSON.stringify({ type: "publish", channel: "b", data: 1, ack: "1" }));
    await vi.waitFor(() => expect(frames).toHaveLength(2));
    expect(frames).toEqual([
      expect.objectContaining({
        type: "error",
        code: "internal",
        channel: "b",
        frame: "subscribe",
      }),
      expect.objectContaining({ type: "error", code: "internal", channel: "b", ack: "1" }),
    ]);
    await stillServes(url);
  });
  it("answers garbage auth frames with bad-frame errors and a throwing hook with 1011, and no one else notices", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    store.issue("t-bob", "bob");
    const { broker, url, server } = await startChannels({
      auth: {
        authenticate: (request, token) => {
          if (token === "boom") throw new Error("database down");
          return store.authenticate(request, token);
        },
      },
    });
    const bystander = clientFor(url, { endpoint: { hello: () => authFrame("t-bob") } });
    const heard: ChannelEvent[] = [];
    bystander.channels.subscribe("room", (event) => heard.push(event));
    await vi.waitFor(() => expect(heard).toHaveLength(1));

    const { socket, frames } = await rawClient(url);
    // Before any credentials: each is refused as a frame, and the socket still waits for auth.
    socket.send(JSON.stringify({ type: "auth" }));
    socket.send(JSON.stringify({ type: "auth", token: 42 }));
    socket.send("{ not json");
    await vi.waitFor(() => expect(frames).toHaveLength(3));
    expect(frames).toEqual([
      expect.objectContaining({ type: "error", code: "bad-frame", frame: "auth" }),
      expect.objectContaining({ type: "error", code: "bad-frame", frame: "auth" }),
      expect.objectContaining({ type: "error", code: "bad-frame" }),
    ]);
    socket.send(authFrame("t-ada"));
    socket.send(JSON.stringify({ type: "ping", nonce: "in" }));
    await vi.waitFor(() => expect(frames).toHaveLength(4));
    // Once in, a garbage refresh leaves the credentials it has in force.
    socket.send(JSON.stringify({ type: "auth", token: { forged: true } }));
    socket.send(JSON.stringify({ type: "ping", nonce: "still" }));
    await vi.waitFor(() => expect(frames).toHaveLength(6));
    expect(frames.slice(3)).toEqual([
      { type: "pong", nonce: "in" },
      expect.objectContaining({ type: "error", code: "bad-frame", frame: "auth" }),
      { type: "pong", nonce: "still" },
    ]);
    // A hook that throws is the server's failure: 1011, which a client retries.
    socket.send(authFrame("boom"));
    expect(await closeOf(socket)).toEqual({ code: 1011, reason: "authentication failed" });

    await broker.publish("room", "after");
    await vi.waitFor(() => expect(heard).toHaveLength(2));
    expect(heard[1]).toMatchObject({ type: "message", data: "after" });
    expect(bystander.connection.getSnapshot()).toMatchObject({ status: "open", error: null });
    expect(server.counts).toMatchObject({ accepted: 2, open: 1 });
  });
});

describe("credentials in the URL", () => {
  it("are never read: an event stream answers 400 saying so, and authenticate is not asked", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    const { url } = await startStream({ auth: { authenticate: store.authenticate } });
    const answer = await fetch(`${url}?channels=news&access_token=t-ada`);
    expect(answer.status).toBe(400);
    expect(await answer.text()).toMatch(/credentials in the URL \(`access_token`\) are never read/);
    const source = readStream(`${url}?channels=news&Token=t-ada`, "news");
    await vi.waitFor(() => expect(source.statuses).toEqual([400]));
    expect(source.source.readyState).toBe(FetchEventSource.CLOSED);
    expect(store.asked).toEqual([]);
  });

  it("are never read: a socket is closed with 4400, which the client does not retry", async () => {
    const store = credentialStore();
    store.issue("t-ada", "ada");
    const { url } = await startChannels({ auth: { authenticate: store.authenticate } });
    const client = clientFor(`${url}?token=t-ada`, {
      endpoint: { hello: () => authFrame("t-ada") },
    });
    client.channels.subscribe("room", () => {});
    await vi.waitFor(() => expect(client.connection.getSnapshot().status).toBe("failed"));
    expect(client.connection.getSnapshot().error).toMatchObject({ closeCode: 4400 });
    expect(store.asked).toEqual([]);
  });
});

describe("ServerAuth options", () => {
  it("refuses the options it replaced, and hooks that are not functions, with invalid-option", () => {
    const broker = createMemoryBroker();
    const old = { broker, allowedOrigins: "*", authenticate: () => true } as never;
    expect(() => createChannelServer(old)).toThrow(WirekitServerError);
    expect(() => createChannelServer(old)).toThrow(/`authenticate` moved into `auth/);
    const notAFunction = { authorize: "admins only" } as unknown as ServerAuth;
    expect(() => createEventStreamHandler({ broker, auth: notAFunction })).toThrow(
      expect.objectContaining({ code: "invalid-option" }),
    );
    expect(() => createEventStreamHandler({ broker, auth: { expiryNotice: 0 } })).toThrow(
      /auth\.expiryNotice/,
    );
  });
});
