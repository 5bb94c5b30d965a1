import { type Clock, systemClock } from "./clock.js";
import { documentUrl } from "./documentUrl.js";
import { ConnectionError } from "./errors.js";
import { eventSourceShouldRetry, reconnectionDelay } from "./eventSourceRetry.js";
import { EventSourceTarget, SourceErrorEvent } from "./eventSourceTarget.js";
import type { EventStreamParseError } from "./eventStreamParseError.js";
import type { EventStreamParser } from "./eventStreamParser.js";
import { EventStreamReader } from "./eventStreamReader.js";
import { acceptResponse, discardBody, toByteString } from "./eventStreamResponse.js";
import { rethrowAsync } from "./rethrowAsync.js";
import type { RetryDelay, ShouldRetry } from "./retry.js";
import { startTimer } from "./timers.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface FetchEventSourceInit {
  /**
   * Request headers: an object, or a function (may be async) called before every connection
   * attempt, so a refreshed token goes out on each reconnect. `Accept` and `Last-Event-ID` are
   * always set by the source.
   */
  headers?: HeadersSource | undefined;
  /**
   * The request method.
   * @default "GET"
   */
  method?: string | undefined;
  /** The request body, sent again on every reconnect (so not a one-shot `ReadableStream`). */
  body?: Exclude<BodyInit, ReadableStream> | null | undefined;
  /**
   * Send cookies and HTTP auth cross-origin (`credentials: "include"`).
   * @default false
   */
  withCredentials?: boolean | undefined;
  /**
   * The `fetch` to use: a polyfill, a test double, or one with a proxy agent.
   * @default globalThis.fetch
   */
  fetch?: FetchLike | undefined;
  /**
   * The last event id to start from; sent as `Last-Event-ID` from the first request, so a stream
   * resumes across page loads.
   * @default ""
   */
  lastEventId?: string;
  /**
   * Whether a failed attempt is worth retrying (the retry contract `Connection` uses too).
   * `auth` retries once, calling `headers` again.
   * @default eventSourceShouldRetry() — the browser's rules: network errors and ended streams retry
   */
  shouldRetry?: ShouldRetry;
  /**
   * How long to wait before retry number `attempt`; `serverRetry` is the reconnection time.
   * @default reconnectionDelay() — the reconnection time, then jittered backoff on repeated failures
   */
  retryDelay?: RetryDelay;
  /**
   * Consecutive failed attempts after which the source closes.
   * @default Infinity
   */
  maxAttempts?: number;
  /**
   * The reconnection time before the server sends `retry:`, in milliseconds.
   * @default 3000
   */
  reconnectionTime?: number;
  /**
   * The largest event, in characters, the source buffers (see `createEventStreamParser`).
   * @default 4_194_304
   */
  maxEventSize?: number | undefined;
  /**
   * Told about stream content the parser skipped: an event over `maxEventSize` (discarded whole,
   * the stream goes on), a comment or unknown field longer than `maxEventSize`, a malformed
   * `retry` or `id`, an unknown field.
   */
  onParseError?: (error: EventStreamParseError) => void;
  /** Told about every comment line, without the colon: servers send them as heartbeats. */
  onComment?: (comment: string) => void;
  /**
   * Where reconnect waits are scheduled and `Retry-After` dates are read: a virtual clock
   * (`createVirtualClock` from `@wirekit/testing`) runs retries without real waiting.
   * @default systemClock
   */
  clock?: Clock;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED;

const DEFAULT_RECONNECTION_TIME = 3000;

/**
 * The WHATWG `EventSource` over `fetch`, with what the browser's lacks: headers (refreshed on every
 * reconnect), POST and a body, an initial last event id, a retry policy, and an injectable `fetch`.
 * Runs in browsers, workers and Node 20+. It is an `EventTarget` dispatching `MessageEvent`s, and
 * everything else follows the spec as browsers do.
 *
 * @example
 * const source = new FetchEventSource("/api/chat", {
 *   method: "POST",
 *   headers: async () => ({ Authorization: `Bearer ${await getToken()}` }),
 *   body: JSON.stringify({ prompt }),
 * });
 * source.addEventListener("token", (event) => append(event.data));
 */
export class FetchEventSource extends EventSourceTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  get CONNECTING(): typeof CONNECTING {
    return CONNECTING;
  }
  get OPEN(): typeof OPEN {
    return OPEN;
  }
  get CLOSED(): typeof CLOSED {
    return CLOSED;
  }

  /** The resolved URL of the stream. */
  readonly url: string;
  readonly withCredentials: boolean;

  #readyState: ReadyState = CONNECTING;
  #origin: string;
  #reconnectionTime: number;
  #attempt = 0;
  #authRetried = false;
  #controller: AbortController | undefined;
  #cancelReconnect: (() => void) | undefined;
  readonly #parser: EventStreamParser;
  readonly #fetch: FetchLike;
  readonly #shouldRetry: ShouldRetry;
  readonly #retryDelay: RetryDelay;
  readonly #maxAttempts: number;
  readonly #clock: Clock;
  readonly #headers: HeadersSource | undefined;
  readonly #method: string;
  readonly #body: Exclude<BodyInit, ReadableStream> | null;

  constructor(url: string | URL, init: FetchEventSourceInit = {}) {
    const {
      headers,
      method = "GET",
      body = null,
      withCredentials = false,
      fetch = globalThis.fetch,
      lastEventId = "",
      shouldRetry = eventSourceShouldRetry(),
      retryDelay = reconnectionDelay(),
      maxAttempts = Number.POSITIVE_INFINITY,
      reconnectionTime = DEFAULT_RECONNECTION_TIME,
      maxEventSize,
      onParseError,
      onComment,
      clock = systemClock,
    } = init;
    super();
    this.url = resolveUrl(url);
    this.#origin = new URL(this.url).origin;
    this.withCredentials = Boolean(withCredentials);
    if (typeof fetch !== "function") {
      throw new TypeError(
        "FetchEventSource: no `fetch` in this environment; pass one in `init.fetch`.",
      );
    }
    if (typeof process === "object" && process.env.NODE_ENV !== "production") {
      checkInit(method, body, reconnectionTime);
    }
    // Called as a plain function: browsers throw "Illegal invocation" when fetch runs with any
    // `this` but the global object, and a stored method would get the source as `this`.
    this.#fetch =
      fetch === globalThis.fetch ? (input, request) => globalThis.fetch(input, request) : fetch;
    this.#shouldRetry = shouldRetry;
    this.#retryDelay = retryDelay;
    this.#maxAttempts = maxAttempts;
    this.#clock = clock;
    this.#headers = headers;
    this.#method = method;
    this.#body = body;
    this.#reconnectionTime = reconnectionTime;
    this.#parser = new EventStreamReader(
      (type, data, id) => this.#deliver(type, data, id),
      {
        onRetry: (milliseconds) => {
          this.#reconnectionTime = milliseconds;
        },
        onError: onParseError,
        onComment,
      },
      { initialLastEventId: lastEventId, maxEventSize },
    );
    // The first attempt starts after the constructor returns, so listeners added right after
    // construction see every event, and close() straight away sends nothing.
    queueMicrotask(() => {
      if (this.#readyState === CONNECTING) void this.#connect();
    });
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  /** The wait before a reconnect: the server's latest `retry:` field, or the initial value. */
  get reconnectionTime(): number {
    return this.#reconnectionTime;
  }

  /** The id the next reconnect sends as `Last-Event-ID`; store it to resume after a reload. */
  get lastEventId(): string {
    return this.#parser.lastEventId;
  }

  /** Closes the stream for good: readyState is CLOSED at once, and nothing is delivered after. */
  close(): void {
    this.#readyState = CLOSED;
    this.#cancelReconnect?.();
    this.#cancelReconnect = undefined;
    this.#controller?.abort();
    this.#controller = undefined;
  }

  #deliver(type: string, data: string, lastEventId: string): void {
    // Named events nobody listens to cost only their parsing, not a MessageEvent each.
    if (this.#readyState !== OPEN || !this.isListenedTo(type)) return;
    this.dispatchEvent(new MessageEvent(type, { data, lastEventId, origin: this.#origin }));
  }

  async #connect(): Promise<void> {
    const controller = new AbortController();
    this.#controller = controller;
    const { signal } = controller;

    let headers: Headers;
    try {
      const source = this.#headers;
      headers = new Headers(await (typeof source === "function" ? source() : source));
    } catch (cause) {
      if (!signal.aborted) {
        this.#fail(new ConnectionError("headers", "The `headers` function failed.", { cause }));
      }
      return;
    }
    headers.set("Accept", "text/event-stream");
    const lastEventId = this.#parser.lastEventId;
    if (lastEventId !== "") headers.set("Last-Event-ID", toByteString(lastEventId));

    let response: Response;
    try {
      if (signal.aborted) return;
      // Called as a plain function, never as a method of the source: browsers throw "Illegal
      // invocation" when fetch runs with a `this` other than the global object (or none).
      const fetch = this.#fetch;
      response = await fetch(this.url, {
        method: this.#method,
        headers,
        body: this.#body,
        credentials: this.withCredentials ? "include" : "same-origin",
        cache: "no-store",
        redirect: "follow",
        signal,
      });
    } catch (cause) {
      if (!signal.aborted) {
        this.#fail(new ConnectionError("network", "The request failed.", { cause }));
      }
      return;
    }
    if (signal.aborted) {
      discardBody(response);
      return;
    }
    const accepted = acceptResponse(response, this.url, this.#clock.now());
    if (accepted instanceof ConnectionError) {
      discardBody(response);
      this.#fail(accepted);
      return;
    }
    const { reader } = accepted;
    this.#origin = accepted.origin;

    // Announced only now that the body is known to be readable, as browsers announce it.
    this.#readyState = OPEN;
    this.#attempt = 0;
    this.#authRetried = false;
    this.dispatchEvent(new Event("open"));

    let feeding = false;
    try {
      while (!signal.aborted) {
        const { done, value } = await reader.read();
        if (done || signal.aborted) break;
        feeding = true;
        this.#parser.feed(value);
        feeding = false;
      }
    } catch (cause) {
      if (!signal.aborted) {
        this.#parser.end();
        reader.cancel().catch(() => {});
        this.#fail(
          feeding
            ? new ConnectionError(
                "invalid-response",
                "The response body gave a chunk that is not bytes.",
                { cause },
              )
            : new ConnectionError("network", "The response stream failed.", { cause }),
        );
      }
      return;
    }
    if (signal.aborted) return;
    this.#parser.end();
    this.#fail(new ConnectionError("stream-ended", "The server ended the stream."));
  }

  #fail(error: ConnectionError): void {
    this.#controller = undefined;
    this.#attempt += 1;
    let delay: number | false;
    try {
      delay = this.#retryAfter(error);
    } catch (policyError) {
      // A retry function that throws is a bug to surface, not a reason to retry: the source
      // closes and the exception is reported as a listener's would be.
      rethrowAsync(policyError);
      delay = false;
    }
    this.#readyState = delay === false ? CLOSED : CONNECTING;
    this.dispatchEvent(new SourceErrorEvent(error));
    // A listener may have called close(); then readyState is CLOSED and nothing is scheduled.
    if (delay === false || this.#readyState !== CONNECTING) return;
    this.#cancelReconnect = startTimer(this.#clock, delay, () => {
      this.#cancelReconnect = undefined;
      if (this.#readyState === CONNECTING) void this.#connect();
    });
  }

  /** Milliseconds until the next attempt, or false to close for good. */
  #retryAfter(error: ConnectionError): number | false {
    if (this.#attempt > this.#maxAttempts) return false;
    const decision = this.#shouldRetry(error);
    if (decision === "fatal") return false;
    if (decision === "auth") {
      // Refused credentials: one more attempt, with `headers` asked again.
      if (this.#authRetried) return false;
      this.#authRetried = true;
    }
    return this.#retryDelay({
      attempt: this.#attempt,
      serverRetry: this.#reconnectionTime,
      retryAfter: error.retryAfter,
    });
  }
}

/** Misuse of the options, told in development. */
function checkInit(method: string, body: unknown, reconnectionTime: number): void {
  const upperMethod = method.toUpperCase();
  if (body !== null && (upperMethod === "GET" || upperMethod === "HEAD")) {
    throw new TypeError(`FetchEventSource: a ${upperMethod} request cannot have a body; use POST.`);
  }
  if (typeof ReadableStream !== "undefined" && body instanceof ReadableStream) {
    throw new TypeError(
      "FetchEventSource: a ReadableStream body cannot be sent again on reconnect; pass a string, Blob, FormData or buffer.",
    );
  }
  if (!(reconnectionTime >= 0)) {
    throw new RangeError("FetchEventSource: `reconnectionTime` must be a number ≥ 0.");
  }
}

function resolveUrl(url: string | URL): string {
  try {
    return documentUrl(url).href;
  } catch {
    // What EventSource's constructor throws for a URL that does not parse.
    throw new DOMException(
      `FetchEventSource: cannot parse the URL ${JSON.stringify(String(url))}.`,
      "SyntaxError",
    );
  }
}
