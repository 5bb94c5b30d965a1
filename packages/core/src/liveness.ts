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
  readonly #options: Omit<LivenessOptions, "heartbeat" | "watchdog"> & {
    readonly heartbeat: Required<HeartbeatOptions> | undefined;
    readonly watchdog: number | undefined;
  };
  readonly #timers: Timers<LivenessTimer>;
  #lastActivity = 0;
  #running = false;

  constructor(options: LivenessOptions) {
    const { heartbeat, watchdog } = options;
    this.#options = {
      ...options,
      heartbeat:
        heartbeat === false
          ? undefined
          : {
              interval: heartbeat.interval ?? 25_000,
              deadline: heartbeat.deadline ?? 10_000,
              message: heartbeat.message ?? "ping",
            },
      watchdog: watchdog === false ? undefined : watchdog,
    };
    this.#timers = new Timers(options.clock);
  }

  /** A session opened: start watching it. */
  start(): void {
    const { heartbeat, watchdog } = this.#options;
    this.#running = true;
    this.#lastActivity = this.#options.clock.now();
    if (heartbeat !== undefined) this.#schedulePing(heartbeat.interval);
    if (watchdog !== undefined) this.#armWatchdog(watchdog);
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
    if (!this.#running) return;
    if (this.#options.ping !== undefined) {
      this.#ping();
      return;
    }
    const quiet = this.#options.clock.now() - this.#lastActivity;
    const limit =
      this.#options.watchdog ?? (afterSleep ? WAKE_CHECK_INTERVAL : Number.POSITIVE_INFINITY);
    if (quiet < limit) return;
    this.#options.stale(
      new ConnectionError("watchdog-timeout", `Nothing arrived for ${quiet} ms.`),
    );
  }

  #schedulePing(delay: number): void {
    const heartbeat = this.#options.heartbeat;
    if (heartbeat === undefined) return;
    this.#timers.set("ping", delay, () => {
      this.#ping();
      this.#schedulePing(heartbeat.interval);
    });
  }

  #ping(): void {
    const { heartbeat, ping, clock } = this.#options;
    if (heartbeat === undefined || ping === undefined || this.#timers.has("deadline")) return;
    const { message } = heartbeat;
    if (!ping(typeof message === "function" ? message() : message)) return;
    const sentAt = clock.now();
    this.#timers.set("deadline", heartbeat.deadline, () => {
      if (clock.now() - sentAt > heartbeat.deadline + LATE_TOLERANCE) {
        // The deadline timer itself was throttled or frozen: ask again rather than judge.
        this.#ping();
        return;
      }
      this.#options.dead(
        new ConnectionError(
          "heartbeat-timeout",
          `No answer to a ping within ${heartbeat.deadline} ms.`,
        ),
      );
    });
  }

  #armWatchdog(delay: number): void {
    const { watchdog: limit, clock } = this.#options;
    if (limit === undefined) return;
    const armedAt = clock.now();
    this.#timers.set("watchdog", delay, () => {
      const now = clock.now();
      if (now - armedAt > delay + LATE_TOLERANCE) {
        // Fired late (throttled or asleep): the wake check decides; give the stream a fresh window.
        this.#armWatchdog(limit);
        return;
      }
      const quiet = now - this.#lastActivity;
      if (quiet >= limit) {
        this.#options.dead(
          new ConnectionError("watchdog-timeout", `Nothing arrived for ${limit} ms.`),
        );
      } else {
        this.#armWatchdog(limit - quiet);
      }
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
