import { dirname, join } from "node:path";
import {
  type Broker,
  type BrokerGap,
  type BrokerMessage,
  compareIds,
  WirekitServerError,
} from "@wirekit/server";
import { createRedisBroker, type RedisBrokerOptions } from "@wirekit/server/redis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { describeBrokerContract } from "./support/brokerContract.js";
import { openLink } from "./support/redisLink.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

let prefixes = 0;
const settings = new WeakMap<Broker, RedisBrokerOptions>();

/** A broker on this file's server (or through `path`), closed when the test ends. */
function open(options: RedisBrokerOptions, errors: unknown[] = [], path = server.path) {
  const broker = createRedisBroker({
    // Reconnect attempts every 20 ms: tests wait on what happens, so this only makes them quick.
    redis: { socket: { path, tls: false, reconnectStrategy: 20 } },
    onError: (error) => errors.push(error),
    ...options,
  });
  settings.set(broker, options);
  onTestFinished(() => broker.close());
  return broker;
}

const freshPrefix = () => `test${++prefixes}:`;

describeBrokerContract("createRedisBroker", {
  // A prefix per test: the tests of this file share one server, never each other's keys.
  create: async ({ historySize }) => {
    const errors: unknown[] = [];
    onTestFinished(() => expect(errors).toEqual([]));
    return open({ prefix: freshPrefix(), historySize }, errors);
  },
  peer: async (broker) => open(settings.get(broker) ?? {}),
});

function listen(broker: Broker, channel: string) {
  const heard: BrokerMessage[] = [];
  broker.subscribe(channel, (message) => heard.push(message));
  return () => heard.map((message) => message.id);
}

/** Subscribes, and returns once the subscription is attached (the contract's replay promise). */
async function attached(broker: Broker, channel: string) {
  const ids = listen(broker, channel);
  await broker.replay(channel, await broker.position(channel));
  return ids;
}

/** Everything a subscription hears, gaps included: message ids, and `gap <position>`. */
function listenForGaps(broker: Broker, channel: string) {
  const heard: string[] = [];
  const gaps: BrokerGap[] = [];
  broker.subscribe(channel, (message) => heard.push(message.id), {
    onGap: (gap) => {
      gaps.push(gap);
      heard.push(`gap ${gap.position}`);
    },
  });
  return { heard, gaps };
}

/** The `CLIENT LIST` lines of the connections named `name` (and matching `also`). */
async function connectionsNamed(name: string, also = /./) {
  const list = String(await server.admin.sendCommand(["CLIENT", "LIST"]));
  return list.split("\n").filter((line) => line.includes(` name=${name} `) && also.test(line));
}

describe("createRedisBroker", () => {
  it("re-seeds above every id it gave out when Redis loses its data to FLUSHALL", async () => {
    const broker = open({ prefix: freshPrefix() });
    const heard = await attached(broker, "a");
    const held = [await broker.position("a")];
    for (const i of [1, 2, 3]) held.push((await broker.publish("a", i)).id);
    const heldSeq = (await broker.publish("b", "b")).seq;

    await server.admin.flushAll();
    for (const id of held) expect(await broker.replay("a", id)).toMatchObject({ complete: false });
    expect(await broker.replayStream(["a", "b"], heldSeq)).toMatchObject({ complete: false });

    const position = await broker.position("a");
    expect(compareIds(position, held.at(-1) as string)).toBeGreaterThan(0);
    expect(await broker.streamPosition()).toBeGreaterThan(heldSeq);
    expect(await broker.replay("a", position)).toEqual({ complete: true, messages: [] });
    const after = await broker.publish("a", "after");
    expect(compareIds(after.id, position)).toBeGreaterThan(0);
    expect(await broker.replay("a", position)).toMatchObject({
      complete: true,
      messages: [{ id: after.id, data: "after" }],
    });
    await vi.waitFor(() => expect(heard()).toEqual([...held.slice(1), after.id]));
  });

  it("re-seeds above every id given out when redis-server restarts without persistence", async () => {
    const prefix = freshPrefix();
    const broker = open({ prefix });
    const heard = await attached(broker, "a");
    const held: string[] = [];
    for (const i of [1, 2, 3]) held.push((await broker.publish("a", i)).id);
    const heldSeq = await broker.streamPosition();

    await server.restart();
    // A broker that never saw the old ids numbers above them too: it seeds from the clock.
    const stranger = open({ prefix });
    const first = await stranger.publish("a", "first");
    expect(compareIds(first.id, held.at(-1) as string)).toBeGreaterThan(0);
    expect(first.seq).toBeGreaterThan(heldSeq);
    // The broker that did see them waits for its connection to come back, and goes on above.
    const second = await broker.publish("a", "second");
    expect(second.id).toBe((BigInt(first.id) + 1n).toString());
    for (const id of held) expect(await broker.replay("a", id)).toMatchObject({ complete: false });
    expect(await broker.replayStream(["a"], heldSeq)).toMatchObject({ complete: false });
    await vi.waitFor(() => expect(heard()).toEqual([...held, first.id, second.id]));
  });

  it("catches a subscription up after Redis kills its connection, without loss or duplicates", async () => {
    const prefix = freshPrefix();
    const name = `killed${prefixes}`;
    const broker = open({
      prefix,
      redis: { socket: { path: server.path, tls: false, reconnectStrategy: 20 }, name },
    });
    const peer = open({ prefix });
    const heard = await attached(broker, "a");
    const published: string[] = [];
    for (const i of [1, 2, 3]) published.push((await peer.publish("a", i)).id);
    await vi.waitFor(() => expect(heard()).toEqual(published));

    // `CLIENT KILL TYPE pubsub` spares RESP3 connections, which node-redis opens: kill by id.
    const subscriberIds = async () =>
      (await connectionsNamed(name, / sub=1 /)).map((line) => line.match(/^id=(\d+)/)?.[1]);
    const [killed = ""] = await subscriberIds();
    expect(await server.admin.sendCommand(["CLIENT", "KILL", "ID", killed])).toBe(1);
    // node-redis reconnects at once: these race its return, and each must arrive exactly once.
    for (let i = 0; i < 30; i++) published.push((await peer.publish("a", i)).id);
    await vi.waitFor(() => expect(heard()).toEqual(published));
    const [revived] = await subscriberIds();
    expect(revived).not.toBe(killed);
  });

  it("reads what a cut-off subscription missed from the stream once it is back", async () => {
    const prefix = freshPrefix();
    const link = await openLink(server.path, join(dirname(server.path), "cut.sock"));
    const broker = open({ prefix }, [], link.path);
    const peer = open({ prefix });
    const heard = await attached(broker, "a");
    const published = [(await peer.publish("a", "before")).id];
    await vi.waitFor(() => expect(heard()).toEqual(published));

    // Only the pub/sub connection: the command connection stays, so only the subscriber's own
    // return can trigger the catch-up.
    link.cut("subscribers");
    // Published while the broker cannot hear: pub/sub drops these for it for good.
    for (let i = 0; i < 5; i++) published.push((await peer.publish("a", i)).id);
    link.mend();
    await vi.waitFor(() => expect(heard()).toEqual(published));
    const last = (await peer.publish("a", "after")).id;
    await vi.waitFor(() => expect(heard()).toEqual([...published, last]));
  });

  it("tells a subscription cut off for longer than the history reaches of the gap, then hears on", async () => {
    const prefix = freshPrefix();
    const link = await openLink(server.path, join(dirname(server.path), "gap.sock"));
    const broker = open({ prefix, historySize: 10 }, [], link.path);
    const peer = open({ prefix, historySize: 10 });
    const { heard, gaps } = listenForGaps(broker, "a");
    await broker.replay("a", await broker.position("a"));
    const before = (await peer.publish("a", "before")).id;
    await vi.waitFor(() => expect(heard).toEqual([before]));

    // Both connections: the broker cannot read the stream either until the link is mended.
    link.cut();
    for (let i = 0; i < 300; i++) await peer.publish("a", i);
    link.mend();
    await vi.waitFor(() => expect(gaps).toHaveLength(1));
    const [gap] = gaps as [BrokerGap];
    // What the subscription hears after the gap is exactly what the history holds after it.
    const tail = await peer.replay("a", gap.position);
    expect(tail.complete).toBe(true);
    expect(tail.messages.length).toBeGreaterThanOrEqual(10);
    expect(tail.messages.length).toBeLessThan(300);
    expect(await peer.replayStream(["a"], gap.streamPosition)).toEqual(tail);
    const after = (await peer.publish("a", "after")).id;
    await vi.waitFor(() =>
      expect(heard).toEqual([
        before,
        `gap ${gap.position}`,
        ...tail.messages.map((message) => message.id),
        after,
      ]),
    );
    expect(gaps).toHaveLength(1);
  });

  it("tells a subscription of the gap when Redis lost its data while it could not hear", async () => {
    const prefix = freshPrefix();
    const link = await openLink(server.path, join(dirname(server.path), "lost.sock"));
    const broker = open({ prefix }, [], link.path);
    const peer = open({ prefix });
    const { heard, gaps } = listenForGaps(broker, "a");
    await broker.replay("a", await broker.position("a"));
    const before = (await peer.publish("a", "before")).id;
    await vi.waitFor(() => expect(heard).toEqual([before]));

    link.cut();
    const lost = [];
    for (const i of [1, 2, 3]) lost.push((await peer.publish("a", i)).id);
    await server.admin.flushAll();
    link.mend();
    // Nothing is published after the loss: the channel standing elsewhere is what tells.
    await vi.waitFor(() => expect(gaps).toHaveLength(1));
    const [gap] = gaps as [BrokerGap];
    expect(gap.position).toBe(await peer.position("a"));
    expect(compareIds(gap.position, lost.at(-1) as string)).toBeGreaterThan(0);
    expect(gap.streamPosition).toBe(await peer.streamPosition());
    const after = (await peer.publish("a", "after")).id;
    await vi.waitFor(() => expect(heard).toEqual([before, `gap ${gap.position}`, after]));
  });

  it("tells a subscription of the gap before the first message after FLUSHALL", async () => {
    const prefix = freshPrefix();
    const broker = open({ prefix });
    const peer = open({ prefix });
    const { heard, gaps } = listenForGaps(broker, "a");
    await broker.replay("a", await broker.position("a"));
    const before = (await peer.publish("a", "before")).id;
    await vi.waitFor(() => expect(heard).toEqual([before]));

    await server.admin.flushAll();
    const after = await peer.publish("a", "after");
    await vi.waitFor(() => expect(heard).toHaveLength(3));
    expect(heard).toEqual([before, `gap ${gaps[0]?.position}`, after.id]);
    // The gap ends where numbering started over: the message heard next follows it directly.
    expect(after.id).toBe((BigInt(gaps[0]?.position ?? 0) + 1n).toString());
    expect(gaps[0]?.streamPosition).toBe(after.seq - 1);
  });

  it("sends a read again when its connection drops mid-flight, but fails a publish, which may have been stored", async () => {
    const prefix = freshPrefix();
    const link = await openLink(server.path, join(dirname(server.path), "stall.sock"));
    const broker = open({ prefix }, [], link.path);
    const start = await broker.position("a");

    let stalled = link.stall();
    const replaying = broker.replay("a", start);
    await stalled;
    link.cut();
    link.mend();
    expect(await replaying).toEqual({ complete: true, messages: [] });

    stalled = link.stall();
    const publishing = broker.publish("a", "lost in flight");
    await stalled;
    link.cut();
    link.mend();
    await expect(publishing).rejects.toMatchObject({ code: "broker-unavailable" });
    const { id } = await broker.publish("a", "sent again by the caller");
    expect(await broker.replay("a", start)).toMatchObject({ complete: true, messages: [{ id }] });
  });

  it("re-seeds when Redis goes back in time, as after restoring an older snapshot", async () => {
    const prefix = freshPrefix();
    const broker = open({ prefix });
    const keys = [`${prefix}meta`, `${prefix}channel:a`];
    await broker.publish("a", "kept");
    for (const key of keys) await server.admin.sendCommand(["COPY", key, `${key}:snapshot`]);
    const lost: string[] = [];
    for (const i of [1, 2, 3]) lost.push((await broker.publish("a", i)).id);
    const lostSeq = await broker.streamPosition();
    for (const key of keys) {
      await server.admin.sendCommand(["COPY", `${key}:snapshot`, key, "REPLACE"]);
    }

    // Redis now says the channel ends before the ids this broker handed out.
    const after = await broker.publish("a", "after");
    expect(compareIds(after.id, lost.at(-1) as string)).toBeGreaterThan(0);
    expect(after.seq).toBeGreaterThan(lostSeq);
    for (const id of lost) expect(await broker.replay("a", id)).toMatchObject({ complete: false });
    expect(await broker.replayStream(["a"], lostSeq)).toMatchObject({ complete: false });
  });

  it("holds publishes while Redis is out of reach, and fails them with a typed error after commandTimeout", async () => {
    const prefix = freshPrefix();
    const direct = open({ prefix });
    const start = await direct.position("a");
    const link = await openLink(server.path, join(dirname(server.path), "down.sock"), {
      cut: true,
    });
    const patient = open({ prefix, commandTimeout: 60_000 }, [], link.path);
    const hasty = open({ prefix, commandTimeout: 50 }, [], link.path);
    const waiting = patient.publish("a", "waited");
    await expect(hasty.publish("a", "gave up")).rejects.toSatisfy(
      (error) => error instanceof WirekitServerError && error.code === "broker-unavailable",
    );
    await expect(hasty.replay("a", start)).rejects.toThrow(WirekitServerError);

    link.mend();
    const { id } = await waiting;
    // The publish that gave up while queued was never sent.
    expect(await direct.replay("a", start)).toMatchObject({
      complete: true,
      messages: [{ id, data: "waited" }],
    });
  });

  it("uses one pub/sub connection however many channels and listeners, and close releases both", async () => {
    const name = `closing${++prefixes}`;
    const broker = createRedisBroker({
      redis: { socket: { path: server.path, tls: false }, name },
      prefix: freshPrefix(),
      onError: () => {},
    });
    onTestFinished(() => broker.close());
    for (const channel of ["a", "b", "c"]) {
      await attached(broker, channel);
      await attached(broker, channel);
    }
    expect(await connectionsNamed(name)).toHaveLength(2);
    expect(await connectionsNamed(name, / sub=3 /)).toHaveLength(1);

    await broker.close();
    await vi.waitFor(async () => expect(await connectionsNamed(name)).toEqual([]));
    await expect(broker.publish("a", 1)).rejects.toMatchObject({ code: "closed" });
    expect(() => broker.subscribe("a", () => {})).toThrow(WirekitServerError);
  });

  it("refuses nonsensical options with a typed error", () => {
    expect(() => createRedisBroker({ historySize: 0 })).toThrow(WirekitServerError);
    expect(() => createRedisBroker({ commandTimeout: -1 })).toThrow(WirekitServerError);
  });
});
