"use client";

import {
  type SendHandlers,
  streamSource,
  type WebSocketEndpointOptions,
  webSocketEndpoint,
} from "@wirekit/core";
import { useCallback } from "react";
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
  // The endpoint reads its own fields from the options, the observer the message options.
  const source = url === null ? null : streamSource(webSocketEndpoint({ ...options, url }));
  const { result, observer } = useRealtimeObserver<T, S, U>(source, options);
  const { serialize = toFrame } = options;
  // The same function while the observer and `serialize` stay: an effect that lists it runs
  // once, not on every message.
  const send = useCallback<UseSocketResult<T, S, U>["send"]>(
    (message, handlers) => {
      const connection = observer?.connection;
      if (connection === undefined) {
        throw new TypeError("useSocket: send() while disabled, or before the component mounted.");
      }
      return connection.send(serialize(message), handlers);
    },
    [observer, serialize],
  );
  return { ...result, send };
}

/** Strings and bytes go as they are; anything else as JSON. */
function toFrame(message: unknown): string | ArrayBufferLike | ArrayBufferView {
  return typeof message === "string" ||
    message instanceof ArrayBuffer ||
    ArrayBuffer.isView(message)
    ? message
    : JSON.stringify(message);
}
