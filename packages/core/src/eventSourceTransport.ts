import { documentUrl } from "./documentUrl.js";
import { ConnectionError } from "./errors.js";
import {
  type Dynamic,
  EVENT_STREAM_TRANSPORT,
  type EventSourceLike,
  eventStreamSession,
  read,
} from "./eventStreamSession.js";
import type { Transport } from "./transport.js";

/** The browser's `EventSource` class, or a test double with its shape. */
export type EventSourceConstructor = new (
  url: string,
  init?: { withCredentials?: boolean },
) => EventSourceLike;

export interface EventSourceTransportOptions {
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
   * The native `EventSource` cannot send headers, so after a reconnect of ours the last event id
   * travels in this query parameter. `null` sends none.
   * @default "lastEventId"
   */
  lastEventIdParam?: string | null;
  /**
   * The EventSource class.
   * @default globalThis.EventSource
   */
  EventSource?: EventSourceConstructor;
}

const CLOSED = 2;

/**
 * A transport over the browser's own `EventSource`: a plain GET with cookies, no headers. The
 * browser would reconnect by itself; the transport closes it instead and lets the connection
 * reconnect, so backoff, the visibility policy and the page lifecycle rule every retry.
 */
export function eventSourceTransport(options: EventSourceTransportOptions): Transport {
  const { events = [], withCredentials = false, lastEventIdParam = "lastEventId" } = options;
  return {
    ...EVENT_STREAM_TRANSPORT,
    open(callbacks, { lastEventId }) {
      const url = read(options.url);
      const EventSourceImpl =
        options.EventSource ??
        (globalThis as { EventSource?: EventSourceConstructor }).EventSource ??
        noEventSource();
      let target = url;
      if (lastEventId !== "" && lastEventIdParam !== null) {
        const resumed = documentUrl(url);
        resumed.searchParams.set(lastEventIdParam, lastEventId);
        target = resumed.href;
      }
      const source = new EventSourceImpl(target, { withCredentials });
      const session = eventStreamSession(callbacks);
      session.attach(source, read(events));
      source.addEventListener("error", () => {
        // CLOSED: the browser failed the connection (a status other than 200, or not an event
        // stream) and will not say which. CONNECTING: the stream dropped.
        session.end(
          source.readyState === CLOSED
            ? new ConnectionError("http-status", `The server refused the event stream at ${url}.`)
            : new ConnectionError("network", `The event stream at ${url} dropped.`),
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
