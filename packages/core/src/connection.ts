import { type Clock, systemClock } from "./clock.js";
import { ConnectionError, type EventStreamParseError } from "./errors.js";
import { type Frame, Outbox, type SendRate } from "./outbox.js";
import type { OutgoingQueueOptions, SendHandlers } from "./outgoingQueue.js";
import {
  createBrowserPageLifecycle,
  type PageLifecycle,
  type PageSignal,
} from "./pageLifecycle.js";
import { rethrowAsync } from "./rethrowAsync.js";
import {
  shouldRetry as defaultShouldRetry,
  exponentialBackoff,
  type RetryDelay,
  type ShouldRetry,
} from "./retry.js";
import { Timers, timerDelay } from "./timers.js";
import type { Transport, TransportMessage, TransportSession } from "./transport.js";

/**
 * Where a connection stands. Exactly one at a time:
 * - `idle`: created, `connect()` not called yet;
 * - `connecting`: the first attempt is under way;
 * - `open`: connected;
 * - `reconnecting`: lost, and waiting to retry (`nextRetryAt`) or retrying;
 * - `paused`: disconnected on purpose while the page is hidden or offline; resumes by itself;
 * - `closed`: `close()` was called;
 * - `failed`: a fatal error, or out of attempts (`error` says which). `reconnect()` starts over.
 */
export type ConnectionStatus =
  | "idle"
  | "connecting"
  | "open"
  | "reconnecting"
  | "paused"
  | "closed"
  | "failed";

/**
 * What a connection does while the page is hidden:
 * - `keep`: stays connected, and retries as usual;
 * - `pause`: disconnects once the page has been hidden for `visibilityGrace`, reconnects the
 *   moment it is visible again (quick tab switches keep the connection);
 * - `close`: disconnects as soon as the page is hidden, reconnects when it is visible.
 * With `pause` and `close` nothing is retried while the page is hidden.
 */
export type VisibilityPolicy = "keep" | "pause" | "close";

/** An immutable picture of a connection; a new object only when something in it changed. */
export interface ConnectionSnapshot {
  readonly status: ConnectionStatus;
  /** The latest failure, or bad input that was skipped while the connection went on. */
  readonly error: ConnectionError | EventStreamParseError | null;
  /** Consecutive failed attempts; back to 0 once a connection stays open for `minUptime`. */
  readonly attempt: number;
  /** When the next retry is due (clock milliseconds), while `reconnecting` and waiting. */
  readonly nextRetryAt: number | null;
  /** Messages waiting in the outgoing queue for the connection to open. */
  readonly queued: number;
  /** Queued messages that never went out (full, expired, cleared), since the connection was made. */
  readonly dropped: number;
}

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

export interface ConnectionOptions {
  /** How to reach the server. */
  transport: Transport;
  /**
   * Time, for every timer the connection keeps.
   * @default systemClock
   */
  clock?: Clock;
  /**
   * Page visibility and network signals.
   * @default createBrowserPageLifecycle() — inert outside a browser
   */
  lifecycle?: PageLifecycle;
  /**
   * How long to wait before retry number `attempt`. Pure.
   * @default exponentialBackoff() — full jitter over a range that starts at 4 s and doubles to 30 s
   */
  retryDelay?: RetryDelay;
  /**
   * Whether a failure is worth retrying. Pure.
   * @default shouldRetry — see its documentation for the fatal codes
   */
  shouldRetry?: ShouldRetry;
  /**
   * Consecutive failed attempts after which the connection fails.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * How long a connection must stay open before the attempt counter resets, so a server that
   * accepts and drops at once still meets growing backoff.
   * @default 5000
   */
  minUptime?: number;
  /** @default "pause" */
  visibility?: VisibilityPolicy;
  /**
   * How long the page may stay hidden before `visibility: "pause"` disconnects.
   * @default 10_000
   */
  visibilityGrace?: number;
  /**
   * Milliseconds an attempt may take to open before it is abandoned and retried: a server that
   * accepts the TCP connection and never answers would otherwise hold it forever.
   * @default 20_000
   */
  connectTimeout?: number;
  /**
   * WebSocket pings with a deadline for an answer (any frame counts). Off unless given: the
   * server must answer the ping message (wirekit's channel protocol does).
   * @default false
   */
  heartbeat?: HeartbeatOptions | false;
  /**
   * Event streams: reconnect when nothing (no event, no comment) arrives for this many
   * milliseconds. Servers that send heartbeat comments every 15 s suit 45_000.
   * @default false
   */
  watchdog?: number | false;
  /**
   * Called when the server refuses the credentials (HTTP 401/403, close 4401/4403). Refresh the
   * token and resolve `true` to allow one more attempt; `false` fails the connection.
   */
  onAuthFailure?: (error: ConnectionError) => boolean | Promise<boolean>;
  /**
   * WebSocket: the first frame of every connection, sent before anything else (a channel
   * client's subscriptions, the queue). Browsers cannot set headers on a WebSocket, so this is
   * where credentials go for servers that read them from the first frame (PROTOCOL.md `auth`);
   * it is called on every connect, so a refreshed token is the one sent.
   * @example hello: () => JSON.stringify({ type: "auth", token: session.token })
   */
  hello?: () => string | ArrayBuffer;
  /**
   * The event stream id to resume from.
   * @default ""
   */
  lastEventId?: string;
  /**
   * WebSocket: where `send` puts messages while the connection is not open; flushed in order on
   * open, before the status turns `open`. `false` makes `send` throw instead.
   * @default { maxMessages: 1000, maxBytes: 1 MiB, ttl: 30_000, whenFull: "reject" }
   */
  queue?: OutgoingQueueOptions | false;
}

/** The options of a connection besides its transport, clock and page lifecycle. */
export const CONNECTION_SETTING_KEYS = [
  "retryDelay",
  "shouldRetry",
  "maxAttempts",
  "minUptime",
  "connectTimeout",
  "visibility",
  "visibilityGrace",
  "heartbeat",
  "watchdog",
  "onAuthFailure",
  "hello",
  "lastEventId",
  "queue",
] as const satisfies ReadonlyArray<keyof ConnectionOptions>;

type MessageListener = (message: TransportMessage) => void;

/** Every timer a connection keeps; the liveness ones end with the session they watch. */
type ConnectionTimer = "retry" | "grace" | LivenessTimer;
type LivenessTimer = "connect" | "uptime" | "ping" | "deadline" | "watchdog" | "wake" | "closing";
const LIVENESS_TIMERS: readonly LivenessTimer[] = [
  "connect",
  "uptime",
  "ping",
  "deadline",
  "watchdog",
  "wake",
  "closing",
];

// A timer that fires this much later than asked was throttled (background tab) or frozen
// (sleep): a liveness check, never a verdict.
const LATE_TOLERANCE = 2000;
// How often an open connection checks the wall clock for a jump (the machine slept).
const WAKE_CHECK_INTERVAL = 10_000;
// How much longer than WAKE_CHECK_INTERVAL a check may take before it counts as a jump. Hidden
// tabs get timers throttled to once a minute (Chrome), so a hidden page needs more slack.
const WAKE_JUMP_VISIBLE = 20_000;
const WAKE_JUMP_HIDDEN = 120_000;

function assertVisibility(visibility: unknown): asserts visibility is VisibilityPolicy {
  if (visibility !== "keep" && visibility !== "pause" && visibility !== "close") {
    throw new TypeError(
      `Connection: \`visibility\` must be "keep", "pause" or "close", got ${JSON.stringify(visibility)}.`,
    );
  }
}

/** The snapshot of a connection that has not connected: also what a server render shows. */
export const IDLE_CONNECTION_SNAPSHOT: ConnectionSnapshot = Object.freeze({
  status: "idle",
  error: null,
  attempt: 0,
  nextRetryAt: null,
  queued: 0,
  dropped: 0,
});

/**
 * One logical connection over a transport, kept alive: it reconnects with backoff, pauses with
 * the page, detects dead sockets, resumes event streams from the last event id. Observe it with
 * `subscribe` + `getSnapshot` (made for `useSyncExternalStore`) and `onMessage`.
 *
 * @example
 * const connection = new Connection({ transport: fetchEventSourceTransport({ url }) });
 * connection.onMessage((message) => console.log(message.data));
 * connection.subscribe(() => console.log(connection.getSnapshot().status));
 * connection.connect();
 */
export class Connection {
  readonly #transport: Transport;
  readonly #clock: Clock;
  readonly #lifecycle: PageLifecycle;
  readonly #retryDelay: RetryDelay;
  readonly #shouldRetry: ShouldRetry;
  readonly #maxAttempts: number;
  readonly #minUptime: number;
  readonly #connectTimeout: number;
  #visibility: VisibilityPolicy;
  readonly #visibilityGrace: number;
  readonly #heartbeat: Required<HeartbeatOptions> | undefined;
  readonly #watchdog: number | undefined;
  readonly #onAuthFailure: ((error: ConnectionError) => boolean | Promise<boolean>) | undefined;
  readonly #hello: (() => string | ArrayBuffer) | undefined;

  #snapshot: ConnectionSnapshot = IDLE_CONNECTION_SNAPSHOT;
  readonly #listeners = new Set<() => void>();
  readonly #messageListeners = new Set<MessageListener>();
  readonly #sessionOpenHandlers = new Set<(send: (data: Frame) => void) => void>();
  #session: TransportSession | undefined;
  #lastEventId: string;
  #serverRetry: number | undefined;
  #lastActivity = 0;
  #authRetried = false;
  readonly #queueOff: boolean;
  #stopLifecycle: (() => void) | undefined;
  readonly #timers: Timers<ConnectionTimer>;
  // WebSocket only: what goes out, in order, at the server's pace.
  readonly #outbox: Outbox | undefined;

  constructor(options: ConnectionOptions) {
    const {
      transport,
      clock = systemClock,
      lifecycle,
      retryDelay = exponentialBackoff(),
      shouldRetry = defaultShouldRetry,
      maxAttempts = Number.POSITIVE_INFINITY,
      minUptime = 5000,
      connectTimeout = 20_000,
      visibility = "pause",
      visibilityGrace = 10_000,
      heartbeat = false,
      watchdog = false,
      onAuthFailure,
      hello,
      lastEventId = "",
      queue = {},
    } = options;
    if (transport === undefined || typeof transport.open !== "function") {
      throw new TypeError(
        "Connection: `transport` is required (e.g. webSocketTransport({ url })).",
      );
    }
    assertVisibility(visibility);
    this.#transport = transport;
    this.#clock = clock;
    this.#timers = new Timers(clock);
    this.#lifecycle = lifecycle ?? createBrowserPageLifecycle();
    this.#retryDelay = retryDelay;
    this.#shouldRetry = shouldRetry;
    this.#maxAttempts = maxAttempts;
    this.#minUptime = minUptime;
    this.#connectTimeout = connectTimeout;
    this.#visibility = visibility;
    this.#visibilityGrace = visibilityGrace;
    this.#heartbeat =
      heartbeat === false
        ? undefined
        : {
            interval: heartbeat.interval ?? 25_000,
            deadline: heartbeat.deadline ?? 10_000,
            message: heartbeat.message ?? "ping",
          };
    this.#watchdog = watchdog === false ? undefined : watchdog;
    this.#onAuthFailure = onAuthFailure;
    this.#hello = hello;
    this.#lastEventId = lastEventId;
    this.#outbox =
      transport.kind !== "websocket"
        ? undefined
        : new Outbox({
            queue,
            clock,
            onChange: () => {
              const outbox = this.#outbox as Outbox;
              const { rejected, evicted, expired, cleared } = outbox.dropped;
              this.#update({
                queued: outbox.queued,
                dropped: rejected + evicted + expired + cleared,
              });
            },
            onClosing: () => this.#onClosing(),
          });
    this.#queueOff = queue === false;
  }

  /** The current snapshot: the same object until something changes. */
  getSnapshot = (): ConnectionSnapshot => this.#snapshot;

  /** Calls `listener` after every snapshot change; returns the function that stops it. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  };

  /** Calls `listener` with every message; returns the function that stops it. */
  onMessage(listener: MessageListener): () => void {
    this.#messageListeners.add(listener);
    return () => {
      this.#messageListeners.delete(listener);
    };
  }

  /**
   * Calls `handler` each time a physical connection opens (and now, if one is open), with a
   * `send` for frames that session needs before anything queued, such as a channel client's
   * subscriptions: they go out after the hello and before the outgoing queue, and the status
   * turns `open` only after. Frames sent through it later still go ahead of the queue; they are
   * dropped when the session ends, since every new session calls the handler again.
   */
  onSessionOpen(handler: (send: (data: Frame) => void) => void): () => void {
    this.#sessionOpenHandlers.add(handler);
    const outbox = this.#outbox;
    if (this.#snapshot.status === "open" && outbox !== undefined) {
      handler((data) => outbox.sendControl(data));
    }
    return () => {
      this.#sessionOpenHandlers.delete(handler);
    };
  }

  /**
   * Sends no faster than `rate` from now on (WebSocket): what a channel server says its limit
   * is. Frames beyond it wait in the outgoing queue, in order. `undefined` lifts the pace.
   */
  pace(rate: SendRate | undefined): void {
    this.#outbox?.pace(rate);
  }

  /**
   * Event streams: delivers these named events too, from the live session on. Pair it with a
   * transport whose `events` is a function returning them, so later connects listen as well;
   * the `ConnectionManager` does both when another component shares a stream with more events.
   */
  listen(events: readonly string[]): void {
    this.#session?.listen?.(events);
  }

  /**
   * Changes what the connection does while the page is hidden, from now on: the
   * `ConnectionManager` sets the most permissive policy any of a shared connection's users asked
   * for. A connection paused by the old policy resumes at once if the new one keeps it.
   */
  setVisibility(visibility: VisibilityPolicy): void {
    assertVisibility(visibility);
    if (visibility === this.#visibility) return;
    this.#visibility = visibility;
    const { status } = this.#snapshot;
    if (status === "idle" || status === "closed" || status === "failed") return;
    if (this.#lifecycle.isVisible()) return;
    this.#timers.clear("grace");
    if (this.#mustPause()) {
      if (status !== "paused") this.#onPageSignal("hidden");
    } else {
      this.#resume();
    }
  }

  /** The event stream id a reconnect resumes from. */
  get lastEventId(): string {
    return this.#lastEventId;
  }

  /** Starts connecting. Does nothing unless `idle`, `closed` or `failed`. */
  connect(): void {
    const { status } = this.#snapshot;
    if (status !== "idle" && status !== "closed" && status !== "failed") return;
    this.#stopLifecycle ??= this.#lifecycle.subscribe((signal) => this.#onPageSignal(signal));
    this.#update({ status: "connecting", error: null, attempt: 0, nextRetryAt: null });
    if (this.#mustPause()) this.#pause();
    else this.#open();
  }

  /** Closes for good (until `connect()`): no retry, no timer, no page listener. */
  close(): void {
    if (this.#snapshot.status === "closed") return;
    this.#teardown();
    this.#stopLifecycle?.();
    this.#stopLifecycle = undefined;
    this.#outbox?.clear();
    this.#update({ status: "closed", nextRetryAt: null });
  }

  /** Reconnects now, whatever the state: the "retry now" button. Resets the attempt counter. */
  reconnect(): void {
    const { status } = this.#snapshot;
    if (status === "idle" || status === "closed" || status === "failed") {
      this.#update({ status: "closed" });
      this.connect();
      return;
    }
    this.#teardown();
    this.#update({ status: "reconnecting", attempt: 0, nextRetryAt: null });
    this.#open();
  }

  /**
   * Sends a frame (WebSocket). While the connection is not open it waits in the outgoing queue
   * and goes out, in order, as soon as it opens; so does a frame over the server's rate limit
   * (`pace`). `onSent` hears when it reaches the socket, `onDrop` if it never does. Returns false
   * when the queue refused it.
   */
  send(data: Frame | ArrayBufferLike | Blob, handlers: SendHandlers = {}): boolean {
    const outbox = this.#outbox;
    if (outbox === undefined) {
      throw new TypeError(
        "Connection.send: an event stream is one-way; use a WebSocket transport.",
      );
    }
    const session = this.#session;
    const open = this.#snapshot.status === "open" && session !== undefined;
    if (typeof Blob !== "undefined" && data instanceof Blob) {
      if (!open) {
        throw new TypeError("Connection.send: a Blob cannot be queued; send an ArrayBuffer.");
      }
      session.send(data);
      handlers.onSent?.();
      return true;
    }
    if (this.#queueOff && !open) {
      throw new ConnectionError(
        "network",
        `Cannot send while the connection is ${this.#snapshot.status}, and the queue is off.`,
      );
    }
    return outbox.send(data as Frame, handlers);
  }

  #open(): void {
    this.#timers.clear("retry");
    const session = this.#transport.open(
      {
        onOpen: () => {
          if (this.#session !== session) return;
          this.#onOpen();
        },
        onMessage: (message) => {
          if (this.#session !== session) return;
          this.#onMessage(message);
        },
        onActivity: () => {
          if (this.#session !== session) return;
          this.#lastActivity = this.#clock.now();
          this.#timers.clear("deadline");
        },
        onClose: (error) => {
          if (this.#session !== session) return;
          this.#session = undefined;
          this.#stopLiveness();
          this.#outbox?.detach();
          void this.#onFailure(error);
        },
        onBadInput: (error) => {
          if (this.#session !== session) return;
          if (
            this.#snapshot.error?.name !== error.name ||
            this.#snapshot.error.message !== error.message
          ) {
            this.#update({ error });
          }
        },
        onRetryAdvice: (milliseconds) => {
          if (milliseconds > 0) this.#serverRetry = milliseconds;
        },
        onPosition: (lastEventId) => {
          if (this.#session === session) this.#lastEventId = lastEventId;
        },
      },
      { lastEventId: this.#lastEventId },
    );
    this.#session = session;
    this.#timers.set("connect", this.#connectTimeout, () => {
      if (this.#session !== session) return;
      this.#drop(
        new ConnectionError("connect-timeout", `No answer within ${this.#connectTimeout} ms.`),
      );
    });
  }

  #onOpen(): void {
    this.#timers.clear("connect");
    this.#authRetried = false;
    this.#lastActivity = this.#clock.now();
    // The hello first (credentials), session handlers next (subscriptions), then what waited,
    // in order, before anyone hears the connection is open.
    const session = this.#session;
    const outbox = this.#outbox;
    if (session !== undefined && outbox !== undefined) {
      const first: Frame[] = [];
      let opening = true;
      const send = (data: Frame) => {
        if (this.#session !== session) return;
        if (opening) first.push(data);
        else outbox.sendControl(data);
      };
      if (this.#hello !== undefined) {
        try {
          first.push(this.#hello());
        } catch (error) {
          rethrowAsync(error);
        }
      }
      for (const handler of [...this.#sessionOpenHandlers]) {
        try {
          handler(send);
        } catch (error) {
          rethrowAsync(error);
        }
      }
      opening = false;
      outbox.attach((data) => this.#write(session, data), first);
      // The socket turned out to be closing: its close event decides what happens next.
      if (this.#timers.has("closing")) return;
    }
    this.#update({ status: "open", error: null, nextRetryAt: null });
    this.#timers.set("uptime", this.#minUptime, () => {
      if (this.#snapshot.attempt !== 0) this.#update({ attempt: 0 });
    });
    if (this.#heartbeat !== undefined) this.#schedulePing(this.#heartbeat.interval);
    if (this.#watchdog !== undefined) this.#armWatchdog(this.#watchdog);
    this.#scheduleWakeCheck();
    if (!this.#lifecycle.isVisible()) this.#onPageSignal("hidden");
  }

  #onMessage(message: TransportMessage): void {
    if (message.lastEventId !== undefined) this.#lastEventId = message.lastEventId;
    for (const listener of this.#messageListeners) {
      try {
        listener(message);
      } catch (error) {
        rethrowAsync(error);
      }
    }
  }

  async #onFailure(error: ConnectionError): Promise<void> {
    const decision = this.#shouldRetry(error);
    if (decision === "fatal") {
      this.#fail(error);
      return;
    }
    if (decision === "auth") {
      const hook = this.#onAuthFailure;
      if (hook === undefined || this.#authRetried) {
        this.#fail(error);
        return;
      }
      this.#authRetried = true;
      this.#update({ status: "reconnecting", error, nextRetryAt: null });
      let allowed = false;
      try {
        allowed = await hook(error);
      } catch (hookError) {
        rethrowAsync(hookError);
      }
      // The connection may have been closed or restarted while the hook ran.
      if (this.#snapshot.status !== "reconnecting" || this.#session !== undefined) return;
      if (!allowed) this.#fail(error);
      else if (this.#mustPause()) this.#pause();
      else this.#open();
      return;
    }
    const attempt = this.#snapshot.attempt + 1;
    if (attempt > this.#maxAttempts) {
      this.#fail(
        new ConnectionError(
          "retries-exhausted",
          `Gave up after ${this.#maxAttempts} failed attempts: ${error.message}`,
          { cause: error },
        ),
      );
      return;
    }
    this.#update({ attempt, error });
    if (this.#mustPause()) {
      this.#pause();
      return;
    }
    const delay = timerDelay(
      this.#retryDelay({ attempt, serverRetry: this.#serverRetry, retryAfter: error.retryAfter }),
    );
    this.#update({ status: "reconnecting", nextRetryAt: this.#clock.now() + delay });
    this.#timers.set("retry", delay, () => {
      if (this.#mustPause()) this.#pause();
      else {
        this.#update({ nextRetryAt: null });
        this.#open();
      }
    });
  }

  #fail(error: ConnectionError): void {
    this.#teardown();
    this.#update({ status: "failed", error, nextRetryAt: null });
  }

  #pause(): void {
    this.#teardown();
    this.#update({ status: "paused", nextRetryAt: null });
  }

  /** Resumes a paused or waiting connection at once. */
  #resume(): void {
    const { status } = this.#snapshot;
    if (status === "paused" || (status === "reconnecting" && this.#timers.has("retry"))) {
      this.#teardown();
      this.#update({ status: "reconnecting", nextRetryAt: null });
      this.#open();
    }
  }

  #onPageSignal(signal: PageSignal): void {
    const { status } = this.#snapshot;
    if (status === "idle" || status === "closed" || status === "failed") return;
    switch (signal) {
      case "hidden":
        if (this.#visibility === "close") this.#pause();
        else if (this.#visibility === "pause" && status !== "paused") {
          this.#timers.set("grace", this.#visibilityGrace, () => {
            if (!this.#lifecycle.isVisible()) this.#pause();
          });
        }
        return;
      case "offline":
        this.#pause();
        return;
      case "visible":
      case "resumed":
      case "online":
        this.#timers.clear("grace");
        if (this.#mustPause()) return;
        if (status === "open") this.#checkLiveness(false);
        else this.#resume();
        return;
    }
  }

  #mustPause(): boolean {
    if (!this.#lifecycle.isOnline()) return true;
    return this.#visibility !== "keep" && !this.#lifecycle.isVisible();
  }

  #schedulePing(delay: number): void {
    const heartbeat = this.#heartbeat;
    if (heartbeat === undefined) return;
    this.#timers.set("ping", delay, () => {
      this.#ping();
      this.#schedulePing(heartbeat.interval);
    });
  }

  #ping(): void {
    const heartbeat = this.#heartbeat;
    const session = this.#session;
    if (heartbeat === undefined || session === undefined || this.#timers.has("deadline")) return;
    const { message } = heartbeat;
    const ping = typeof message === "function" ? message() : message;
    // Pings skip the pace: one stuck behind a long queue would miss its own deadline. A socket
    // that cannot take a ping is about to report its close.
    if (!(this.#outbox?.sendNow(ping) ?? this.#write(session, ping))) return;
    const sentAt = this.#clock.now();
    this.#timers.set("deadline", heartbeat.deadline, () => {
      if (this.#clock.now() - sentAt > heartbeat.deadline + LATE_TOLERANCE) {
        // The deadline timer itself was throttled or frozen: ask again rather than judge.
        this.#ping();
        return;
      }
      this.#drop(
        new ConnectionError(
          "heartbeat-timeout",
          `No answer to a ping within ${heartbeat.deadline} ms.`,
        ),
      );
    });
  }

  #armWatchdog(delay: number): void {
    const limit = this.#watchdog;
    if (limit === undefined) return;
    const armedAt = this.#clock.now();
    this.#timers.set("watchdog", delay, () => {
      const now = this.#clock.now();
      if (now - armedAt > delay + LATE_TOLERANCE) {
        // Fired late (throttled or asleep): the wake check decides; give the stream a fresh window.
        this.#armWatchdog(limit);
        return;
      }
      const quiet = now - this.#lastActivity;
      if (quiet >= limit) {
        this.#drop(new ConnectionError("watchdog-timeout", `Nothing arrived for ${limit} ms.`));
      } else {
        this.#armWatchdog(limit - quiet);
      }
    });
  }

  #scheduleWakeCheck(): void {
    const scheduledAt = this.#clock.now();
    this.#timers.set("wake", WAKE_CHECK_INTERVAL, () => {
      const slack = this.#lifecycle.isVisible() ? WAKE_JUMP_VISIBLE : WAKE_JUMP_HIDDEN;
      if (this.#clock.now() - scheduledAt > WAKE_CHECK_INTERVAL + slack) this.#checkLiveness(true);
      if (this.#snapshot.status === "open") this.#scheduleWakeCheck();
    });
  }

  /**
   * After a sleep, a return to the page or a network change: is the connection still alive? A
   * WebSocket with heartbeats is pinged. An event stream cannot be pinged: it reconnects at once
   * (losslessly, from the last event id) when it has been quiet longer than its watchdog allows —
   * or, without a watchdog, when the machine just slept and nothing arrived since.
   */
  #checkLiveness(afterSleep: boolean): void {
    if (this.#snapshot.status !== "open") return;
    if (this.#transport.kind === "websocket") {
      this.#ping();
      return;
    }
    const quiet = this.#clock.now() - this.#lastActivity;
    const limit = this.#watchdog ?? (afterSleep ? WAKE_CHECK_INTERVAL : Number.POSITIVE_INFINITY);
    if (quiet < limit) return;
    // Not the server's fault, and resuming is lossless: reconnect now, not after a backoff.
    this.#teardown();
    this.#update({
      status: "reconnecting",
      error: new ConnectionError("watchdog-timeout", `Nothing arrived for ${quiet} ms.`),
      nextRetryAt: null,
    });
    this.#open();
  }

  /** Abandons the current session as dead and goes through the failure path. */
  #drop(error: ConnectionError): void {
    const session = this.#session;
    this.#session = undefined;
    this.#stopLiveness();
    this.#outbox?.detach();
    session?.close();
    void this.#onFailure(error);
  }

  /** Puts a frame on the session's socket; false when the socket is closing. */
  #write(session: TransportSession, data: Frame): boolean {
    if (this.#session !== session) return false;
    try {
      session.send(data);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * A write found the socket closing (the server sent its close frame; the close event follows
   * once the handshake ends). The connection is no longer open from this moment: sends wait in
   * the queue, and publishes in flight hear it now rather than at the close event.
   */
  #onClosing(): void {
    if (this.#session === undefined || this.#timers.has("closing")) return;
    const session = this.#session;
    this.#outbox?.detach();
    this.#update({ status: "reconnecting", nextRetryAt: null });
    // A close event that never comes (a dead network) must not hold the connection forever.
    this.#timers.set("closing", this.#connectTimeout, () => {
      if (this.#session !== session) return;
      this.#drop(new ConnectionError("network", "The socket never finished closing."));
    });
  }

  #stopLiveness(): void {
    this.#timers.clear(...LIVENESS_TIMERS);
  }

  #teardown(): void {
    const session = this.#session;
    this.#session = undefined;
    this.#timers.clearAll();
    this.#outbox?.detach();
    session?.close();
  }

  #update(change: Partial<ConnectionSnapshot>): void {
    const current = this.#snapshot;
    let changed = false;
    for (const key of Object.keys(change) as Array<keyof ConnectionSnapshot>) {
      if (!Object.is(current[key], change[key])) changed = true;
    }
    if (!changed) return;
    this.#snapshot = Object.freeze({ ...current, ...change });
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (error) {
        rethrowAsync(error);
      }
    }
  }
}
