import { documentUrl } from "./documentUrl.js";
import { ConnectionError } from "./errors.js";
import type { EventStreamParseError } from "./eventStreamParseError.js";
import {
  type Dynamic,
  type EventSourceLike,
  type EventStreamSession,
  eventStreamSession,
  read,
} from "./eventStreamSession.js";
import type { FetchEventSource, FetchEventSourceInit } from "./fetchEventSource.js";
import { retryByHttpStatus } from "./retry.js";
import type { Transport } from "./transport.js";
import { Watchdog } from "./watchdog.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** The browser's `EventSource` class, or a test double with its shape. */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSourceLike;

export interface EventSourceTransportOptions
  extends Pick<FetchEventSourceInit, "headers" | "method" | "body" | "fetch" | "maxEventSize"> {
  /** The stream's URL; a function is called at every connect. */
  url: Dynamic<string>;
  /**
   * Named events to deliver besides `message` (an event stream dispatches a named event only to
   * listeners of that name); a function is called at every connect.
   * @default []
   */
  events?: Dynamic<readonly string[]>;
  /**
   * Send cookies cross-origin.
   * @default false
   */
  withCredentials?: boolean | undefined;
  /**
   * `FetchEventSource` from `@wirekit/core/event-source`, for a stream that needs headers, a
   * method, a body or a `fetch`, or where there is no `EventSource`. Imported by the app, so
   * that one whose streams never need it does not carry it.
   */
  FetchEventSource?: typeof FetchEventSource | undefined;
  /**
   * The browser's `EventSource` cannot send headers, so after a reconnect of ours the last event
   * id travels in this query parameter. `null` sends none. (`FetchEventSource` sends the
   * `Last-Event-ID` header.)
   * @default "lastEventId"
   */
  lastEventIdParam?: string | null;
  /**
   * The event id to resume from: the first session asks for the events after it.
   * @default ""
   */
  lastEventId?: string;
  /**
   * The EventSource class, when not `FetchEventSource`.
   * @default globalThis.EventSource
   */
  EventSource?: EventSourceConstructor;
}

const CLOSED = 2;

/** An event-stream transport, which can be asked for more named events as it runs. */
export interface EventSourceTransport extends Transport {
  /**
   * Delivers these named events too, from the live session on and in every later one: a new
   * user of a shared stream.
   */
  listen(events: readonly string[]): void;
  /**
   * Where the stream stands: the id of the last event a session heard, or of the position the
   * server announced (PROTOCOL.md section 9). Every session resumes from it.
   */
  readonly lastEventId: string;
}

/**
 * A transport over an EventSource: the browser's own (a GET with cookies, no headers), or
 * `FetchEventSource` when given (headers refreshed on every connect, any method, body or
 * `fetch`). Either would reconnect by itself; the transport closes it at the first error
 * instead and lets the connection reconnect, so backoff, the visibility policy and the page
 * lifecycle rule every retry. A transport serves one connection: it keeps the named events its
 * users asked for and listens to them in that connection's sessions, and it keeps where the
 * stream stands and the server's retry advice, for the next session and the next retry.
 *
 * @example
 * import { FetchEventSource } from "@wirekit/core/event-source";
 * const transport = eventSourceTransport({ url, FetchEventSource, headers: () => auth() });
 */
export function eventSourceTransport(options: EventSourceTransportOptions): EventSourceTransport {
  const { FetchEventSource, events = [], withCredentials = false } = options;
  const { headers, method = "GET", body, fetch, maxEventSize } = options;
  if (
    typeof process === "object" &&
    process.env.NODE_ENV !== "production" &&
    FetchEventSource === undefined
  ) {
    if (
      (headers ?? body ?? fetch ?? (method.toUpperCase() === "GET" ? undefined : method)) !==
      undefined
    ) {
      throw new TypeError(
        "wirekit: the browser's EventSource sends no headers, method, body or fetch: pass `FetchEventSource` from @wirekit/core/event-source.",
      );
    }
    // Said now rather than as a failed attempt, retried forever, at every connect.
    if (options.EventSource === undefined && typeof globalThis.EventSource !== "function") {
      noEventSource();
    }
  }
  const added = new Set<string>();
  let live: EventStreamSession | undefined;
  let lastEventId = options.lastEventId ?? "";
  let serverRetry: number | undefined;
  return {
    // A stream cannot be pinged: the watchdog judges it by what arrives.
    probe: (options) => new Watchdog(options),
    shouldRetry: retryByHttpStatus,
    get lastEventId() {
      return lastEventId;
    },
    get serverRetry() {
      return serverRetry;
    },
    listen(more) {
      for (const event of more) added.add(event);
      live?.listen(more);
    },
    open(callbacks) {
      // Created with the source, which tells it apart by `session.live` from the first event on.
      let session: EventStreamSession;
      // Read now: a URL that does not parse, or a function that throws, fails this attempt at
      // once rather than a session that never opens.
      const given = read(options.url);
      const url = documentUrl(given);
      let source: EventSourceLike & { reconnectionTime?: number };
      if (FetchEventSource === undefined) {
        const { lastEventIdParam = "lastEventId" } = options;
        if (lastEventId !== "" && lastEventIdParam !== null) {
          url.searchParams.set(lastEventIdParam, lastEventId);
        }
        const EventSourceImpl =
          options.EventSource ??
          (globalThis as { EventSource?: EventSourceConstructor }).EventSource ??
          noEventSource();
        source = new EventSourceImpl(url.href, { withCredentials });
      } else {
        // A run of the same bad input (a stream of oversized events) is one error to show, not
        // a new snapshot per event.
        let reported: EventStreamParseError | undefined;
        source = new FetchEventSource(url.href, {
          headers,
          method,
          body,
          withCredentials,
          fetch,
          maxEventSize,
          lastEventId,
          // The connection decides about every retry; 0 until the server advises otherwise.
          shouldRetry: () => "fatal",
          reconnectionTime: 0,
          onParseError: (error) => {
            if (
              !session.live ||
              (reported?.code === error.code && reported.message === error.message)
            ) {
              return;
            }
            reported = error;
            callbacks.onBadInput(error);
          },
          onComment: () => session.live && callbacks.onActivity(),
        });
      }
      // The browser's EventSource starts every session with no id, as it cannot be given one:
      // its "" before the session's first id means nothing, and taking it would lose the place.
      // After one, a "" is the server's own reset, as it always is from FetchEventSource.
      let placed = FetchEventSource !== undefined;
      session = eventStreamSession(callbacks, source, [...read(events), ...added], (id) => {
        placed ||= id !== "";
        if (placed) lastEventId = id;
      });
      live = session;
      source.addEventListener("error", (event) => {
        // A server's own `event: error` is a message (it has data), not a failure.
        if ("data" in event) return;
        const advice = source.reconnectionTime ?? 0;
        if (session.live && advice > 0) serverRetry = advice;
        // FetchEventSource says what failed. The browser's does not: CLOSED, it failed the
        // connection (a status other than 200, or not an event stream); CONNECTING, it dropped.
        session.end(
          (event.error as ConnectionError | undefined) ??
            (source.readyState === CLOSED
              ? new ConnectionError(
                  "http-status",
                  `The server refused the event stream at ${given}.`,
                )
              : new ConnectionError("network", `The event stream at ${given} dropped.`)),
        );
      });
      return session;
    },
  };
}

function noEventSource(): never {
  throw new TypeError(
    "wirekit: no EventSource here; pass `FetchEventSource` from @wirekit/core/event-source.",
  );
}
