import type { Endpoint } from "./endpoint.js";
import type { RealtimeSource } from "./realtimeObserver.js";

/**
 * The messages of a connection: a WebSocket's, or an event stream's `message` events and the
 * named `events` too.
 *
 * @example
 * new RealtimeObserver(manager, { source: streamSource(eventStreamEndpoint({ url, events: ["price"] }), ["price"]) });
 */
export function streamSource(endpoint: Endpoint, events: readonly string[] = []): RealtimeSource {
  return {
    key: JSON.stringify([endpoint.key, events]),
    open(manager, sink) {
      const lease = manager.acquire(endpoint);
      // A shared stream delivers every named event any of its users asked for: keep ours.
      const wanted = new Set(["message", ...events]);
      const stop = lease.connection.onMessage((message) => {
        const event = message.event ?? "message";
        if (wanted.has(event)) sink.message(message.data, { id: message.lastEventId, event });
      });
      return {
        lease,
        close() {
          stop();
          lease.release();
        },
      };
    },
  };
}
