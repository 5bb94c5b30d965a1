"use client";

import type { RealtimeSnapshot, WebSocketEndpoint } from "@wirekit/core";
import { useRealtimeEndpoint } from "./realtimeContext.js";
import { type MessageOptions, useRealtimeObserver } from "./useRealtimeObserver.js";

export interface UseRealtimeOptions<T, S, U = undefined> extends MessageOptions<T, S, U> {
  /** The WebSocket endpoint, when not the provider's. */
  endpoint?: Omit<WebSocketEndpoint, "transport">;
}

export interface UseRealtimeResult<T, S, U = undefined> extends RealtimeSnapshot<T, S> {
  /** The `select`ed slice, when `select` is given. */
  selected: U | undefined;
  /** Publishes on the channel; resolves with the broker's id on the server's ack. */
  publish: (data: unknown) => Promise<{ id: string | undefined }>;
  reconnect: () => void;
}

/**
 * One channel on the shared connection `<RealtimeProvider endpoint>` configures (PROTOCOL.md).
 * `subscription.recovered === false` after a reconnect is a gap: refetch what the channel shows.
 *
 * @example
 * const { history, publish } = useRealtime<Message>("room:42", { delivery: { mode: "history", size: 100 } });
 */
export function useRealtime<T = unknown, S = undefined, U = undefined>(
  channel: string | null,
  options: UseRealtimeOptions<T, S, U> = {},
): UseRealtimeResult<T, S, U> {
  const provided = useRealtimeEndpoint();
  const { endpoint: own, enabled, ...rest } = options;
  const endpoint: WebSocketEndpoint | undefined =
    own === undefined ? provided : { ...own, transport: "websocket" };
  if (endpoint === undefined && channel !== null && enabled !== false) {
    throw new TypeError(
      "useRealtime: no endpoint. Wrap the tree in <RealtimeProvider endpoint={{ url }}> or pass `endpoint`.",
    );
  }
  const source =
    channel === null || endpoint === undefined
      ? null
      : ({ kind: "channel", endpoint, channel } as const);
  const key =
    source === null ? null : JSON.stringify([endpoint?.url, endpoint?.protocols ?? null, channel]);
  const { snapshot, selected, observer } = useRealtimeObserver<T, S, U>(source, key, {
    ...rest,
    ...(enabled === undefined ? {} : { enabled }),
  });
  return {
    ...snapshot,
    selected,
    publish: (data) =>
      observer === undefined
        ? Promise.reject(new TypeError("useRealtime: publish() while disabled or before mount."))
        : observer.publish(data),
    reconnect: () => observer?.reconnect(),
  };
}
