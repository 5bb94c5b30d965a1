// Several @wirekit/server processes on one real redis-server, behind a round-robin proxy, with
// wirekit's own clients (ChannelClient over `ws`, EventStreamChannels over fetch) on the other
// side: instances die with SIGKILL, clients go away, Redis forgets, and every client still gets
// every message once, in order, or is told plainly that there is a gap.
import { dirname, join } from "node:path";
import {
  type ChannelEvent,
  EventStreamChannels,
  exponentialBackoff,
  type PageLifecycle,
} from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { createPageLifecycleControls } from "@wirekit/testing";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { clientFor } from "./support/channels.js";
import { openLink } from "./support/redisLink.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";
import { startProxy } from "./support/roundRobinProxy.js";
import { type ServerProcess, startServerProcess } from "./support/serverProcess.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

// Polled often, so a wait ends soon after what it waits for; its ceiling is test/patience.ts's.
const UNTIL = { interval: 20 };
const range = (count: number) => Array.from({ length: count }, (_, i) => i);
let clusters = 0;

/**
 * One server process per Redis socket in `paths` (this file's Redis, or a link in front of it),
 * all under a prefix no other test uses.
 */
async function startInstances(paths: readonly string[], config: { historySize?: number } = {}) {
  const prefix = `cluster${++clusters}:`;
  return Promise.all(paths.map((path) => startServerProcess({ redis: path, prefix, ...config })));
}

/** Publishes each value in turn, spread over the instances still running. */
async function publishAll(instances: readonly ServerProcess[], channel: string, values: number[]) {
  const published = [];
  for (const [i, value] of values.entries()) {
    const running = instances.filter((instance) => instance.running);
    published.push(await (running[i % running.length] as ServerProcess).publish(channel, value));
  }
  return published;
}

/** The instance holding a client's WebSocket (`open`) or event stream (`streams`). */
async function instanceServing(instances: readonly ServerProcess[], what: "open" | "streams") {
  let found: ServerProcess | undefined;
  await vi.waitFor(async () => {
    const running = instances.filter((instance) => instance.running);
    const counts = await Promise.all(running.map((instance) => instance.counts()));
    found = running[counts.findIndex((count) => count[what] > 0)];
    expect(found).toBeDefined();
  }, UNTIL);
  return found as ServerProcess;
}

/** What a client heard on one channel: its events, and the messages' data as numbers. */
function record(
  channels: { subscribe(channel: string, listener: (event: ChannelEvent) => void): unknown },
  channel: string,
) {
  const events: ChannelEvent[] = [];
  channels.subscribe(channel, (event) => events.push(event));
  return {
    events,
    // Server-Sent Events carry JSON text; WebSocket messages carry the value itself.
    data: () =>
      events.flatMap((event) =>
        event.type === "message"
          ? [Number(typeof event.data === "string" ? JSON.parse(event.data) : event.data)]
          : [],
      ),
    gaps: () => events.filter((event) => event.type === "subscribed" && !event.recovered),
    /** Messages and gaps, without the confirmations a WebSocket gets on every (re)subscribe. */
    story: () =>
      events.flatMap((event) =>
        event.type === "message"
          ? ["message"]
          : event.type === "subscribed" && !event.recovered
            ? ["gap"]
            : [],
      ),
    errors: () => events.filter((event) => event.type === "error"),
  };
}

function webSocketClient(url: string, lifecycle: PageLifecycle = createPageLifecycleControls()) {
  const client = clientFor(url, { lifecycle });
  const heard = record(client.channels, "feed");
  return { ...heard, connection: client.connection, channels: client.channels };
}

function eventStreamClient(url: string, lifecycle: PageLifecycle = createPageLifecycleControls()) {
  const channels = new EventStreamChannels({
    url,
    FetchEventSource,
    debounce: 10,
    lifecycle,
    retryDelay: exponentialBackoff({ initialDelay: 20, maxDelay: 60 }),
  });
  onTestFinished(() => channels.dispose());
  const heard = record(channels, "feed");
  return { ...heard, connection: channels.connection, lastId: () => channels.lastId() };
}

/** Until both clients are subscribed and live: after this, nothing published is theirs to miss. */
async function bothLive(
  ws: ReturnType<typeof webSocketClient>,
  sse: ReturnType<typeof eventStreamClient>,
) {
  await vi.waitFor(() => {
    expect(ws.events.some((event) => event.type === "subscribed")).toBe(true);
    // A fresh stream's first event says where it stands (PROTOCOL.md section 9).
    expect(sse.lastId()).toBeDefined();
  }, UNTIL);
}

describe("many instances on one Redis", () => {
  it("delivers 1,000 messages published on any instance to clients whose instances are killed mid-way: each once, in order", async () => {
    const instances = await startInstances([redis.path, redis.path, redis.path]);
    const proxy = await startProxy(instances.map((instance) => instance.port));
    const ws = webSocketClient(`ws://127.0.0.1:${proxy.port}/channels`);
    const sse = eventStreamClient(`http://127.0.0.1:${proxy.port}/stream`);
    await bothLive(ws, sse);

    const values = range(1000);
    await publishAll(instances, "feed", values.slice(0, 300));
    await (await instanceServing(instances, "open")).kill();
    await publishAll(instances, "feed", values.slice(300, 600));
    // The stream's instance now, which may have been the socket's too and been replaced.
    await (await instanceServing(instances, "streams")).kill();
    expect(instances.filter((instance) => instance.running)).toHaveLength(1);
    await publishAll(instances, "feed", values.slice(600));

    await vi.waitFor(() => {
      expect(ws.data()).toHaveLength(1000);
      expect(sse.data()).toHaveLength(1000);
    }, UNTIL);
    expect(ws.data()).toEqual(values);
    expect(sse.data()).toEqual(values);
    // Duplicates would show up as errors; a gap as recovered: false.
    expect([...ws.errors(), ...ws.gaps(), ...sse.errors(), ...sse.gaps()]).toEqual([]);
  });

  it("tells a client away for longer than the history of the gap, never resuming wrongly", async () => {
    const instances = await startInstances([redis.path, redis.path, redis.path], {
      historySize: 100,
    });
    const proxy = await startProxy(instances.map((instance) => instance.port));
    const page = createPageLifecycleControls();
    const ws = webSocketClient(`ws://127.0.0.1:${proxy.port}/channels`, page);
    const sse = eventStreamClient(`http://127.0.0.1:${proxy.port}/stream`, page);
    await bothLive(ws, sse);
    await publishAll(instances, "feed", [-1]);
    await vi.waitFor(() => expect([ws.data(), sse.data()]).toEqual([[-1], [-1]]), UNTIL);

    page.goOffline();
    expect([ws.connection, sse.connection].map((c) => c.getSnapshot().status)).toEqual([
      "paused",
      "paused",
    ]);
    const away = await publishAll(instances, "feed", range(500));
    page.goOnline();
    await vi.waitFor(
      () => expect([ws.gaps(), sse.gaps()].map((gaps) => gaps.length)).toEqual([1, 1]),
      UNTIL,
    );
    await publishAll(instances, "feed", [1000]);
    await vi.waitFor(
      () => expect([ws.data().at(-1), sse.data().at(-1)]).toEqual([1000, 1000]),
      UNTIL,
    );

    // WebSocket: a gap at the newest message, and nothing of what was missed.
    expect(ws.gaps()).toEqual([
      { type: "subscribed", channel: "feed", recovered: false, position: away.at(-1)?.id },
    ]);
    expect(ws.data()).toEqual([-1, 1000]);
    // SSE: the gap first, then what the history still holds, which ends where the client is.
    const sseData = sse.data();
    const tail = sseData.slice(1, -1);
    expect(sse.story().indexOf("gap")).toBe(1);
    expect(tail.length).toBeLessThan(500);
    expect(tail).toEqual(range(500).slice(500 - tail.length));
    expect([...ws.errors(), ...sse.errors()]).toEqual([]);
  });

  it("tells live and returning clients of a gap after FLUSHALL, never resuming wrongly", async () => {
    const instances = await startInstances([redis.path, redis.path]);
    const proxy = await startProxy(instances.map((instance) => instance.port));
    const ws = webSocketClient(`ws://127.0.0.1:${proxy.port}/channels`);
    const sse = eventStreamClient(`http://127.0.0.1:${proxy.port}/stream`);
    const page = createPageLifecycleControls();
    const wsAway = webSocketClient(`ws://127.0.0.1:${proxy.port}/channels`, page);
    const sseAway = eventStreamClient(`http://127.0.0.1:${proxy.port}/stream`, page);
    await bothLive(ws, sse);
    await bothLive(wsAway, sseAway);
    await publishAll(instances, "feed", [1]);
    const all = [ws, sse, wsAway, sseAway];
    await vi.waitFor(
      () => expect(all.map((client) => client.data())).toEqual(all.map(() => [1])),
      UNTIL,
    );

    page.goOffline();
    await redis.admin.flushAll();
    const [after] = await publishAll(instances, "feed", [2]);
    // Live clients: told mid-subscription, then the message.
    await vi.waitFor(
      () =>
        expect([ws.data(), sse.data()]).toEqual([
          [1, 2],
          [1, 2],
        ]),
      UNTIL,
    );
    expect(ws.gaps()).toEqual([
      {
        type: "subscribed",
        channel: "feed",
        recovered: false,
        position: (BigInt(after?.id ?? 0) - 1n).toString(),
      },
    ]);
    expect(sse.story()).toEqual(["message", "gap", "message"]);

    // Returning clients: a gap instead of a replay from an id of Redis's former life.
    page.goOnline();
    await vi.waitFor(
      () => expect([wsAway.gaps().length, sseAway.gaps().length]).toEqual([1, 1]),
      UNTIL,
    );
    await publishAll(instances, "feed", [3]);
    await vi.waitFor(
      () =>
        expect([wsAway.data(), sseAway.data()]).toEqual([
          [1, 3],
          [1, 3],
        ]),
      UNTIL,
    );
    expect(ws.data()).toEqual([1, 2, 3]);
    expect(all.flatMap((client) => client.errors())).toEqual([]);
  });

  it("tells the clients of an instance cut off from Redis for longer than the history of the gap", async () => {
    const link = await openLink(redis.path, join(dirname(redis.path), "instance.sock"));
    const instances = await startInstances([link.path, redis.path], { historySize: 100 });
    const [cutOff, other] = instances as [ServerProcess, ServerProcess];
    // Straight to the instance whose Redis connections will be cut, which stays up throughout.
    const ws = webSocketClient(cutOff.channelsUrl);
    const sse = eventStreamClient(cutOff.streamUrl);
    await bothLive(ws, sse);
    const statuses = new Set<string>();
    for (const { connection } of [ws, sse]) {
      connection.subscribe(() => statuses.add(connection.getSnapshot().status));
    }
    await other.publish("feed", -1);
    await vi.waitFor(() => expect([ws.data(), sse.data()]).toEqual([[-1], [-1]]), UNTIL);

    link.cut();
    for (const value of range(300)) await other.publish("feed", value);
    link.mend();
    await publishAll(instances, "feed", [1000]);
    await vi.waitFor(
      () => expect([ws.data().at(-1), sse.data().at(-1)]).toEqual([1000, 1000]),
      UNTIL,
    );

    for (const client of [ws, sse]) {
      // The gap mid-subscription, then what the history holds after it, in order, then live.
      expect(client.story().slice(0, 3)).toEqual(["message", "gap", "message"]);
      expect(client.gaps()).toHaveLength(1);
      const tail = client.data().slice(1, -1);
      expect(tail.length).toBeGreaterThanOrEqual(100);
      expect(tail.length).toBeLessThan(300);
      expect(tail).toEqual(range(300).slice(300 - tail.length));
      expect(client.errors()).toEqual([]);
    }
    // Both stayed connected: the gap came mid-subscription, not from a resume.
    expect([...statuses]).toEqual([]);
  });
});
