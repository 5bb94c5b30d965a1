import { createPageLifecycleControls, createVirtualClock } from "@wirekit/testing";
import { describe, expect, it } from "vitest";

describe("createVirtualClock", () => {
  it("runs timers in due order, ties in creation order, each at its own time", () => {
    const clock = createVirtualClock({ now: 1000 });
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(seen).toEqual(["a@1010"]);
    clock.advance(100);
    expect(seen).toEqual(["a@1010", "b@1020", "c@1020"]);
    expect(clock.now()).toBe(1115);
  });

  it("runs timers scheduled by timers within the same advance", () => {
    const clock = createVirtualClock({ now: 0 });
    const seen: number[] = [];
    const tick = () => {
      seen.push(clock.now());
      if (seen.length < 4) clock.setTimeout(tick, 100);
    };
    clock.setTimeout(tick, 100);
    clock.advance(1000);
    expect(seen).toEqual([100, 200, 300, 400]);
  });

  it("forgets cleared timers and counts the pending ones", () => {
    const clock = createVirtualClock();
    const handle = clock.setTimeout(() => {
      throw new Error("cleared timers never run");
    }, 10);
    clock.setTimeout(() => {}, 10);
    expect(clock.pendingTimers).toBe(2);
    clock.clearTimeout(handle);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(10);
    expect(clock.pendingTimers).toBe(0);
  });

  it("sleeps: the wall clock jumps and overdue timers fire late, all at the wake time", () => {
    const clock = createVirtualClock({ now: 0 });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 1000);
    clock.setTimeout(() => fired.push(clock.now()), 5000);
    clock.sleep(60_000);
    expect(fired).toEqual([60_000, 60_000]);
  });

  it("lets awaited work run between timers with advanceAsync", async () => {
    const clock = createVirtualClock({ now: 0 });
    const seen: string[] = [];
    clock.setTimeout(async () => {
      await Promise.resolve();
      seen.push("after await");
      clock.setTimeout(() => seen.push(`second at ${clock.now()}`), 10);
    }, 10);
    await clock.advanceAsync(50);
    expect(seen).toEqual(["after await", "second at 20"]);
  });

  it("fires a delay past 2^31 - 1 ms almost at once, as real timers do", () => {
    const clock = createVirtualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("overflow"), 2 ** 31);
    clock.setTimeout(() => fired.push("longest"), 2 ** 31 - 1);
    clock.setTimeout(() => fired.push("negative"), -5);
    clock.advance(1);
    expect(fired).toEqual(["negative", "overflow"]);
    clock.advance(2 ** 31);
    expect(fired).toEqual(["negative", "overflow", "longest"]);
  });

  it("stops a timer loop in runAll", () => {
    const clock = createVirtualClock();
    const loop = () => clock.setTimeout(loop, 1);
    loop();
    expect(() => clock.runAll(100)).toThrow(/still running after 100 timers/);
  });
});

describe("createPageLifecycleControls", () => {
  it("signals each change once and tracks its listeners", () => {
    const page = createPageLifecycleControls();
    const signals: string[] = [];
    const stop = page.subscribe((signal) => signals.push(signal));
    expect(page.listenerCount).toBe(1);
    page.hide();
    page.hide();
    page.goOffline();
    page.goOnline();
    page.restoreFromCache();
    page.show();
    expect(signals).toEqual(["hidden", "offline", "online", "visible", "resumed"]);
    expect(page.isVisible()).toBe(true);
    stop();
    expect(page.listenerCount).toBe(0);
  });
});

describe("PageLifecycleControls.sleep", () => {
  it("sleeps the clock it was given, and asks for one otherwise", () => {
    const clock = createVirtualClock({ now: 0 });
    const page = createPageLifecycleControls({ clock });
    const fired: number[] = [];
    clock.setTimeout(() => fired.push(clock.now()), 100);
    page.sleep(5000);
    expect(fired).toEqual([5000]);
    expect(() => createPageLifecycleControls().sleep(1)).toThrow(/clock/);
  });
});
