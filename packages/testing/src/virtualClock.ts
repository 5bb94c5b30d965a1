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
 * const manager = new ConnectionManager({ clock });
 * manager.acquire(eventStreamEndpoint({ url }));
 * clock.advance(30_000); // thirty seconds of retries, instantly
 */
export function createVirtualClock(options: { now?: number } = {}): VirtualClock {
  let now = options.now ?? Date.UTC(2026, 0, 1);
  let nextId = 1;
  // A binary min-heap by (dueAt, id): thousands of connections' timers stay cheap to schedule.
  const heap: Timer[] = [];
  const live = new Set<number>();

  const before = (a: Timer, b: Timer) => a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);

  function push(timer: Timer): void {
    heap.push(timer);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index] as Timer, heap[parent] as Timer)) break;
      [heap[index], heap[parent]] = [heap[parent] as Timer, heap[index] as Timer];
      index = parent;
    }
  }

  function pop(): Timer | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    heap[0] = last;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      const right = left + 1;
      let smallest = index;
      if (left < heap.length && before(heap[left] as Timer, heap[smallest] as Timer))
        smallest = left;
      if (right < heap.length && before(heap[right] as Timer, heap[smallest] as Timer))
        smallest = right;
      if (smallest === index) return top;
      [heap[index], heap[smallest]] = [heap[smallest] as Timer, heap[index] as Timer];
      index = smallest;
    }
  }

  /** Runs the earliest live timer due by `until`; false when there is none. */
  function runNext(until: number, late: boolean): boolean {
    for (;;) {
      const top = heap[0];
      if (top === undefined || top.dueAt > until) return false;
      pop();
      if (!live.delete(top.id)) continue; // cleared
      if (!late) now = Math.max(now, top.dueAt);
      top.callback();
      return true;
    }
  }

  return {
    now: () => now,
    setTimeout(callback, delay) {
      const id = nextId++;
      live.add(id);
      push({ id, dueAt: now + platformDelay(delay), callback });
      return id;
    },
    clearTimeout(handle) {
      live.delete(handle as number);
    },
    advance(milliseconds) {
      const target = now + milliseconds;
      while (runNext(target, false));
      now = target;
    },
    async advanceAsync(milliseconds) {
      const target = now + milliseconds;
      await flushMicrotasks();
      while (runNext(target, false)) await flushMicrotasks();
      now = target;
      await flushMicrotasks();
    },
    sleep(milliseconds) {
      now += milliseconds;
      while (runNext(now, true));
    },
    runAll(limit = 10_000) {
      for (let count = 0; live.size > 0; count++) {
        if (count >= limit) {
          throw new Error(`VirtualClock.runAll: still running after ${limit} timers.`);
        }
        runNext(Number.POSITIVE_INFINITY, false);
      }
    },
    get pendingTimers() {
      return live.size;
    },
  };
}

/**
 * The delay a real `setTimeout` waits. Past 2^31 − 1 ms, browsers and Node run the callback almost
 * at once (Node after 1 ms, with a TimeoutOverflowWarning); the virtual clock does the same, so
 * code that forgets to cap a server's "come back in a month" loops in its tests as it would in
 * production. A negative or NaN delay is 0.
 */
function platformDelay(delay: number): number {
  const milliseconds = Number(delay);
  if (!(milliseconds > 0)) return 0;
  return milliseconds > 2 ** 31 - 1 ? 1 : milliseconds;
}

/** Lets chains of promise callbacks run: enough turns for any realistic await chain. */
async function flushMicrotasks(): Promise<void> {
  for (let turn = 0; turn < 50; turn++) await Promise.resolve();
}
