"use client";

import { channelSubscription } from "@wirekit/core";
import { useCallback } from "react";
import { type RealtimeEndpoint, toChannelSource, useRealtimeChannels } from "./realtimeContext.js";
import {
  type MessageOptions,
  type RealtimeResult,
  useRealtimeObserver,
} from "./useRealtimeObserver.js";

export interface UseRealtimeOptions<T, S, U = undefined> extends MessageOptions<T, S, U> {
  /** The channels, when not the provider's. */
  endpoint?: RealtimeEndpoint;
  /**
   * A WebSocket channel's place to resume from after a page load: the `lastEventId` an earlier
   * page stored (e.g. in `sessionStorage`). Read when the channel is first subscribed; a gap
   * since then arrives as `subscription.recovered === false`.
   */
  resumeFrom?: string;
}

export interface UseRealtimeResult<T, S, U = undefined> extends RealtimeResult<T, S, U> {
  /**
   * Publishes on the channel; resolves with the broker's id on the server's ack. (Over an event
   * stream, which is one-way, it rejects: publish with an HTTP request.)
   */
  publish: (data: unknown) => Promise<{ id: string | undefined }>;
}

/**
 * One channel on the shared connection `<RealtimeProvider endpoint>` configures (PROTOCOL.md):
 * a WebSocket channel, or a named event of one shared event stream (`eventStreamChannels`).
 * `subscription.recovered === false` after a reconnect is a gap: refetch what the channel shows.
 *
 * @example
 * const { history, publish } = useRealtime<Message>("room:42", { delivery: { mode: "history", size: 100 } });
 */
export function useRealtime<T = unknown, S = undefined, U = undefined>(
  channel: string | null,
  options: UseRealtimeOptions<T, S, U> = {},
): UseRealtimeResult<T, S, U> {
  const provided = useRealtimeChannels();
  const { endpoint: own, enabled, resumeFrom } = options;
  const channels = own === undefined ? provided : toChannelSource(own);
  if (channels === undefined && channel !== null && enabled !== false) {
    throw new TypeError(
      "useRealtime: no endpoint. Wrap the tree in <RealtimeProvider endpoint={{ url }}> or pass `endpoint`.",
    );
  }
  const source =
    channel === null || channels === undefined
      ? null
      : channelSubscription(channels, channel, resumeFrom);
  const { result, observer } = useRealtimeObserver<T, S, U>(source, options);
  // The same function for as long as the observer lives, as `send` is.
  const publish = useCallback<UseRealtimeResult<T, S, U>["publish"]>(
    (data) =>
      observer?.openSource?.publish?.(data) ??
      // Mounted but unable to publish: an event stream is one-way (publish with an HTTP request).
      Promise.reject(
        new TypeError(
          observer === undefined
            ? "useRealtime: publish() while disabled or before mount."
            : "wirekit: publish() needs a mounted channel that can send.",
        ),
      ),
    [observer],
  );
  return { ...result, publish };
}
