import type { Clock } from "./clock.js";
import type { ConnectionError } from "./errors.js";
import type { EventStreamParseError } from "./eventStreamParseError.js";
import type { Frame, OutgoingQueueOptions } from "./outbox.js";
import type { PageLifecycle } from "./pageLifecycle.js";
import type { RetryDelay, ShouldRetry } from "./retry.js";
import type { Transport } from "./transport.js";
import type { VisibilityPolicy } from "./visibility.js";

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

/** Whether a connection is at rest: not started, closed, or failed. `connect()` starts it. */
export function isAtRest(status: ConnectionStatus): boolean {
  return status === "idle" || status === "closed" || status === "failed";
}

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
   * @default the transport's: `retryByCloseCode` (WebSocket) or `retryByHttpStatus` (event
   * streams) — see their documentation for the fatal codes
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
  /**
   * While the page is hidden: `"keep"` stays connected, `"pause"` disconnects after
   * `visibilityGrace` (a quick tab switch keeps the connection), `"close"` disconnects at once.
   * Nothing is retried while hidden, except with `"keep"`.
   * @default "pause"
   */
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
   * Event streams: reconnect when nothing (no event, no comment) arrives for this many
   * milliseconds. Servers that send heartbeat comments every 15 s suit 45_000.
   * @default false
   */
  watchdog?: number | false;
  /**
   * Called when the server refuses the credentials (HTTP 401/403, close 4401/4403). Refresh the
   * token and resolve `true` to allow one more attempt; `false` fails the connection. Channels
   * also call it, with `error.code` `credentials-expiring`, when the server says the credentials
   * expire soon (PROTOCOL.md section 1a): refresh them and resolve `true`, and the `hello` goes
   * out again on the same socket, or an event stream reconnects at once from its last event id.
   */
  onAuthFailure?: (error: ConnectionError) => boolean | Promise<boolean>;
  /**
   * WebSocket: the first frame of every connection, sent before anything else (a channel
   * client's subscriptions, the queue). Browsers cannot set headers on a WebSocket, so this is
   * where credentials go for servers that read them from the first frame (PROTOCOL.md `auth`);
   * it is called on every connect, and on a refresh, so a refreshed token is the one sent.
   * @example hello: () => JSON.stringify({ type: "auth", token: session.token })
   */
  hello?: () => Frame;
  /**
   * WebSocket: where `send` puts messages while the connection is not open; flushed in order on
   * open, before the status turns `open`. `false` makes `send` throw instead.
   * @default { maxMessages: 1000, maxBytes: 1 MiB, ttl: 30_000, whenFull: "reject" }
   */
  queue?: OutgoingQueueOptions | false;
}

/** The options a connection keeps for its life, with their defaults filled in. */
export interface ConnectionSettings {
  readonly transport: Transport;
  readonly retryDelay: RetryDelay;
  readonly shouldRetry: ShouldRetry;
  readonly maxAttempts: number;
  readonly minUptime: number;
  readonly connectTimeout: number;
  readonly visibilityGrace: number;
  readonly watchdog: number | false;
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
