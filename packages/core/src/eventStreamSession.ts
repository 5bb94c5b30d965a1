// What both event-stream transports (the browser's EventSource, FetchEventSource) share: how a
// source's events reach the connection, sessions that cannot send, and how a stream is judged.
import { STREAM_POSITION_EVENT } from "./protocol.js";
import { retryByHttpStatus } from "./retry.js";
import type { Transport, TransportCallbacks } from "./transport.js";
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

/**
 * Hands `open` and the listened-to events of an EventSource to the connection while it is live;
 * returns what listens to more events on the same source.
 */
export function forward(
  source: EventSourceLike,
  events: readonly string[],
  callbacks: TransportCallbacks,
  live: () => boolean,
): (events: readonly string[]) => void {
  source.addEventListener("open", () => {
    if (!live()) return;
    callbacks.onActivity();
    callbacks.onOpen();
  });
  source.addEventListener(STREAM_POSITION_EVENT, (event) => {
    if (!live()) return;
    callbacks.onActivity();
    if (event.lastEventId) callbacks.onPosition(event.lastEventId);
  });
  const listened = new Set<string>();
  const listen = (types: readonly string[]) => {
    for (const type of types) {
      if (listened.has(type)) continue;
      listened.add(type);
      source.addEventListener(type, (event) => {
        if (!live()) return;
        callbacks.onActivity();
        callbacks.onMessage({
          event: type,
          data: event.data,
          lastEventId: event.lastEventId ?? "",
        });
      });
    }
  };
  listen(["message", ...events]);
  return listen;
}

export function read<T>(value: Dynamic<T>): T {
  return typeof value === "function" ? (value as () => T)() : value;
}

export function sseCannotSend(): never {
  throw new TypeError("wirekit: an event stream is one-way; use a WebSocket transport to send.");
}
