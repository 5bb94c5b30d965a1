import type { ConnectionError } from "./errors.js";

/**
 * The one retry contract, for `Connection` and `FetchEventSource` alike: a pure delay function
 * (`RetryDelay`) and a pure classifier (`ShouldRetry`), both replaceable.
 */

/** What a retry delay is computed from. */
export interface RetryDelayContext {
  /** Consecutive failed attempts: 1 for the first retry. */
  readonly attempt: number;
  /** The server's reconnection advice (an event stream's `retry:` field), if any. */
  readonly serverRetry: number | undefined;
  /** The server's `Retry-After`, in milliseconds, if the failure carried one. */
  readonly retryAfter: number | undefined;
}

/** A pure function from a failure count to the milliseconds to wait. */
export type RetryDelay = (context: RetryDelayContext) => number;

/**
 * What to do about a failure: try again, give up (`fatal`), or try once more with fresh
 * credentials (`auth`: a `Connection` asks its auth hook first; a `FetchEventSource` calls its
 * `headers` function again).
 */
export type RetryDecision = "retry" | "fatal" | "auth";

/** A pure classifier of failures. */
export type ShouldRetry = (error: ConnectionError) => RetryDecision;

/** Retries every failure: the classifier for a transport that brings none. */
export const retryAlways: ShouldRetry = () => "retry";

export interface BackoffOptions {
  /**
   * The range the first retry is drawn from; each further attempt doubles it. 4 s spreads 1,000
   * clients dropped together so that no 100 ms holds more than about 5% of their reconnects
   * (BENCHMARKS.md); `online`, a return to the page and `reconnect()` skip the wait altogether.
   * @default 4000
   */
  initialDelay?: number;
  /**
   * The most the range grows to.
   * @default 30_000
   */
  maxDelay?: number;
  /**
   * Source of jitter in [0, 1).
   * @default Math.random
   */
  random?: () => number;
}

/**
 * Capped exponential backoff with full jitter, `Connection`'s default: attempt n waits a uniformly
 * random time in [0, min(maxDelay, initialDelay × 2^(n−1))), added to whatever the server asked
 * for (`retry:` or `Retry-After`). Full jitter spreads clients that dropped together — a server
 * restart, a deploy — across the whole range instead of sending them back in waves.
 */
export function exponentialBackoff(options: BackoffOptions = {}): RetryDelay {
  const { initialDelay = 4000, maxDelay = 30_000, random = Math.random } = options;
  return ({ attempt, serverRetry, retryAfter }) => {
    const range = Math.min(maxDelay, initialDelay * 2 ** Math.max(0, attempt - 1));
    const floor = Math.max(serverRetry ?? 0, retryAfter ?? 0);
    return floor + random() * range;
  };
}

/**
 * WebSocket close codes that retrying cannot fix.
 * - 1002 protocol error, 1003 unsupported data, 1007 invalid payload, 1009 message too big,
 *   1010 missing extension: the client would send the same thing again.
 * - 1008 policy violation: the server refused us on purpose.
 * - 4400 and 4404 (the 4000-range mirror of HTTP 400 and 404): a bad request, an unknown endpoint.
 */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  1002, 1003, 1007, 1008, 1009, 1010, 4400, 4404,
]);

/** WebSocket close codes that mean "not authorized": 4401 and 4403, mirroring HTTP 401 and 403. */
export const AUTH_CLOSE_CODES: ReadonlySet<number> = new Set([4401, 4403]);

/**
 * HTTP statuses that end an event stream for good. 204 is how a server says "stop"; 400, 404,
 * 405, 406, 410, 413, 414, 415 and 422 would be answered the same again. (401 and 403 go to the
 * auth hook; everything else — 408, 425, 429, 5xx — retries.)
 */
export const FATAL_HTTP_STATUSES: ReadonlySet<number> = new Set([
  204, 205, 400, 404, 405, 406, 410, 413, 414, 415, 422,
]);

/**
 * How a WebSocket transport classifies failures: retry, except the close codes in
 * `FATAL_CLOSE_CODES` (fatal) and `AUTH_CLOSE_CODES` (auth). Retried: 1000/1001 (the server went
 * away), 1006 (abnormal), 1011 (server error), 1012 (restart), 1013 (try again later), 4429 (over
 * the server's rate limit: a queue flushed too fast must not end the connection for good) and
 * every other code; network errors and timeouts.
 */
export function retryByCloseCode(error: ConnectionError): RetryDecision {
  if (error.code !== "closed") return "retry";
  const code = error.closeCode ?? 1006;
  return AUTH_CLOSE_CODES.has(code) ? "auth" : FATAL_CLOSE_CODES.has(code) ? "fatal" : "retry";
}

/**
 * How an event-stream transport classifies failures. Fatal: a wrong Content-Type (an HTML page
 * is no event stream), a response body that is not a readable stream (the same `fetch` would
 * give another), the statuses in `FATAL_HTTP_STATUSES`. Auth: HTTP 401/403. Retried: network
 * errors, ended streams, timeouts, HTTP 408, 425, 429, 5xx, and a refusal whose status the
 * browser's EventSource does not say.
 */
export function retryByHttpStatus(error: ConnectionError): RetryDecision {
  switch (error.code) {
    case "content-type":
    case "invalid-response":
      return "fatal";
    case "http-status": {
      // The browser's EventSource fails a connection for any status but 200 without saying
      // which: a proxy's 502 during a deploy looks like a 404. Given up on, it would leave a
      // dashboard dead after the deploy, so it is retried, with the backoff.
      const { status } = error;
      if (status === undefined) return "retry";
      if (status === 401 || status === 403) return "auth";
      return FATAL_HTTP_STATUSES.has(status) ? "fatal" : "retry";
    }
    default:
      return "retry";
  }
}

/**
 * Both transports' rules in one classifier, for a custom transport that can fail either way (the
 * built-in ones bring their own): `retryByCloseCode` for a closed WebSocket, `retryByHttpStatus`
 * for everything else.
 */
export function shouldRetry(error: ConnectionError): RetryDecision {
  return error.code === "closed" ? retryByCloseCode(error) : retryByHttpStatus(error);
}
