// One session of an event stream over either source (the browser's EventSource,
// FetchEventSource): what it forwards, and that it cannot send.
import type { ConnectionError } from "./errors.js";
import { STREAM_POSITION_EVENT } from "./protocol.js";
import type { TransportCallbacks, TransportSession } from "./transport.js";

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

export interface EventStreamSession extends TransportSession {
  /** Until the session ends or is closed: nothing reaches the connection after. */
  readonly live: boolean;
  /** The stream failed: closes the source and tells the connection, once. */
  end(error: ConnectionError): void;
  /** Delivers these named events too, from now on; each is listened to once. */
  listen(events: readonly string[]): void;
}

/**
 * One physical event stream over `source`: forwards its `open` and `message` events, and
 * `events`, while live, and tells `onPosition` where the stream stands (each event's id, and the
 * server's position event); more events can be listened to later, each once.
 */
export function eventStreamSession(
  callbacks: TransportCallbacks,
  source: EventSourceLike,
  events: readonly string[],
  onPosition: (lastEventId: string) => void,
): EventStreamSession {
  let live = true;
  const listened = new Set<string>();
  const on = (type: string, forward: (event: { data?: unknown; lastEventId?: string }) => void) =>
    source.addEventListener(type, (event) => {
      if (!live) return;
      callbacks.onActivity();
      forward(event);
    });
  const listen = (types: readonly string[]) => {
    for (const type of types) {
      if (listened.has(type)) continue;
      listened.add(type);
      on(type, (event) => {
        // A failure is an "error" too, but a plain Event: only a server's own has data.
        if (!("data" in event)) return;
        const lastEventId = event.lastEventId ?? "";
        onPosition(lastEventId);
        callbacks.onMessage({ event: type, data: event.data, lastEventId });
      });
    }
  };
  const close = () => {
    live = false;
    source.close();
  };
  on("open", () => callbacks.onOpen());
  on(STREAM_POSITION_EVENT, (event) => {
    if (event.lastEventId) onPosition(event.lastEventId);
  });
  listen(["message", ...events]);
  return {
    get live() {
      return live;
    },
    send() {
      throw new TypeError(
        "wirekit: an event stream is one-way; use a WebSocket transport to send.",
      );
    },
    listen,
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
