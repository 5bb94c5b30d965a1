import {
  type BrokerMessage,
  compareIds,
  createMemoryBroker,
  WirekitServerError,
} from "@wirekit/server";
import { describe, expect, it } from "vitest";

describe("createMemoryBroker", () => {
  it("numbers messages per channel and across the stream, and fans them out in order", async () => {
    const broker = createMemoryBroker();
    const heard: BrokerMessage[] = [];
    const stop = broker.subscribe("a", (message) => heard.push(message));
    expect(await broker.publish("a", 1)).toEqual({ id: "1", seq: 1 });
    expect(await broker.publish("b", 2)).toEqual({ id: "1", seq: 2 });
    expect(await broker.publish("a", 3)).toEqual({ id: "2", seq: 3 });
    stop();
    await broker.publish("a", 4);
    expect(heard.map((message) => [message.id, message.seq, message.data])).toEqual([
      ["1", 1, 1],
      ["2", 3, 3],
    ]);
    expect(await broker.position("a")).toBe("3");
    expect(await broker.position("nothing")).toBeUndefined();
  });

  it("replays after an id, and says when the ring no longer holds everything", async () => {
    const broker = createMemoryBroker({ historySize: 3 });
    for (let i = 1; i <= 5; i++) await broker.publish("a", i);
    // Ring holds 3, 4, 5: resuming from 2 or later is complete.
    expect(await broker.replay("a", "2")).toEqual({
      complete: true,
      messages: [3, 4, 5].map((n) => ({ channel: "a", id: String(n), seq: n, data: n })),
    });
    expect((await broker.replay("a", "4")).messages.map((m) => m.id)).toEqual(["5"]);
    expect(await broker.replay("a", "5")).toEqual({ complete: true, messages: [] });
    const gap = await broker.replay("a", "1");
    expect(gap.complete).toBe(false);
    expect(gap.messages.map((m) => m.id)).toEqual(["3", "4", "5"]);
    // Ids this broker never gave out (a restarted broker, garbage) are not trusted.
    expect((await broker.replay("a", "9")).complete).toBe(false);
    expect((await broker.replay("a", "01")).complete).toBe(false);
    expect(await broker.replay("new", "0")).toEqual({ complete: true, messages: [] });
  });

  it("replays the merged stream of several channels by seq", async () => {
    const broker = createMemoryBroker({ historySize: 2 });
    await broker.publish("a", "a1"); // seq 1
    await broker.publish("b", "b1"); // seq 2
    await broker.publish("a", "a2"); // seq 3
    await broker.publish("c", "c1"); // seq 4
    await broker.publish("b", "b2"); // seq 5
    const replay = await broker.replayStream(["a", "b"], 1);
    expect(replay.complete).toBe(true);
    expect(replay.messages.map((m) => m.data)).toEqual(["b1", "a2", "b2"]);
    await broker.publish("a", "a3"); // seq 6: evicts a1 (seq 1)
    await broker.publish("a", "a4"); // seq 7: evicts a2 (seq 3)
    expect((await broker.replayStream(["a"], 2)).complete).toBe(false);
    expect((await broker.replayStream(["a"], 3)).complete).toBe(true);
    expect((await broker.replayStream(["b"], 0)).complete).toBe(true);
    expect((await broker.replayStream(["a"], 99)).complete).toBe(false);
  });

  it("refuses a nonsensical history size with a typed error", () => {
    expect(() => createMemoryBroker({ historySize: 0 })).toThrow(WirekitServerError);
  });

  it("compares ids beyond 2^53 as decimal strings", () => {
    expect(compareIds("9007199254740993", "9007199254740992")).toBeGreaterThan(0);
    expect(compareIds("10", "9")).toBeGreaterThan(0);
    expect(compareIds("7", "7")).toBe(0);
  });
});
