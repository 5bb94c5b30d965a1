import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  type BrokerMessage,
  compareIds,
  createMemoryBroker,
  createMemoryPresence,
  WirekitServerError,
} from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";
import { describeBrokerContract } from "./support/brokerContract.js";
import { describePresenceContract } from "./support/presenceContract.js";

describeBrokerContract("createMemoryBroker", {
  create: async ({ historySize }) => createMemoryBroker({ historySize }),
  peer: async (broker) => broker,
});

describe("createMemoryBroker", () => {
  it("refuses a nonsensical history size with a typed error", () => {
    expect(() => createMemoryBroker({ historySize: 0, epoch: 0 })).toThrow(WirekitServerError);
  });

  it("compares ids beyond 2^53 as decimal strings", () => {
    expect(compareIds("9007199254740993", "9007199254740992")).toBeGreaterThan(0);
    expect(compareIds("10", "9")).toBeGreaterThan(0);
    expect(compareIds("7", "7")).toBe(0);
  });

  it("persists each message before anyone hears it, and a restored broker carries on", async () => {
    const journal: BrokerMessage[] = [];
    const order: string[] = [];
    const first = createMemoryBroker({
      epoch: 0,
      persist: (message) => {
        journal.push(message);
        order.push(`persist ${message.seq}`);
      },
    });
    first.subscribe("a", (message) => order.push(`hear ${message.seq}`));
    await first.publish("a", "one");
    await first.publish("b", "two");
    await first.publish("a", "three");
    expect(order).toEqual(["persist 1", "hear 1", "persist 2", "persist 3", "hear 3"]);

    // A restart: the journal comes back, and ids and seqs continue after it.
    const second = createMemoryBroker({ restore: journal });
    expect(await second.publish("a", "four")).toEqual({ id: "3", seq: 4 });
    const replay = await second.replayStream(["a", "b"], 1);
    expect(replay).toMatchObject({ complete: true });
    expect(replay.messages.map((message) => message.data)).toEqual(["two", "three", "four"]);
    expect(await second.replay("a", "1")).toMatchObject({ complete: true });
  });

  it("treats what was never restored as a gap", async () => {
    const broker = createMemoryBroker({
      restore: [{ channel: "a", id: "5", seq: 9, data: "kept" }],
    });
    expect(await broker.replay("a", "5")).toEqual({ messages: [], complete: true });
    expect((await broker.replay("a", "3")).complete).toBe(false);
    expect((await broker.replayStream(["a"], 7)).complete).toBe(false);
    expect(await broker.replayStream(["a"], 8)).toMatchObject({ complete: true });
  });

  it("rejects a publish whose persist throws, and nobody hears it or loses an id", async () => {
    let failing = true;
    const broker = createMemoryBroker({
      epoch: 0,
      persist: () => {
        if (failing) throw new Error("disk full");
      },
    });
    const heard: unknown[] = [];
    broker.subscribe("a", (message) => heard.push(message.data));
    await expect(broker.publish("a", "lost")).rejects.toThrow("disk full");
    failing = false;
    expect(await broker.publish("a", "kept")).toEqual({ id: "1", seq: 1 });
    expect(heard).toEqual(["kept"]);
  });

  it("never gives out an id twice, not even after a restart that lost everything", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.UTC(2026, 10, 30));
      const before = createMemoryBroker();
      const quiet = await before.position("a");
      expect(quiet).toBe(String(Date.UTC(2026, 10, 30) * 1000));
      const held = [quiet];
      for (let i = 0; i < 3; i++) held.push((await before.publish("a", i)).id);
      expect((await before.replay("a", quiet)).messages).toHaveLength(3);
      const heldSeq = await before.streamPosition();

      // Restarted a second later with nothing persisted: a new epoch.
      vi.setSystemTime(Date.UTC(2026, 10, 30) + 1000);
      const after = createMemoryBroker();
      for (let i = 0; i < 5; i++) await after.publish("a", i);
      for (const id of held) {
        expect(compareIds(await after.position("a"), id)).toBeGreaterThan(0);
        expect(await after.replay("a", id)).toMatchObject({ complete: false });
      }
      expect((await after.replayStream(["a"], heldSeq)).complete).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it("starts a quiet channel's position where its first message will follow", async () => {
    const broker = createMemoryBroker({ epoch: 41 });
    const position = await broker.position("quiet");
    expect(position).toBe("41");
    await broker.publish("quiet", "first");
    expect(await broker.replay("quiet", position)).toMatchObject({
      complete: true,
      messages: [{ id: "42", seq: 42, data: "first" }],
    });
    expect(() => createMemoryBroker({ epoch: -1 })).toThrow(WirekitServerError);
  });

  it("lets go of a channel nobody published on once its last subscriber left", () => {
    // What any client can make a server do: subscribe to channels of its choosing and leave
    // them (a WebSocket subscribe frame, or an event stream's `?channels=`). Measured in a
    // process of its own, after a full collection: 4,000 names of 10 kB are 40 MB if kept.
    const script = `
      import { randomBytes } from "node:crypto";
      import { createMemoryBroker } from "@wirekit/server";
      // Reachable throughout, as a server's broker is.
      const broker = (globalThis.broker = createMemoryBroker());
      globalThis.gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 4000; i++) broker.subscribe(randomBytes(5000).toString("hex"), () => {})();
      globalThis.gc();
      process.stdout.write(String(process.memoryUsage().heapUsed - before));
    `;
    const retained = execFileSync(
      process.execPath,
      ["--expose-gc", "--input-type=module", "--eval", script],
      { cwd: fileURLToPath(new URL(".", import.meta.url)), encoding: "utf8" },
    );
    expect(Number(retained)).toBeLessThan(10_000_000);
  });

  it("refuses a restore that is not in publish order", () => {
    const out = [
      { channel: "a", id: "2", seq: 2, data: null },
      { channel: "a", id: "1", seq: 3, data: null },
    ];
    expect(() => createMemoryBroker({ restore: out })).toThrow(WirekitServerError);
    expect(() =>
      createMemoryBroker({ restore: [{ channel: "a", id: "01", seq: 1, data: null }] }),
    ).toThrow(/publish order/);
  });
});

describePresenceContract("createMemoryPresence", {
  create: async () => createMemoryPresence(),
  // One process: an instance's peer is the same store.
  peer: async (store) => store,
});
