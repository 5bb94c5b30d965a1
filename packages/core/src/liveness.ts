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
 * Whether one open session is alive: the transport's probe, and a wall-clock check that notices
 * a machine that slept and asks the probe then. Started when a session opens, stopped when it
 * ends; it only judges, the connection acts.
 */
export class Liveness {
  readonly #clock: Clock;
  readonly #isVisible: () => boolean;
  readonly #probe: SessionProbe | undefined;
  // Set while a session is watched.
  #cancelWakeCheck: (() => void) | undefined;

  /** `isVisible`: a hidden page's timers are throttled, which is no sleep. */
  constructor(clock: Clock, isVisible: () => boolean, probe: SessionProbe | undefined) {
    this.#clock = clock;
    this.#isVisible = isVisible;
    this.#probe = probe;
  }

  /** A session opened: start watching it. */
  start(): void {
    this.#probe?.start();
    this.#scheduleWakeCheck();
  }

  /** The session ended: stop every timer. */
  stop(): void {
    this.#cancelWakeCheck?.();
    this.#cancelWakeCheck = undefined;
    this.#probe?.stop();
  }

  /** Something arrived — a message, a comment, a pong: the session is alive. */
  activity(): void {
    this.#probe?.activity();
  }

  /** After a sleep, a return to the page or a network change: is the session still alive? */
  check(afterSleep: boolean): void {
    if (this.#cancelWakeCheck !== undefined) this.#probe?.check(afterSleep);
  }

  #scheduleWakeCheck(): void {
    const scheduledAt = this.#clock.now();
    const cancel = startTimer(this.#clock, WAKE_CHECK_INTERVAL, () => {
      const slack = this.#isVisible() ? WAKE_JUMP_VISIBLE : WAKE_JUMP_HIDDEN;
      if (this.#clock.now() - scheduledAt > WAKE_CHECK_INTERVAL + slack) this.check(true);
      // Unless the check ended the session (and maybe a new one began with its own).
      if (this.#cancelWakeCheck === cancel) this.#scheduleWakeCheck();
    });
    this.#cancelWakeCheck = cancel;
  }
}
