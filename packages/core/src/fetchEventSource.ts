import { EventSourceError, type EventStreamParseError } from "./errors.js";
import { createDispatchingParser, type EventStreamParser } from "./eventStreamParser.js";
import { rethrowAsync } from "./rethrowAsync.js";
import { createRetryPolicy, parseRetryAfter, type RetryPolicy } from "./retryPolicy.js";

type HeadersSource = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);
type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface FetchEventSourceInit {
  /**
   * Request headers: an object, or a function (may be async) called before every connection
   * attempt, so a refreshed token goes out on each reconnect. `Accept` and `Last-Event-ID` are
   * always set by the source.
   */
  headers?: HeadersSource;
  /**
   * The request method.
   * @default "GET"
   */
  method?: string;
  /** The request body, sent again on every reconnect (so not a one-shot `ReadableStream`). */
  body?: Exclude<BodyInit, ReadableStream> | null;
  /**
   * Send cookies and HTTP auth cross-origin (`credentials: "include"`).
   * @default false
   */
  withCredentials?: boolean;
  /**
   * The `fetch` to use: a polyfill, a test double, or one with a proxy agent.
   * @default globalThis.fetch
   */
  fetch?: FetchLike;
  /**
   * The last event id to start from; sent as `Last-Event-ID` from the first request, so a stream
   * resumes across page loads.
   * @default ""
   */
  lastEventId?: string;
  /**
   * Decides whether and when to reconnect after a failed attempt.
   * @default createRetryPolicy() — the browser's rules with jittered backoff on repeated failures
   */
  retry?: RetryPolicy;
  /**
   * The reconnection time before the server sends `retry:`, in milliseconds.
   * @default 3000
   */
  reconnectionTime?: number;
  /**
   * The largest event, in characters, the source buffers (see `createEventStreamParser`).
   * @default 4_194_304
   */
  maxEventSize?: number;
  /**
   * Told about stream content the parser skipped: an event over `maxEventSize` (discarded whole,
   * the stream goes on), a comment or unknown field longer than `maxEventSize`, a malformed
   * `retry` or `id`, an unknown field.
   */
  onParseError?: (error: EventStreamParseError) => void;
  /** Told about every comment line, without the colon: servers send them as heartbeats. */
  onComment?: (comment: string) => void;
}

/** The event passed to `open` listeners; the base of the others. */
export interface FetchEventSourceEvent {
  readonly type: string;
  readonly target: FetchEventSource;
  readonly currentTarget: FetchEventSource;
  /** Stops the remaining listeners of this event from running. */
  stopImmediatePropagation(): void;
}

/** A message, for `message` and named-event listeners (the shape of a `MessageEvent`). */
export interface FetchEventSourceMessageEvent extends FetchEventSourceEvent {
  readonly data: string;
  readonly lastEventId: string;
  /** The origin of the final URL, after redirects. */
  readonly origin: string;
}

/** An `error` event: the connection is reconnecting (`CONNECTING`) or gone (`CLOSED`). */
export interface FetchEventSourceErrorEvent extends FetchEventSourceEvent {
  readonly type: "error";
  /** Why the attempt failed. */
  readonly error: EventSourceError;
  /** The HTTP status, when the server answered with one other than 200. */
  readonly status: number | undefined;
}

export interface FetchEventSourceEventMap {
  open: FetchEventSourceEvent;
  message: FetchEventSourceMessageEvent;
  error: FetchEventSourceErrorEvent;
}

export type FetchEventSourceListener<E> =
  | ((this: FetchEventSource, event: E) => unknown)
  | { handleEvent(event: E): unknown };

type Handler<E> = ((this: FetchEventSource, event: E) => unknown) | null;

interface HandlerAttribute {
  handler: Handler<never>;
  readonly wrapper: (event: unknown) => void;
}

interface Registration {
  readonly callback: FetchEventSourceListener<never>;
  readonly capture: boolean;
  readonly once: boolean;
  removed: boolean;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED;

const DEFAULT_RECONNECTION_TIME = 3000;
// setTimeout fires at once for delays past a signed 32-bit integer.
const MAX_TIMER_DELAY = 2 ** 31 - 1;

/**
 * The WHATWG `EventSource` over `fetch`, with what the browser's lacks: headers (refreshed on every
 * reconnect), POST and a body, an initial last event id, a retry policy, and an injectable `fetch`.
 * Runs in browsers, workers and Node 20+. Everything else follows the spec as browsers do.
 *
 * @example
 * const source = new FetchEventSource("/api/chat", {
 *   method: "POST",
 *   headers: async () => ({ Authorization: `Bearer ${await getToken()}` }),
 *   body: JSON.stringify({ prompt }),
 * });
 * source.addEventListener("token", (event) => append(event.data));
 */
export class FetchEventSource {
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
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #parser: EventStreamParser;
  readonly #fetch: FetchLike;
  readonly #retry: RetryPolicy;
  readonly #headers: HeadersSource | undefined;
  readonly #method: string;
  readonly #body: Exclude<BodyInit, ReadableStream> | null;
  readonly #listeners = new Map<string, readonly Registration[]>();
  readonly #handlers = new Map<string, HandlerAttribute>();

  constructor(url: string | URL, init: FetchEventSourceInit = {}) {
    const {
      headers,
      method = "GET",
      body = null,
      withCredentials = false,
      fetch = globalThis.fetch,
      lastEventId = "",
      retry = createRetryPolicy(),
      reconnectionTime = DEFAULT_RECONNECTION_TIME,
      maxEventSize,
      onParseError,
      onComment,
    } = init;
    this.url = resolveUrl(url);
    this.#origin = new URL(this.url).origin;
    this.withCredentials = Boolean(withCredentials);
    if (typeof fetch !== "function") {
      throw new TypeError(
        "FetchEventSource: no `fetch` in this environment; pass one in `init.fetch`.",
      );
    }
    const upperMethod = method.toUpperCase();
    if (body !== null && (upperMethod === "GET" || upperMethod === "HEAD")) {
      throw new TypeError(
        `FetchEventSource: a ${upperMethod} request cannot have a body; use POST.`,
      );
    }
    if (typeof ReadableStream !== "undefined" && (body as unknown) instanceof ReadableStream) {
      throw new TypeError(
        "FetchEventSource: a ReadableStream body cannot be sent again on reconnect; pass a string, Blob, FormData or buffer.",
      );
    }
    if (!(reconnectionTime >= 0)) {
      throw new RangeError("FetchEventSource: `reconnectionTime` must be a number ≥ 0.");
    }
    // Called as a plain function: browsers throw "Illegal invocation" when fetch runs with any
    // `this` but the global object, and a stored method would get the source as `this`.
    this.#fetch =
      fetch === globalThis.fetch ? (input, request) => globalThis.fetch(input, request) : fetch;
    this.#retry = retry;
    this.#headers = headers;
    this.#method = method;
    this.#body = body;
    this.#reconnectionTime = reconnectionTime;
    this.#parser = createDispatchingParser(
      (type, data, id) => this.#deliver(type, data, id),
      {
        onRetry: (milliseconds) => {
          this.#reconnectionTime = milliseconds;
        },
        ...(onParseError === undefined ? {} : { onError: onParseError }),
        ...(onComment === undefined ? {} : { onComment }),
      },
      maxEventSize === undefined
        ? { initialLastEventId: lastEventId }
        : { initialLastEventId: lastEventId, maxEventSize },
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

  get onopen(): Handler<FetchEventSourceEvent> {
    return this.#getHandler("open");
  }
  set onopen(handler: Handler<FetchEventSourceEvent>) {
    this.#setHandler("open", handler);
  }
  get onmessage(): Handler<FetchEventSourceMessageEvent> {
    return this.#getHandler("message");
  }
  set onmessage(handler: Handler<FetchEventSourceMessageEvent>) {
    this.#setHandler("message", handler);
  }
  get onerror(): Handler<FetchEventSourceErrorEvent> {
    return this.#getHandler("error");
  }
  set onerror(handler: Handler<FetchEventSourceErrorEvent>) {
    this.#setHandler("error", handler);
  }

  /** Closes the stream for good: readyState is CLOSED at once, and nothing is delivered after. */
  close(): void {
    this.#readyState = CLOSED;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller?.abort();
    this.#controller = undefined;
  }

  addEventListener<K extends keyof FetchEventSourceEventMap>(
    type: K,
    listener: FetchEventSourceListener<FetchEventSourceEventMap[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: FetchEventSourceListener<FetchEventSourceMessageEvent> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: FetchEventSourceListener<never> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null || listener === undefined) return;
    const { capture, once, signal } = normalizeOptions(options);
    if (signal?.aborted) return;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((entry) => entry.callback === listener && entry.capture === capture)) return;
    const registration: Registration = { callback: listener, capture, once, removed: false };
    // Copy on write: a dispatch in progress keeps iterating the list it started with.
    this.#listeners.set(type, [...list, registration]);
    signal?.addEventListener("abort", () => this.#unregister(type, registration), { once: true });
  }

  removeEventListener<K extends keyof FetchEventSourceEventMap>(
    type: K,
    listener: FetchEventSourceListener<FetchEventSourceEventMap[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: FetchEventSourceListener<FetchEventSourceMessageEvent> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: FetchEventSourceListener<never> | null,
    options?: boolean | EventListenerOptions,
  ): void {
    const { capture } = normalizeOptions(options);
    const registration = this.#listeners
      .get(type)
      ?.find((entry) => entry.callback === listener && entry.capture === capture);
    if (registration !== undefined) this.#unregister(type, registration);
  }

  /** Dispatches an event of your own to this source's listeners, as `EventTarget` does. */
  dispatchEvent(event: { readonly type: string }): boolean {
    this.#dispatch(event.type, event);
    return true;
  }

  #unregister(type: string, registration: Registration): void {
    registration.removed = true;
    const remaining = this.#listeners.get(type)?.filter((entry) => entry !== registration) ?? [];
    if (remaining.length === 0) this.#listeners.delete(type);
    else this.#listeners.set(type, remaining);
  }

  #dispatch(type: string, event: { readonly type: string; readonly stopped?: boolean }): void {
    const list = this.#listeners.get(type);
    if (list !== undefined) this.#dispatchTo(list, type, event);
  }

  #dispatchTo(
    list: readonly Registration[],
    type: string,
    event: { readonly type: string; readonly stopped?: boolean },
  ): void {
    for (const registration of list) {
      if (registration.removed) continue;
      if (registration.once) this.#unregister(type, registration);
      const callback = registration.callback as FetchEventSourceListener<unknown>;
      try {
        if (typeof callback === "function") callback.call(this, event);
        else callback.handleEvent(event);
      } catch (error) {
        rethrowAsync(error);
      }
      if (event.stopped === true) return;
    }
  }

  #getHandler<E>(type: string): Handler<E> {
    return (this.#handlers.get(type)?.handler as Handler<E> | undefined) ?? null;
  }

  // An event handler attribute is one listener, registered where it was first set, that calls
  // whatever handler is current (HTML "event handler attributes").
  #setHandler(type: string, handler: unknown): void {
    const entry = this.#handlers.get(type);
    if (typeof handler !== "function") {
      if (entry !== undefined) {
        this.#handlers.delete(type);
        this.removeEventListener(type, entry.wrapper);
      }
      return;
    }
    if (entry !== undefined) {
      entry.handler = handler as Handler<never>;
      return;
    }
    const created: HandlerAttribute = {
      handler: handler as Handler<never>,
      wrapper: (event) => (created.handler as Handler<unknown>)?.call(this, event),
    };
    this.#handlers.set(type, created);
    this.addEventListener(type, created.wrapper);
  }

  #deliver(type: string, data: string, lastEventId: string): void {
    if (this.#readyState !== OPEN) return;
    // No listener, no event object: named events nobody listens to cost only their parsing.
    const list = this.#listeners.get(type);
    if (list === undefined) return;
    this.#dispatchTo(
      list,
      type,
      new SourceMessageEvent(type, this, data, lastEventId, this.#origin),
    );
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
        this.#fail(new EventSourceError("headers", "The `headers` function failed.", { cause }));
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
        this.#fail(new EventSourceError("network", "The request failed.", { cause }));
      }
      return;
    }
    if (signal.aborted) {
      discardBody(response);
      return;
    }
    const reader = this.#accept(response);
    if (reader instanceof EventSourceError) {
      discardBody(response);
      this.#fail(reader);
      return;
    }

    // Announced only now that the body is known to be readable, as browsers announce it.
    this.#readyState = OPEN;
    this.#attempt = 0;
    this.#dispatch("open", new SourceEvent("open", this));

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
            ? new EventSourceError(
                "invalid-response",
                "The response body gave a chunk that is not bytes.",
                { cause },
              )
            : new EventSourceError("network", "The response stream failed.", { cause }),
        );
      }
      return;
    }
    if (signal.aborted) return;
    this.#parser.end();
    this.#fail(new EventSourceError("stream-ended", "The server ended the stream."));
  }

  /**
   * The reader of a response that opens the stream, or why it does not. Never throws: `fetch` may
   * be a polyfill or a test double that resolves to anything.
   */
  #accept(response: Response): ReadableStreamDefaultReader<Uint8Array> | EventSourceError {
    try {
      if (response.status !== 200) {
        return new EventSourceError("http-status", `The server answered ${response.status}.`, {
          status: response.status,
          retryAfter: parseRetryAfter(response.headers.get("Retry-After"), Date.now()),
        });
      }
      const contentType = response.headers.get("Content-Type");
      if (!isEventStream(contentType)) {
        return new EventSourceError(
          "content-type",
          `Expected Content-Type text/event-stream, got ${contentType === null ? "none" : contentType}.`,
          { contentType },
        );
      }
      const body: unknown = response.body;
      if (!isReadableStream(body)) {
        return new EventSourceError(
          "invalid-response",
          `The response body is ${describeBody(body)}, not a ReadableStream: use a WHATWG fetch.`,
        );
      }
      this.#origin = new URL(response.url || this.url).origin;
      return body.getReader();
    } catch (cause) {
      return new EventSourceError(
        "invalid-response",
        "`fetch` resolved to something that is not a readable Response.",
        { cause },
      );
    }
  }

  #fail(error: EventSourceError): void {
    this.#controller = undefined;
    this.#attempt += 1;
    let delay: number | false;
    try {
      delay = this.#retry({
        error,
        attempt: this.#attempt,
        reconnectionTime: this.#reconnectionTime,
      });
    } catch (policyError) {
      // A retry policy that throws is a bug to surface, not a reason to retry: the source closes
      // and the exception is reported as a listener's would be.
      rethrowAsync(policyError);
      delay = false;
    }
    this.#readyState = delay === false ? CLOSED : CONNECTING;
    this.#dispatch("error", new SourceErrorEvent(this, error));
    // A listener may have called close(); then readyState is CLOSED and nothing is scheduled.
    if (delay === false || this.#readyState !== CONNECTING) return;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        if (this.#readyState === CONNECTING) void this.#connect();
      },
      Math.min(Math.max(0, delay), MAX_TIMER_DELAY),
    );
  }
}

class SourceEvent implements FetchEventSourceEvent {
  readonly type: string;
  readonly target: FetchEventSource;
  stopped = false;

  constructor(type: string, target: FetchEventSource) {
    this.type = type;
    this.target = target;
  }

  get currentTarget(): FetchEventSource {
    return this.target;
  }

  stopImmediatePropagation(): void {
    this.stopped = true;
  }
}

// Not a subclass of SourceEvent: one constructor instead of two on the hottest path.
class SourceMessageEvent implements FetchEventSourceMessageEvent {
  readonly type: string;
  readonly target: FetchEventSource;
  readonly data: string;
  readonly lastEventId: string;
  readonly origin: string;
  stopped = false;

  constructor(
    type: string,
    target: FetchEventSource,
    data: string,
    lastEventId: string,
    origin: string,
  ) {
    this.type = type;
    this.target = target;
    this.data = data;
    this.lastEventId = lastEventId;
    this.origin = origin;
  }

  get currentTarget(): FetchEventSource {
    return this.target;
  }

  stopImmediatePropagation(): void {
    this.stopped = true;
  }
}

class SourceErrorEvent extends SourceEvent implements FetchEventSourceErrorEvent {
  declare readonly type: "error";
  readonly error: EventSourceError;

  constructor(target: FetchEventSource, error: EventSourceError) {
    super("error", target);
    this.error = error;
  }

  get status(): number | undefined {
    return this.error.status;
  }
}

function resolveUrl(url: string | URL): string {
  // Relative URLs resolve against the document, as EventSource's do; outside one they cannot.
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(url, base).href;
  } catch {
    throw new SyntaxError(`FetchEventSource: cannot parse the URL ${JSON.stringify(String(url))}.`);
  }
}

function normalizeOptions(options: boolean | AddEventListenerOptions | undefined): {
  capture: boolean;
  once: boolean;
  signal: AbortSignal | undefined;
} {
  if (typeof options !== "object" || options === null) {
    return { capture: Boolean(options), once: false, signal: undefined };
  }
  return {
    capture: Boolean(options.capture),
    once: Boolean(options.once),
    signal: options.signal ?? undefined,
  };
}

/** The essence of a MIME type is what comes before parameters, compared case-insensitively. */
function isEventStream(contentType: string | null): boolean {
  if (contentType === null) return false;
  const semicolon = contentType.indexOf(";");
  const essence = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return essence.trim().toLowerCase() === "text/event-stream";
}

/**
 * Header values are byte strings; the spec sends Last-Event-ID as UTF-8, so each UTF-8 byte
 * becomes one code unit.
 */
function toByteString(value: string): string {
  let bytes = "";
  for (const byte of new TextEncoder().encode(value)) bytes += String.fromCharCode(byte);
  return bytes;
}

function isReadableStream(body: unknown): body is ReadableStream<Uint8Array> {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as { getReader?: unknown }).getReader === "function"
  );
}

function describeBody(body: unknown): string {
  if (body === null || body === undefined) return String(body);
  if (typeof body !== "object") return `a ${typeof body}`;
  // node-fetch 2 and other Node-only clients hand out Node streams.
  if (typeof (body as { pipe?: unknown }).pipe === "function") return "a Node.js stream";
  return `an object without getReader()`;
}

/** Releases a response's connection without reading it, whatever shape its body has. */
function discardBody(response: Response): void {
  try {
    const body: unknown = response?.body;
    if (isReadableStream(body)) {
      if (!body.locked) body.cancel().catch(() => {});
    } else if (typeof (body as { destroy?: unknown } | null)?.destroy === "function") {
      // A Node stream keeps its socket, and so the process, alive until destroyed.
      (body as { destroy(): void }).destroy();
    }
  } catch {
    // Not a Response at all: nothing to release.
  }
}
