"use client";

import {
  type SendHandlers,
  streamSource,
  type WebSocketEndpointOptions,
  webSocketEndpoint,
} from "@wirekit/core";
import {
  type MessageOptions,
  type RealtimeResult,
  useRealtimeObserver,
} from "./useRealtimeObserver.js";

export interface UseSocketOptions<T, S, U = undefined>
  extends MessageOptions<T, S, U>,
    Omit<WebSocketEndpointOptions, "url"> {
  /**
   * Turns what you pass to `send` into a frame. Strings and bytes go as they are by default.
   * @default JSON.stringify for anything else
   */
  serialize?: (message: unknown) => string | ArrayBufferLike | ArrayBufferView;
}

export interface UseSocketResult<T, S, U = undefined> extends RealtimeResult<T, S, U> {
  /** Sends now, or queues until the socket opens. Returns false when the queue refused it. */
  send: (message: unknown, handlers?: SendHandlers) => boolean;
}

/**
 * A WebSocket, shared through the manager by URL and subprotocols.
 *
 * @example
 * const { status, data, send } = useSocket<ChatMessage>("wss://chat.example.com", { parse: "json" });
 * send({ text: "hi" });
 */
export function useSocket<T = unknown, S = undefined, U = undefined>(
  url: string | null,
  options: UseSocketOptions<T, S, U> = {},
): UseSocketResult<T, S, U> {
  // The message options are split off so that only the endpoint's own fields key the connection.
  const { enabled, parse, schema, delivery, onMessage, select, equals, serialize, ...endpoint } =
    options;
  const source = url === null ? null : streamSource(webSocketEndpoint({ ...endpoint, url }));
  const { snapshot, selected, observer } = useRealtimeObserver<T, S, U>(source, options);
  return {
    ...snapshot,
    selected,
    send: (message, handlers) => {
      if (observer === undefined)
        throw new TypeError("useSocket: send() while disabled or before mount.");
      const frame =
        serialize !== undefined
          ? serialize(message)
          : typeof message === "string" ||
              message instanceof ArrayBuffer ||
              ArrayBuffer.isView(message)
            ? message
            : JSON.stringify(message);
      return observer.send(frame, handlers);
    },
    reconnect: () => observer?.reconnect(),
    close: () => observer?.close(),
  };
}
