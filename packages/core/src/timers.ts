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
 * `startTimer` for a timer that judges something (a deadline, a silence): `late` runs instead of
 * `callback` when it fired well after it was due, since a throttled or frozen timer proves
 * nothing yet.
 */
export function startJudgingTimer(
  clock: Clock,
  delay: number,
  callback: () => void,
  late: () => void,
): () => void {
  const due = clock.now() + delay;
  return startTimer(clock, delay, () => (clock.now() - due > LATE_TOLERANCE ? late() : callback()));
}
