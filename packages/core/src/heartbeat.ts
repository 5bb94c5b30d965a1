import { ConnectionError } from "./errors.js";
import type { ProbeOptions, SessionProbe } from "./liveness.js";
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

/**
 * The probe of a transport that can send: a ping every `interval` once `heartbeat` is on, and
 * a socket that answers nothing (any frame counts) within `deadline` is dead. A check pings at
 * once.
 */
export class Heartbeat implements SessionProbe {
  readonly #options: ProbeOptions;
  readonly #heartbeat: Required<HeartbeatOptions> | undefined;
  readonly #timers: Timers<"ping" | "deadline">;

  constructor(options: ProbeOptions) {
    const { heartbeat, clock } = options;
    this.#options = options;
    if (heartbeat !== false) {
      const { interval = 25_000, deadline = 10_000, message = "ping" } = heartbeat;
      this.#heartbeat = { interval, deadline, message };
    }
    this.#timers = new Timers(clock);
  }

  start(): void {
    const heartbeat = this.#heartbeat;
    if (heartbeat === undefined) return;
    this.#timers.set("ping", heartbeat.interval, () => {
      this.check();
      this.start();
    });
  }

  stop(): void {
    this.#timers.clearAll();
  }

  activity(): void {
    this.#timers.clear("deadline");
  }

  check(): void {
    const heartbeat = this.#heartbeat;
    const { send, dead } = this.#options;
    if (heartbeat === undefined || send === undefined || this.#timers.has("deadline")) return;
    const { message, deadline } = heartbeat;
    if (!send(typeof message === "function" ? message() : message)) return;
    this.#timers.setChecked(
      "deadline",
      deadline,
      () => dead(new ConnectionError("heartbeat-timeout", "No answer to a ping.")),
      () => this.check(),
    );
  }
}
