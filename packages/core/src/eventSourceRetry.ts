import type { BackoffOptions, RetryDelay, ShouldRetry } from "./retry.js";

// FetchEventSource's defaults under the one retry contract: the browser's EventSource rules.

/**
 * `FetchEventSource`'s default delay, the browser's with backoff on repeated failures: the first
 * retry waits exactly the reconnection time (`serverRetry`: the server's `retry:`, or the
 * initial value), as `EventSource` does; consecutive failures wait a full-jitter time between
 * it and a doubling ceiling capped at `maxDelay`, so a restarted server is not hit by every
 * client at once. A longer `Retry-After` wins.
 */
export function reconnectionDelay(options: Omit<BackoffOptions, "initialDelay"> = {}): RetryDelay {
  const { maxDelay = 30_000, random = Math.random } = options;
  return ({ attempt, serverRetry = 0, retryAfter }) => {
    const floor = Math.max(serverRetry, retryAfter ?? 0);
    if (attempt <= 1) return floor;
    const ceiling = Math.min(maxDelay, serverRetry * 2 ** (attempt - 1));
    return ceiling > floor ? floor + random() * (ceiling - floor) : floor;
  };
}

/**
 * The browser's `EventSource` rules, `FetchEventSource`'s default classifier: network errors and
 * ended streams retry; any status other than 200, a wrong Content-Type or an unreadable body
 * fails the connection for good — except the statuses in `retryStatuses`, which retry (honouring
 * `Retry-After`). `[429, 502, 503, 504]` suits streams behind load balancers.
 */
export function eventSourceShouldRetry(
  options: { retryStatuses?: readonly number[] } = {},
): ShouldRetry {
  const { retryStatuses = [] } = options;
  return (error) => {
    if (error.code === "http-status") {
      return retryStatuses.includes(error.status ?? 0) ? "retry" : "fatal";
    }
    return error.code === "content-type" || error.code === "invalid-response" ? "fatal" : "retry";
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
