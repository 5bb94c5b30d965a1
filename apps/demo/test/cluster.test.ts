import { createMemoryBroker } from "@wirekit/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { joinCluster } from "../server/cluster.js";

describe("the demo's instances on one broker", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("let exactly one tick the metrics, the oldest, and the next take over when it is gone", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const rates: number[] = [];
    const first = joinCluster(broker, { onRate: (rate) => rates.push(rate) });
    await vi.advanceTimersByTimeAsync(1000);
    const second = joinCluster(broker, { onRate: () => {} });
    // A newcomer listens for a lease before it may lead, so two never tick at once.
    expect([first.leading, second.leading]).toEqual([false, false]);
    await vi.advanceTimersByTimeAsync(2500);
    expect([first.leading, second.leading]).toEqual([true, false]);
    await vi.advanceTimersByTimeAsync(5000);
    expect([first.leading, second.leading]).toEqual([true, false]);

    first.leave();
    await vi.advanceTimersByTimeAsync(2000);
    expect(second.leading).toBe(false);
    await vi.advanceTimersByTimeAsync(2000);
    expect(second.leading).toBe(true);

    // The one that left hears nothing more.
    await second.shareRate(10);
    expect(rates).toEqual([]);
    second.leave();
  });

  it("share the rate a visitor picked on any of them", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const heard: string[] = [];
    const a = joinCluster(broker, { onRate: (rate) => heard.push(`a ${rate}`) });
    const b = joinCluster(broker, { onRate: (rate) => heard.push(`b ${rate}`) });
    await b.shareRate(5);
    expect(heard).toEqual(["a 5", "b 5"]);
    a.leave();
    b.leave();
  });
});
