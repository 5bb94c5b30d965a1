import type { EventSourceError } from "./errors.js";

/** What a retry policy is asked about after a connection attempt failed. */
export interface RetryContext {
  /** Why the attempt failed. */
  readonly error: EventSourceError;
  /** Consecutive failures since the connection was last open: 1 for the first. */
  readonly attempt: number;
  /** The reconnection time: the server's latest `retry:` field, or the initial value. */
  readonly reconnectionTime: number;
}

/**
 * Decides what happens after a failed attempt: milliseconds to wait before the next one, or
 * `false` to close for good (readyState CLOSED). Pure: same context, same answer (given the same
 * `random`).
 */
export type RetryPolicy = (context: RetryContext) => number | false;

export interface RetryPolicyOptions {
  /**
   * HTTP statuses that retry instead of failing the connection, honouring `Retry-After`.
   * Browsers retry none; `[429, 502, 503, 504]` suits streams behind load balancers.
   * @default []
   */
  retryStatuses?: readonly number[];
  /**
   * Consecutive failures after which the connection closes.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * The most a backoff grows to (a longer `Retry-After` or `retry:` still wins).
   * @default 30_000
   */
  maxDelay?: number;
  /**
   * Source of jitter, returning [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/**
 * The retry policy `FetchEventSource` uses unless given another. With no options it behaves as
 * browsers do: network errors and ended streams retry, any non-200 status or wrong Content-Type
 * fails the connection, and so does a response body that is not a readable stream (the same
 * `fetch` would give the same again). The first retry waits exactly the reconnection time (the server's `retry:`
 * advice); consecutive failures back off exponentially with full jitter up to `maxDelay`, so a
 * restarted server is not hit by every client at the same instant.
 *
 * @example
 * new FetchEventSource(url, { retry: createRetryPolicy({ retryStatuses: [429, 502, 503, 504] }) });
 */
export function createRetryPolicy(options: RetryPolicyOptions = {}): RetryPolicy {
  const {
    retryStatuses = [],
    maxAttempts = Number.POSITIVE_INFINITY,
    maxDelay = 30_000,
    random = Math.random,
  } = options;
  return ({ error, attempt, reconnectionTime }) => {
    if (attempt > maxAttempts) return false;
    if (error.code === "content-type" || error.code === "invalid-response") return false;
    if (error.code === "http-status" && !retryStatuses.includes(error.status ?? 0)) return false;
    const floor = Math.max(reconnectionTime, error.retryAfter ?? 0);
    if (attempt === 1) return floor;
    const ceiling = Math.min(maxDelay, reconnectionTime * 2 ** (attempt - 1));
    return ceiling > floor ? floor + random() * (ceiling - floor) : floor;
  };
}

/**
 * Reads a `Retry-After` header (delay-seconds or an HTTP date) as milliseconds from `now`.
 * Returns undefined for a missing or malformed value.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^[0-9]+$/.test(trimmed)) return Number(trimmed) * 1000;
  // HTTP dates name a day and month ("Sun, 06 Nov 1994 08:49:37 GMT"); Date.parse alone would
  // also take "-5" or "1.5" as years.
  const date = /[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
