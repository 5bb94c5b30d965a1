import type { Clock } from "./clock.js";
import type { ConnectionError } from "./errors.js";
import type { Frame } from "./outbox.js";
import { startTimer } from "./timers.js";

/**
 * How a transport's sessions are judged alive between messages: pinged where the transport can
 * send (a `heartbeat()`), timed for silence on an event stream (`Watchdog`). A transport brings its
 * own, so an app's bundle holds only the one it uses.
 */
export interface SessionProbe {
  /** A session opened. */
  start(): void;
  /** The session ended. */
  stop(): void;
  /** Something arrived — a message, a comment, a pong. */
  activity(): void;
  /** After a sleep, a return to the page or a network change: is the session still alive? */
  check(afterSleep: boolean): void;
}

export interface ProbeOptions {
  clock: Clock;
  /** Event streams: see `ConnectionOptions.watchdog`. */
  watchdog: number | false;
  /** Sends a frame now, where the transport can send; false when the socket cannot take it. */
  send: ((frame: Frame) => boolean) | undefined;
  /** The session is dead: drop it and go through the failure path. */
  dead: (error: ConnectionError) => void;
  /** The session is stale but nobody is to blame (a sleep): reconnect at once, no backoff. */
  stale: (error: ConnectionError) => void;
}

// How often an open session checks the wall clock for a jump (the machine slept).
export const WAKE_CHECK_INTERVAL = 10_000;
// How much longer than WAKE_CHECK_INTERVAL a check may take before it counts as a jump. Hidden
// tabs get timers throttled to once a minute (Chrome), so a hidden page needs more slack.
const WAKE_JUMP_VISIBLE = 20_000;
const WAKE_JUMP_HIDDEN = 120_000;

/**
 * Watches an open session for a machine that slept: checks the wall clock every
 * WAKE_CHECK_INTERVAL and calls `onWake` when it jumped. `isVisible`: a hidden page's timers are
 * throttled, which is no sleep. Returns the function that stops watching.
 */
export function watchForSleep(
  clock: Clock,
  isVisible: () => boolean,
  onWake: () => void,
): () => void {
  let cancel: () => void;
  let watching = true;
  const schedule = () => {
    const scheduledAt = clock.now();
    cancel = startTimer(clock, WAKE_CHECK_INTERVAL, () => {
      const slack = isVisible() ? WAKE_JUMP_VISIBLE : WAKE_JUMP_HIDDEN;
      if (clock.now() - scheduledAt > WAKE_CHECK_INTERVAL + slack) onWake();
      // Unless the check ended the session.
      if (watching) schedule();
    });
  };
  schedule();
  return () => {
    watching = false;
    cancel();
  };
}
