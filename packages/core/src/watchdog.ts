import { ConnectionError } from "./errors.js";
import { type ProbeOptions, type SessionProbe, WAKE_CHECK_INTERVAL } from "./liveness.js";
import { startJudgingTimer } from "./timers.js";

/**
 * The probe of an event stream, which cannot be pinged: with `watchdog`, a stream quiet (no
 * event, no comment) for that long is dead. A check reconnects it at once — losslessly, from its
 * last event id — when it has been quiet longer than the watchdog allows, or, without one, when
 * the machine just slept and nothing arrived since.
 */
export class Watchdog implements SessionProbe {
  readonly #options: ProbeOptions;
  #cancelTimer: (() => void) | undefined;
  #lastActivity = 0;

  constructor(options: ProbeOptions) {
    this.#options = options;
  }

  start(): void {
    this.activity();
    const { watchdog } = this.#options;
    if (watchdog !== false) this.#arm(watchdog, watchdog);
  }

  stop(): void {
    this.#cancelTimer?.();
  }

  activity(): void {
    this.#lastActivity = this.#options.clock.now();
  }

  check(afterSleep: boolean): void {
    const { watchdog, stale } = this.#options;
    const limit = watchdog === false ? (afterSleep ? WAKE_CHECK_INTERVAL : Infinity) : watchdog;
    if (this.#quiet() >= limit) stale(timeout());
  }

  #quiet(): number {
    return this.#options.clock.now() - this.#lastActivity;
  }

  #arm(limit: number, delay: number): void {
    this.stop();
    this.#cancelTimer = startJudgingTimer(
      this.#options.clock,
      delay,
      () => {
        const quiet = this.#quiet();
        if (quiet >= limit) this.#options.dead(timeout());
        else this.#arm(limit, limit - quiet);
      },
      // Fired late (throttled or asleep): the wake check decides; give the stream a fresh window.
      () => this.#arm(limit, limit),
    );
  }
}

function timeout(): ConnectionError {
  return new ConnectionError("watchdog-timeout", "Nothing arrived in time.");
}
