import type { Clock } from "./clock.js";
import { ConnectionError } from "./errors.js";
import type { Frame } from "./outbox.js";
import { Timers } from "./timers.js";

export interface HeartbeatOptions {
  /**
   * Milliseconds between pings.
   * @default 25_000
   */
  interval?: number;
  /**
   * Milliseconds to wait after a ping for anything to arrive before the socket counts as dead.
   * @default 10_000
   */
  deadline?: number;
  /**
   * The ping frame.
   * @default "ping"
   */
  message?: string | (() => Frame);
}

export interface LivenessOptions {
  clock: Clock;
  /** Whether the page is visible: a hidden one's timers are throttled, which is not a death. */
  isVisible: () => boolean;
  /** Pings with a deadline for an answer, on a transport that can send. */
  heartbeat: HeartbeatOptions | false;
  /** Milliseconds an event stream may stay quiet. */
  watchdog: number | false;
  /** Sends a ping; false when the socket cannot take it (it is about to report its close). */
  ping: ((frame: Frame) => boolean) | undefined;
  /** The session is dead: drop it and go through the failure path. */
  dead: (error: ConnectionError) => void;
  /** The session is stale but nobody is to blame (a sleep): reconnect at once, no backoff. */
  stale: (error: ConnectionError) => void;
}

// A timer that fires this much later than asked was throttled (background tab) or frozen
// (sleep): a liveness check, never a verdict.
const LATE_TOLERANCE = 2000;
// How often an open session checks the wall clock for a jump (the machine slept).
const WAKE_CHECK_INTERVAL = 10_000;
// How much longer than WAKE_CHECK_INTERVAL a check may take before it counts as a jump. Hidden
// tabs get timers throttled to once a minute (Chrome), so a hidden page needs more slack.
const WAKE_JUMP_VISIBLE = 20_000;
const WAKE_JUMP_HIDDEN = 120_000;

type LivenessTimer = "ping" | "deadline" | "watchdog" | "wake";

/**
 * Whether one open session is alive: pings with a pong deadline where the transport can send,
 * a watchdog on an event stream's silence, and a wall-clock check that notices a machine that
 * slept. Started when a session opens, stopped when it ends; it only judges, the connection acts.
 */
export class Liveness {
  readonly #options: LivenessOptions;
  readonly #heartbeat: Required<HeartbeatOptions> | undefined;
  readonly #timers: Timers<LivenessTimer>;
  #lastActivity = 0;
  #running = false;

  constructor(options: LivenessOptions) {
    const { heartbeat, clock } = options;
    this.#options = options;
    if (heartbeat !== false) {
      const { interval = 25_000, deadline = 10_000, message = "ping" } = heartbeat;
      this.#heartbeat = { interval, deadline, message };
    }
    this.#timers = new Timers(clock);
  }

  /** A session opened: start watching it. */
  start(): void {
    const { watchdog } = this.#options;
    this.#running = true;
    this.activity();
    this.#schedulePing();
    if (watchdog !== false) this.#armWatchdog(watchdog);
    this.#scheduleWakeCheck();
  }

  /** The session ended: stop every timer. */
  stop(): void {
    this.#running = false;
    this.#timers.clearAll();
  }

  /** Something arrived — a message, a comment, a pong: the session is alive. */
  activity(): void {
    this.#lastActivity = this.#options.clock.now();
    this.#timers.clear("deadline");
  }

  /**
   * After a sleep, a return to the page or a network change: is the session still alive? One
   * that can send is pinged. An event stream cannot be pinged: it reconnects at once (losslessly,
   * from its last event id) when it has been quiet longer than its watchdog allows — or, without
   * a watchdog, when the machine just slept and nothing arrived since.
   */
  check(afterSleep: boolean): void {
    const { ping, watchdog, clock, stale } = this.#options;
    if (!this.#running) return;
    if (ping !== undefined) {
      this.#ping();
      return;
    }
    const quiet = clock.now() - this.#lastActivity;
    const limit = watchdog === false ? (afterSleep ? WAKE_CHECK_INTERVAL : Infinity) : watchdog;
    if (quiet >= limit) stale(new ConnectionError("watchdog-timeout", "Nothing arrived in time."));
  }

  #schedulePing(): void {
    const heartbeat = this.#heartbeat;
    if (heartbeat === undefined) return;
    this.#timers.set("ping", heartbeat.interval, () => {
      this.#ping();
      this.#schedulePing();
    });
  }

  #ping(): void {
    const heartbeat = this.#heartbeat;
    const { ping } = this.#options;
    if (heartbeat === undefined || ping === undefined || this.#timers.has("deadline")) return;
    const { message, deadline } = heartbeat;
    if (!ping(typeof message === "function" ? message() : message)) return;
    this.#setChecked(
      "deadline",
      deadline,
      () => this.#options.dead(new ConnectionError("heartbeat-timeout", "No answer to a ping.")),
      () => this.#ping(),
    );
  }

  #armWatchdog(delay: number): void {
    const { watchdog: limit, clock, dead } = this.#options;
    if (limit === false) return;
    this.#setChecked(
      "watchdog",
      delay,
      () => {
        const quiet = clock.now() - this.#lastActivity;
        if (quiet >= limit) {
          dead(new ConnectionError("watchdog-timeout", "Nothing arrived in time."));
        } else this.#armWatchdog(limit - quiet);
      },
      () => this.#armWatchdog(limit),
    );
  }

  /**
   * Timer `name`, whose verdict counts only if it fired on time: one that fired much later than
   * asked was throttled (a background tab) or frozen (a sleep), which says nothing about the
   * socket, so `late` asks again instead.
   */
  #setChecked(name: LivenessTimer, delay: number, verdict: () => void, late: () => void): void {
    const setAt = this.#options.clock.now();
    this.#timers.set(name, delay, () => {
      if (this.#options.clock.now() - setAt > delay + LATE_TOLERANCE) late();
      else verdict();
    });
  }

  #scheduleWakeCheck(): void {
    const { clock, isVisible } = this.#options;
    const scheduledAt = clock.now();
    this.#timers.set("wake", WAKE_CHECK_INTERVAL, () => {
      const slack = isVisible() ? WAKE_JUMP_VISIBLE : WAKE_JUMP_HIDDEN;
      if (clock.now() - scheduledAt > WAKE_CHECK_INTERVAL + slack) this.check(true);
      if (this.#running) this.#scheduleWakeCheck();
    });
  }
}
