import { ConnectionError } from "./errors.js";
import type { ProbeOptions, SessionProbe } from "./liveness.js";
import type { Frame } from "./outbox.js";
import { startJudgingTimer, startTimer } from "./timers.js";

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

/** A WebSocket heartbeat, as `heartbeat()` makes it: its settings, and the probe that runs them. */
export interface Heartbeat extends Readonly<Required<HeartbeatOptions>> {
  /** Watches one connection's sessions; the WebSocket transport calls it. */
  readonly probe: (options: ProbeOptions) => SessionProbe;
}

/**
 * WebSocket pings with a deadline for an answer (any frame counts): the server must answer the
 * ping message (wirekit's channel protocol does). An imported value rather than a flag, so that
 * an app that does not ping does not carry the code.
 *
 * @example
 * useSocket(url, { heartbeat: heartbeat({ interval: 15_000, message: '{"type":"ping"}' }) });
 */
export function heartbeat(options: HeartbeatOptions = {}): Heartbeat {
  const { interval = 25_000, deadline = 10_000, message = "ping" } = options;
  const settings = { interval, deadline, message };
  return { ...settings, probe: (probeOptions) => new HeartbeatProbe(probeOptions, settings) };
}

/**
 * A ping every `interval`, and a socket that answers nothing within `deadline` is dead. A check
 * (after a sleep, or the page coming back) pings at once.
 */
class HeartbeatProbe implements SessionProbe {
  readonly #options: ProbeOptions;
  readonly #heartbeat: Required<HeartbeatOptions>;
  #cancelPing: (() => void) | undefined;
  // Set while a ping waits for an answer.
  #cancelDeadline: (() => void) | undefined;

  constructor(options: ProbeOptions, heartbeat: Required<HeartbeatOptions>) {
    this.#options = options;
    this.#heartbeat = heartbeat;
  }

  start(): void {
    const heartbeat = this.#heartbeat;
    this.#cancelPing?.();
    this.#cancelPing = startTimer(this.#options.clock, heartbeat.interval, () => {
      // The next ping first: a `message` function that throws is the app's bug, reported, and
      // must not stop the heartbeat that finds dead sockets.
      this.start();
      this.check();
    });
  }

  stop(): void {
    this.#cancelPing?.();
    this.activity();
  }

  activity(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
  }

  check(): void {
    const heartbeat = this.#heartbeat;
    const { send, dead, clock } = this.#options;
    if (send === undefined || this.#cancelDeadline !== undefined) return;
    const { message, deadline } = heartbeat;
    if (!send(typeof message === "function" ? message() : message)) return;
    this.#cancelDeadline = startJudgingTimer(
      clock,
      deadline,
      () => {
        this.#cancelDeadline = undefined;
        dead(new ConnectionError("heartbeat-timeout", "No answer to a ping."));
      },
      () => {
        this.#cancelDeadline = undefined;
        this.check();
      },
    );
  }
}
