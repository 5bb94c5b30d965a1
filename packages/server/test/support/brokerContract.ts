// The Broker contract (packages/server/src/broker.ts), run unchanged against every broker.
import {
  type Broker,
  type BrokerGap,
  type BrokerMessage,
  compareIds,
  isMessageId,
} from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";

export interface BrokerHarness {
  /** A broker over storage that no other test sees; closed when the test ends. */
  create(options: { historySize: number }): Promise<Broker>;
  /**
   * A second broker over the same storage as `broker`, as another server process would have. A
   * broker that lives in one process is its own peer.
   */
  peer(broker: Broker): Promise<Broker>;
}

const next = (id: string) => (BigInt(id) + 1n).toString();
const range = (count: number) => Array.from({ length: count }, (_, i) => i);

function listen(broker: Broker, channel: string) {
  const heard: BrokerMessage[] = [];
  const stop = broker.subscribe(channel, (message) => heard.push(message));
  return { heard, stop, ids: () => heard.map((message) => message.id) };
}

export function describeBrokerContract(name: string, harness: BrokerHarness): void {
  describe(`${name}: the Broker contract`, () => {
    it("numbers a channel's messages consecutively, and the whole stream by seq", async () => {
      const broker = await harness.create({ historySize: 100 });
      const a1 = await broker.publish("a", "a1");
      const b1 = await broker.publish("b", "b1");
      const a2 = await broker.publish("a", "a2");
      for (const { id, seq } of [a1, b1, a2]) {
        expect(isMessageId(id)).toBe(true);
        expect(Number.isSafeInteger(seq)).toBe(true);
      }
      expect(a2.id).toBe(next(a1.id));
      expect([b1.seq, a2.seq]).toEqual([a1.seq + 1, a1.seq + 2]);
      expect(await broker.position("a")).toBe(a2.id);
      expect(await broker.position("b")).toBe(b1.id);
      expect(await broker.streamPosition()).toBe(a2.seq);
    });

    it("fans a channel out in publish order, to each subscription until it stops", async () => {
      const broker = await harness.create({ historySize: 100 });
      const first = listen(broker, "a");
      const second = listen(broker, "a");
      await broker.publish("b", "elsewhere");
      for (const i of range(20)) await broker.publish("a", i);
      await vi.waitFor(() => expect(first.heard).toHaveLength(20));
      first.stop();
      const last = await broker.publish("a", "after");
      await vi.waitFor(() => expect(second.ids()).toContain(last.id));
      expect(first.heard.map((message) => message.data)).toEqual(range(20));
      expect(second.heard.map((message) => message.data)).toEqual([...range(20), "after"]);
      expect(second.heard.every((message) => message.channel === "a")).toBe(true);
      expect(second.ids().slice(1)).toEqual(second.ids().slice(0, -1).map(next));
    });

    it("lets a subscription made before a replay hear every message the replay does not return", async () => {
      const broker = await harness.create({ historySize: 1000 });
      const peer = await harness.peer(broker);
      // Already serving another channel: a new subscription joins a live connection.
      listen(broker, "lobby");
      await broker.replay("lobby", await broker.position("lobby"));
      const start = await broker.position("room");
      const before = range(20).map((i) => peer.publish("room", i));
      const room = listen(broker, "room");
      const replaying = broker.replay("room", start);
      const after = range(20).map((i) => peer.publish("room", 20 + i));
      const published = await Promise.all([...before, ...after]);
      const replay = await replaying;
      expect(replay.complete).toBe(true);
      const replayed = replay.messages.map((message) => message.id);
      const missing = () =>
        published.filter(({ id }) => !replayed.includes(id)).map(({ id }) => id);
      await vi.waitFor(() => expect(room.ids()).toEqual(expect.arrayContaining(missing())));
      expect(room.ids()).toEqual([...room.ids()].sort(compareIds));
    });

    it("gives a quiet channel a position that its first message follows", async () => {
      const broker = await harness.create({ historySize: 100 });
      const peer = await harness.peer(broker);
      const position = await broker.position("quiet");
      const streamPosition = await broker.streamPosition();
      expect(isMessageId(position)).toBe(true);
      expect(await broker.replay("quiet", position)).toEqual({ complete: true, messages: [] });
      expect(await broker.replayStream(["quiet"], streamPosition)).toEqual({
        complete: true,
        messages: [],
      });

      const { id, seq } = await peer.publish("quiet", "first");
      expect(compareIds(id, position)).toBeGreaterThan(0);
      expect(seq).toBeGreaterThan(streamPosition);
      const first = { channel: "quiet", id, seq, data: "first" };
      expect(await broker.replay("quiet", position)).toEqual({ complete: true, messages: [first] });
      expect(await broker.replayStream(["quiet"], streamPosition)).toEqual({
        complete: true,
        messages: [first],
      });
    });

    it("replays after an id, and reports a gap once the history no longer reaches back", async () => {
      const broker = await harness.create({ historySize: 10 });
      const ids: string[] = [];
      for (const i of range(300)) ids.push((await broker.publish("a", i)).id);

      const tail = await broker.replay("a", ids[0] as string);
      expect(tail.complete).toBe(false);
      const kept = tail.messages.map((message) => message.id);
      // At least the history size is kept, and far from everything.
      expect(kept.length).toBeGreaterThanOrEqual(10);
      expect(kept.length).toBeLessThan(200);
      expect(kept).toEqual(ids.slice(-kept.length));

      const oldest = ids.length - kept.length;
      expect(await broker.replay("a", ids[oldest - 1] as string)).toEqual({
        complete: true,
        messages: tail.messages,
      });
      expect((await broker.replay("a", ids[oldest - 2] as string)).complete).toBe(false);
      const newest = ids.at(-1) as string;
      expect(await broker.replay("a", newest)).toEqual({ complete: true, messages: [] });
      expect(await broker.position("a")).toBe(newest);
    });

    it("never trusts a resume point it did not give out", async () => {
      const broker = await harness.create({ historySize: 100 });
      const { id, seq } = await broker.publish("a", 1);
      for (const forged of [next(id), next(next(id)), "01", "", "-1", "1.5", "x", "9".repeat(30)]) {
        expect(await broker.replay("a", forged)).toEqual({ complete: false, messages: [] });
      }
      const quiet = await broker.position("never-used");
      expect((await broker.replay("never-used", next(quiet))).complete).toBe(false);
      for (const forged of [seq + 1, seq + 1000, -1, 1.5, Number.NaN]) {
        expect(await broker.replayStream(["a"], forged)).toEqual({ complete: false, messages: [] });
      }
    });

    it("replays the merged stream by seq, and says when a channel's history falls short", async () => {
      const broker = await harness.create({ historySize: 10 });
      const start = await broker.streamPosition();
      const a1 = await broker.publish("a", "a1");
      await broker.publish("b", "b1");
      await broker.publish("a", "a2");
      await broker.publish("c", "c1");
      await broker.publish("b", "b2");
      const data = (messages: readonly BrokerMessage[]) => messages.map((message) => message.data);

      const merged = await broker.replayStream(["a", "b", "a"], a1.seq);
      expect(merged.complete).toBe(true);
      expect(data(merged.messages)).toEqual(["b1", "a2", "b2"]);
      expect(data((await broker.replayStream(["c", "a"], start)).messages)).toEqual([
        "a1",
        "a2",
        "c1",
      ]);

      // Channel a outgrows its history; b keeps all of its own.
      for (const i of range(300)) await broker.publish("a", i);
      const trimmed = await broker.replayStream(["a", "b"], a1.seq);
      expect(trimmed.complete).toBe(false);
      expect(data(trimmed.messages).slice(0, 2)).toEqual(["b1", "b2"]);
      expect(data(trimmed.messages).at(-1)).toBe(299);
      expect(await broker.replayStream(["b"], start)).toMatchObject({ complete: true });
      const now = await broker.streamPosition();
      expect(await broker.replayStream(["a", "b"], now)).toEqual({ complete: true, messages: [] });
    });

    it("gives out consecutive ids and seqs to concurrent publishes from two brokers", async () => {
      const broker = await harness.create({ historySize: 1000 });
      const peer = await harness.peer(broker);
      const start = await broker.position("hot");
      const streamStart = await broker.streamPosition();
      const here = listen(broker, "hot");
      const there = listen(peer, "hot");
      // A replay after subscribing is the contract's way of knowing a subscription is attached.
      await Promise.all([broker.replay("hot", start), peer.replay("hot", start)]);

      const published = await Promise.all(
        range(200).map((i) => (i % 2 === 0 ? broker : peer).publish("hot", i)),
      );
      const byId = [...published].sort((a, b) => compareIds(a.id, b.id));
      let expected = start;
      for (const { id } of byId) {
        expected = next(expected);
        expect(id).toBe(expected);
      }
      expect(byId.map(({ seq }) => seq)).toEqual(range(200).map((i) => streamStart + i + 1));

      const ids = byId.map(({ id }) => id);
      await vi.waitFor(() => expect(here.heard).toHaveLength(200));
      await vi.waitFor(() => expect(there.heard).toHaveLength(200));
      expect(here.ids()).toEqual(ids);
      expect(there.ids()).toEqual(ids);
    });

    it("tells a subscription of no gap while it missed nothing, however short the history", async () => {
      const broker = await harness.create({ historySize: 10 });
      const peer = await harness.peer(broker);
      const gaps: BrokerGap[] = [];
      const heard: unknown[] = [];
      broker.subscribe("a", (message) => heard.push(message.data), {
        onGap: (gap) => gaps.push(gap),
      });
      await broker.replay("a", await broker.position("a"));
      // Far more than the history holds, from both sides, faster than a listener could ask back.
      await Promise.all(range(300).map((i) => (i % 2 === 0 ? broker : peer).publish("a", i)));
      await vi.waitFor(() => expect(heard).toHaveLength(300));
      expect(gaps).toEqual([]);
    });

    it("gives back JSON values and bytes as they were published", async () => {
      const broker = await harness.create({ historySize: 100 });
      const values = [
        { nested: [1, "two", null], 'quote"d': "é ☃" },
        "text\nover\r\nlines",
        42.5,
        null,
        true,
        new Uint8Array([0, 1, 10, 254, 255]),
      ];
      const start = await broker.position("mixed");
      const mixed = listen(broker, "mixed");
      for (const value of values) await broker.publish("mixed", value);
      const replay = await broker.replay("mixed", start);
      expect(replay.messages.map((message) => message.data)).toEqual(values);
      await vi.waitFor(() => expect(mixed.heard).toHaveLength(values.length));
      expect(mixed.heard.map((message) => message.data)).toEqual(values);
    });
  });
}
