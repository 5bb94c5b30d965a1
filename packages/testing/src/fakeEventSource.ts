import type { Clock } from "@wirekit/core";
import { domException } from "./domException.js";
import {
  type FakeEvent,
  type FakeEventHandler,
  FakeEventTarget,
  type FakeMessageEvent,
} from "./fakeEventTarget.js";

/** What a client's HTTP request for an event stream carries. */
export interface EventSourceRequest {
  readonly url: string;
  /** The `Last-Event-ID` header: "" when the client sends none. */
  readonly lastEventId: string;
  readonly withCredentials: boolean;
  /** Set by `server.fetch`; an `EventSource` always sends a GET with no body. */
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** How a failed response looked, for a client (`server.fetch`) that reads it. */
export interface EventSourceFailure {
  readonly status: number;
  readonly contentType: string;
}

/** The client's end of one request: the server calls it as the response arrives. */
export interface EventSourceClientEnd {
  /** A 200 `text/event-stream` response. */
  open(): void;
  event(type: string, data: string, id: string | undefined): void;
  retry(milliseconds: number): void;
  /** End of the body (`ended`), or a network error: the client reconnects. */
  lost(how: "ended" | "network"): void;
  /** Any other response: the client gives up. */
  fail(response: EventSourceFailure): void;
}

/** The way to the server, for the one thing a client does to a request: abort it. */
export interface EventSourceServerEnd {
  abort(): void;
}

/** How a `FakeEventSource` class reaches its server; `createFakeServer` makes one. */
export interface EventSourceConnector {
  readonly clock: Clock;
  request(request: EventSourceRequest, client: EventSourceClientEnd): EventSourceServerEnd;
}

export interface FakeEventSourceInit {
  /** @default false */
  withCredentials?: boolean;
}

export interface FakeEventSourceEventMap {
  open: FakeEvent;
  message: FakeMessageEvent;
  error: FakeEvent;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
type ReadyState = typeof CONNECTING | typeof OPEN | typeof CLOSED;

/** The reconnection time until the server sends `retry:`; browsers pick a few seconds. */
const DEFAULT_RECONNECTION_TIME = 3000;

/**
 * The WHATWG `EventSource`, talking to a fake server. Construct it through a server, as
 * `new server.EventSource(url)`: it connects, and reconnects, as the server's clock moves.
 */
export class FakeEventSource extends FakeEventTarget<FakeEventSourceEventMap, FakeMessageEvent> {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSED = CLOSED;
  readonly CONNECTING = CONNECTING;
  readonly OPEN = OPEN;
  readonly CLOSED = CLOSED;

  /** Set on the classes a server hands out; a bare `FakeEventSource` has nowhere to connect. */
  protected static readonly connector: EventSourceConnector | undefined;

  readonly url: string;
  readonly withCredentials: boolean;
  #readyState: ReadyState = CONNECTING;
  #lastEventId = "";
  #reconnectionTime = DEFAULT_RECONNECTION_TIME;
  #attempt = 0;
  #request: EventSourceServerEnd | undefined;
  #timer: unknown;
  readonly #origin: string;
  readonly #connector: EventSourceConnector;

  constructor(url: string | URL, init: FakeEventSourceInit = {}) {
    super();
    const connector = (new.target as typeof FakeEventSource).connector;
    if (connector === undefined) {
      throw new TypeError(
        "FakeEventSource: construct it through a server, `new server.EventSource(url)`, with a server from createFakeServer().",
      );
    }
    this.url = parseUrl(url);
    this.withCredentials = Boolean(init.withCredentials);
    this.#origin = new URL(this.url).origin;
    this.#connector = connector;
    this.#connect();
  }

  /** `CONNECTING` (0), `OPEN` (1) or `CLOSED` (2). */
  get readyState(): ReadyState {
    return this.#readyState;
  }

  get onopen(): FakeEventHandler<FakeEvent> {
    return this.getHandler("open");
  }
  set onopen(handler: FakeEventHandler<FakeEvent>) {
    this.setHandler("open", handler);
  }
  get onmessage(): FakeEventHandler<FakeMessageEvent> {
    return this.getHandler("message");
  }
  set onmessage(handler: FakeEventHandler<FakeMessageEvent>) {
    this.setHandler("message", handler);
  }
  get onerror(): FakeEventHandler<FakeEvent> {
    return this.getHandler("error");
  }
  set onerror(handler: FakeEventHandler<FakeEvent>) {
    this.setHandler("error", handler);
  }

  /** Closes for good: CLOSED at once, the request aborted, nothing delivered or retried after. */
  close(): void {
    this.#readyState = CLOSED;
    if (this.#timer !== undefined) this.#connector.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#request?.abort();
    this.#request = undefined;
  }

  #connect(): void {
    const attempt = ++this.#attempt;
    // Only the latest request may touch the source, and none may after close().
    const current = () => attempt === this.#attempt && this.#readyState !== CLOSED;
    this.#request = this.#connector.request(
      { url: this.url, lastEventId: this.#lastEventId, withCredentials: this.withCredentials },
      {
        open: () => {
          if (!current()) return;
          this.#readyState = OPEN;
          this.fire("open");
        },
        event: (type, data, id) => {
          if (!current()) return;
          // An id containing U+0000 is ignored (SSE-SPEC 6); it carries over reconnects (11).
          if (id !== undefined && !id.includes("\0")) this.#lastEventId = id;
          this.fire(type, { data, origin: this.#origin, lastEventId: this.#lastEventId });
        },
        retry: (milliseconds) => {
          if (current()) this.#reconnectionTime = milliseconds;
        },
        lost: () => {
          if (!current()) return;
          this.#request = undefined;
          this.#readyState = CONNECTING;
          this.fire("error");
          // A listener may have called close().
          if (this.#readyState !== CONNECTING) return;
          this.#timer = this.#connector.clock.setTimeout(() => {
            this.#timer = undefined;
            this.#connect();
          }, this.#reconnectionTime);
        },
        fail: () => {
          if (!current()) return;
          this.#request = undefined;
          this.#readyState = CLOSED;
          this.fire("error");
        },
      },
    );
  }
}

function parseUrl(url: string | URL): string {
  // Relative URLs resolve against the document, as in browsers; outside one they cannot.
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    return new URL(url, base).href;
  } catch {
    throw domException(
      "SyntaxError",
      `FakeEventSource: cannot parse the URL ${JSON.stringify(String(url))}.`,
    );
  }
}
