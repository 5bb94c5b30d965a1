import type { Clock } from "./clock.js";

/**
 * The longest delay `setTimeout` honours. Browsers and Node store it as a signed 32-bit integer
 * and run a callback with a longer (or NaN) delay after ~1 ms: a server that asks for a month's
 * pause (`Retry-After: 2592000`, `retry: 9999999999`) would get a tight loop instead.
 */
export const MAX_TIMER_DELAY = 2 ** 31 - 1;

/** `delay` as every platform's `setTimeout` reads it the way it was meant: in [0, MAX_TIMER_DELAY]. */
export function timerDelay(delay: number): number {
  if (!(delay > 0)) return 0;
  return Math.min(delay, MAX_TIMER_DELAY);
}

/**
 * The one way core schedules: `callback` after `delay` milliseconds on `clock`, capped. Returns
 * the function that cancels it (calling it late does nothing).
 */
export function startTimer(clock: Clock, delay: number, callback: () => void): () => void {
  const handle = clock.setTimeout(callback, timerDelay(delay));
  return () => clock.clearTimeout(handle);
}

// A timer that fires this much later than asked was throttled (a background tab) or frozen (a
// sleep).
const LATE_TOLERANCE = 2000;

/**
 * Timers by name, at most one per name: setting a name again replaces its timer. The names are a
 * typed union, so a misspelt timer is a compile error rather than one that is never cleared.
 */
export class Timers<Name extends string> {
  readonly #clock: Clock;
  readonly #cancels = new Map<Name, () => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  set(name: Name, delay: number, callback: () => void): void {
    this.clear(name);
    this.#cancels.set(
      name,
      startTimer(this.#clock, delay, () => {
        this.#cancels.delete(name);
        callback();
      }),
    );
  }

  /**
   * Like `set`, for a timer that judges something (a deadline, a silence): `late` runs instead of
   * `callback` when it fired well after it was due, since a throttled or frozen timer proves
   * nothing yet.
   */
  setChecked(name: Name, delay: number, callback: () => void, late: () => void): void {
    const due = this.#clock.now() + delay;
    this.set(name, delay, () => (this.#clock.now() - due > LATE_TOLERANCE ? late() : callback()));
  }

  has(name: Name): boolean {
    return this.#cancels.has(name);
  }

  clear(...names: Name[]): void {
    for (const name of names) {
      this.#cancels.get(name)?.();
      this.#cancels.delete(name);
    }
  }

  clearAll(): void {
    this.clear(...this.#cancels.keys());
  }
}
