// What both event-stream transports (the browser's EventSource, FetchEventSource) share: one
// session over a source, how a stream is judged, and sessions that cannot send.
import type { ConnectionError } from "./errors.js";
import { STREAM_POSITION_EVENT } from "./protocol.js";
import { retryByHttpStatus } from "./retry.js";
import type { Transport, TransportCallbacks, TransportSession } from "./transport.js";
import { Watchdog } from "./watchdog.js";

export interface EventSourceLike {
  readonly readyState: number;
  close(): void;
  addEventListener(
    type: string,
    listener: (event: { data?: unknown; lastEventId?: string; error?: unknown }) => void,
  ): void;
}

/** A value, or a function read at every connect (for URLs and event sets that change). */
export type Dynamic<T> = T | (() => T);

/** An event stream's probe (its watchdog) and failure classifier. */
export const EVENT_STREAM_TRANSPORT = {
  probe: (options) => new Watchdog(options),
  shouldRetry: retryByHttpStatus,
} satisfies Omit<Transport, "open">;

export interface EventStreamSession extends TransportSession {
  /** Until the session ends or is closed: nothing reaches the connection after. */
  readonly live: boolean;
  /** Forwards the source's `open`, position and `message` events, and `events`, while live. */
  attach(source: EventSourceLike, events: readonly string[]): void;
  /** The stream failed: closes the source and tells the connection, once. */
  end(error: ConnectionError): void;
}

/**
 * One physical event stream. It exists before its source does, since the source's own callbacks
 * (FetchEventSource's parse errors and comments) ask it whether it is still live.
 */
export function eventStreamSession(callbacks: TransportCallbacks): EventStreamSession {
  let source: EventSourceLike | undefined;
  let live = true;
  const listened = new Set<string>();
  const forward = (type: string) =>
    source?.addEventListener(type, (event) => {
      if (!live) return;
      callbacks.onActivity();
      callbacks.onMessage({ event: type, data: event.data, lastEventId: event.lastEventId ?? "" });
    });
  const listen = (types: readonly string[]) => {
    for (const type of types) {
      if (listened.has(type)) continue;
      listened.add(type);
      forward(type);
    }
  };
  const close = () => {
    live = false;
    source?.close();
  };
  return {
    get live() {
      return live;
    },
    send: sseCannotSend,
    listen,
    attach(attached, events) {
      source = attached;
      attached.addEventListener("open", () => {
        if (!live) return;
        callbacks.onActivity();
        callbacks.onOpen();
      });
      attached.addEventListener(STREAM_POSITION_EVENT, (event) => {
        if (!live) return;
        callbacks.onActivity();
        if (event.lastEventId) callbacks.onPosition(event.lastEventId);
      });
      for (const type of listened) forward(type);
      listen(["message", ...events]);
    },
    end(error) {
      if (!live) return;
      close();
      callbacks.onClose(error);
    },
    close,
  };
}

export function read<T>(value: Dynamic<T>): T {
  return typeof value === "function" ? (value as () => T)() : value;
}

export function sseCannotSend(): never {
  throw new TypeError("wirekit: an event stream is one-way; use a WebSocket transport to send.");
}
