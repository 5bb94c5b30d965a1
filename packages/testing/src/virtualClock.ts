import type { Clock } from "@wirekit/core";

/** A clock whose time moves only when a test says so. */
export interface VirtualClock extends Clock {
  /**
   * Moves time forward by `milliseconds`, running every timer that falls due on the way, in
   * order, each at its own due time (timers scheduled by those timers included).
   */
  advance(milliseconds: number): void;
  /** As `advance`, letting pending promise callbacks run after each timer: for code that awaits. */
  advanceAsync(milliseconds: number): Promise<void>;
  /**
   * The machine sleeps for `milliseconds`: no timer runs meanwhile; on waking the wall clock has
   * jumped and every overdue timer fires at once, late — as after a laptop lid is closed.
   */
  sleep(milliseconds: number): void;
  /** Runs timers until none is left; throws after `limit` of them, which catches timer loops. */
  runAll(limit?: number): void;
  /** How many timers are scheduled. */
  readonly pendingTimers: number;
}

interface Timer {
  readonly id: number;
  readonly dueAt: number;
  readonly callback: () => void;
}

/**
 * A virtual clock for tests and stories: pass it wherever wirekit takes a `clock`.
 *
 * @example
 * const clock = createVirtualClock();
 * const connection = manager.connect({ url, transport: "sse" }); // manager created with { clock }
 * clock.advance(30_000); // thirty seconds of retries, instantly
 */
export function createVirtualClock(options: { now?: number } = {}): VirtualClock {
  let now = options.now ?? Date.UTC(2026, 0, 1);
  let nextId = 1;
  let timers: Timer[] = [];

  function next(until: number): Timer | undefined {
    let earliest: Timer | undefined;
    for (const timer of timers) {
      if (timer.dueAt > until) continue;
      if (earliest === undefined || timer.dueAt < earliest.dueAt) earliest = timer;
    }
    if (earliest !== undefined) timers = timers.filter((timer) => timer !== earliest);
    return earliest;
  }

  function runDue(until: number, late: boolean): Timer | undefined {
    const timer = next(until);
    if (timer === undefined) return undefined;
    if (!late) now = Math.max(now, timer.dueAt);
    timer.callback();
    return timer;
  }

  return {
    now: () => now,
    setTimeout(callback, delay) {
      const id = nextId++;
      // Timers ordered by due time, then by creation: ids only grow.
      timers.push({ id, dueAt: now + Math.max(0, Number(delay) || 0), callback });
      timers.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
      return id;
    },
    clearTimeout(handle) {
      timers = timers.filter((timer) => timer.id !== handle);
    },
    advance(milliseconds) {
      const target = now + milliseconds;
      while (runDue(target, false) !== undefined);
      now = target;
    },
    async advanceAsync(milliseconds) {
      const target = now + milliseconds;
      await flushMicrotasks();
      while (runDue(target, false) !== undefined) await flushMicrotasks();
      now = target;
      await flushMicrotasks();
    },
    sleep(milliseconds) {
      now += milliseconds;
      while (runDue(now, true) !== undefined);
    },
    runAll(limit = 10_000) {
      for (let count = 0; timers.length > 0; count++) {
        if (count >= limit)
          throw new Error(`VirtualClock.runAll: still running after ${limit} timers.`);
        runDue(Number.POSITIVE_INFINITY, false);
      }
    },
    get pendingTimers() {
      return timers.length;
    },
  };
}

/** Lets chains of promise callbacks run: enough turns for any realistic await chain. */
async function flushMicrotasks(): Promise<void> {
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
}
