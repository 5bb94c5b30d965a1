"use client";

import { type QueryClient, type QueryKey, useQueryClient } from "@tanstack/react-query";
import {
  type ChannelSource,
  channelSubscription,
  type EventStreamEndpointOptions,
  type Parse,
  RealtimeObserver,
  type RealtimeSnapshot,
  type RealtimeSource,
  streamPosition,
  streamSource,
  type WebSocketEndpointOptions,
  webSocketEndpoint,
} from "@wirekit/core";
import { useEffect, useMemo, useRef } from "react";
import {
  type RealtimeEndpoint,
  toChannelSource,
  useConnectionManager,
  useRealtimeChannels,
} from "./realtimeContext.js";
import { eventStreamSource } from "./useEventStream.js";

/**
 * Where `useQueryStream` reads messages from:
 * - `{ channel }`: a channel on the provider's endpoint (or `endpoint`), like `useRealtime`;
 * - `{ eventStream }`: an event stream URL and its options, like `useEventStream`;
 * - `{ socket }`: a WebSocket URL and its options, like `useSocket`.
 */
export type QueryStreamSource =
  | { readonly channel: string; readonly endpoint?: RealtimeEndpoint }
  | ({ readonly eventStream: string } & Omit<EventStreamEndpointOptions, "url">)
  | ({ readonly socket: string } & Omit<WebSocketEndpointOptions, "url">);

export interface UseQueryStreamOptions<T, D> {
  /** The query the messages are folded into. */
  queryKey: QueryKey;
  /** Where the messages come from; `null` connects nothing. */
  source: QueryStreamSource | null;
  /**
   * Folds one message into the cached data (`undefined` while the query has none). Returning
   * `undefined` leaves the cache as it is. Called for every message, in order.
   */
  reduce: (data: D | undefined, message: T) => D | undefined;
  /**
   * How raw data becomes a message; `json(schema)` from `@wirekit/core` validates it too, and a
   * message that fails is skipped.
   * @default "text"
   */
  parse?: Parse<T>;
  /**
   * Connect only while true.
   * @default true
   */
  enabled?: boolean;
}

/**
 * Feeds a channel or a stream into TanStack Query's cache: every message goes through
 * `setQueryData(queryKey, (data) => reduce(data, message))`, and the query is invalidated (so it
 * refetches) when messages may have been missed:
 * - a channel whose resubscription reports a gap (`subscribed` with `recovered: false`);
 * - a socket that opens again after a drop: a plain WebSocket cannot replay;
 * - an event stream that opens again after a drop with no last event id to resume from.
 *
 * The hook itself never re-renders on messages; components reading the query do, as usual.
 * It needs a `<QueryClientProvider>` above it, and a `<RealtimeProvider endpoint>` for channels
 * without their own `endpoint`.
 *
 * @example
 * const { data } = useQuery({ queryKey: ["room", id], queryFn: fetchRoom });
 * useQueryStream<Message, Room>({
 *   queryKey: ["room", id],
 *   source: { channel: `room:${id}` },
 *   reduce: (room, message) => room && { ...room, messages: [...room.messages, message] },
 * });
 */
export function useQueryStream<T = unknown, D = unknown>(
  options: UseQueryStreamOptions<T, D>,
): void {
  const { queryKey, source, reduce, parse, enabled = true } = options;
  const queryClient = useQueryClient();
  const manager = useConnectionManager();
  const provided = useRealtimeChannels();
  const rendered: Latest<T, D> = {
    queryClient,
    queryKey,
    reduce,
    headers: source !== null && "eventStream" in source ? source["headers"] : undefined,
  };
  const latest = useRef(rendered);
  // Taken once committed: while a switch is pending (a transition), the mounted source's
  // messages still belong to the query it was committed with. Before the effects below, so a
  // new observer starts with them.
  useEffect(() => {
    latest.current = rendered;
  });
  const wire = enabled && source !== null ? toRealtimeSource(source, provided, latest) : null;
  if (wire === undefined) {
    throw new TypeError(
      "useQueryStream: no endpoint for the channel. Wrap the tree in <RealtimeProvider endpoint={{ url }}> or pass `source.endpoint`.",
    );
  }
  const key = wire === null ? null : wire.key;
  const onMessage = (message: T) => {
    const { queryClient, queryKey, reduce } = latest.current;
    queryClient.setQueryData<D>(queryKey, (data) => reduce(data, message));
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: the observer is keyed by what goes on the wire, not by the source object's identity.
  const observer = useMemo(
    () =>
      wire === null
        ? undefined
        : new RealtimeObserver<T>(manager, {
            source: wire,
            ...(parse === undefined ? {} : { parse }),
            onMessage,
          }),
    [manager, key],
  );
  useEffect(() => {
    if (observer !== undefined && wire !== null) {
      observer.setOptions({ source: wire, ...(parse === undefined ? {} : { parse }), onMessage });
    }
  });
  const resumption: Resumption =
    source === null || "channel" in source
      ? "channel"
      : "eventStream" in source
        ? "lastEventId"
        : "none";
  // biome-ignore lint/correctness/useExhaustiveDependencies: `resumption` follows from the key, as the observer does.
  useEffect(() => {
    if (observer === undefined) return;
    const invalidate = () => {
      const { queryClient, queryKey } = latest.current;
      void queryClient.invalidateQueries({ queryKey });
    };
    const watch = watchForGaps(observer, resumption, invalidate);
    const stopWatching = observer.subscribe(() => watch(observer.getSnapshot()));
    const unmount = observer.mount();
    return () => {
      stopWatching();
      unmount();
    };
  }, [observer]);
}

/** How a source catches up after a drop: it tells (a channel), it may (an event stream), or it cannot. */
type Resumption = "channel" | "lastEventId" | "none";

interface Latest<T, D> {
  queryClient: QueryClient;
  queryKey: QueryKey;
  reduce: (data: D | undefined, message: T) => D | undefined;
  headers: EventStreamEndpointOptions["headers"];
}

/**
 * Calls `invalidate` when the observer may have missed messages. Each snapshot is seen (the
 * observer notifies on every connection change), so a drop and reopen between two renders is
 * never missed, as it could be by an effect watching `status`.
 */
function watchForGaps<T>(
  observer: RealtimeObserver<T>,
  resumption: Resumption,
  invalidate: () => void,
): (snapshot: RealtimeSnapshot<T>) => void {
  let previous = observer.getSnapshot();
  let lost = false;
  return (next) => {
    const before = previous;
    previous = next;
    if (resumption === "channel") {
      // The channel client resumes by itself, and the server says whether it could.
      if (next.subscription !== before.subscription && next.subscription?.recovered === false) {
        invalidate();
      }
    } else if (before.status === "open" && next.status !== "open") {
      lost = true;
    } else if (next.status === "open" && lost) {
      lost = false;
      // An event stream resumes from its last event id (the server replays); without one, or
      // on a WebSocket stream, what was sent while the connection was down is gone.
      const connection = observer.connection;
      const position = connection === undefined ? "" : streamPosition(connection);
      if (resumption === "none" || !position) invalidate();
    }
  };
}

function toRealtimeSource<T, D>(
  source: QueryStreamSource,
  provided: ChannelSource | undefined,
  latest: { readonly current: Latest<T, D> },
): RealtimeSource | undefined {
  if ("channel" in source) {
    const channels = source.endpoint === undefined ? provided : toChannelSource(source.endpoint);
    if (channels === undefined) return undefined;
    return channelSubscription(channels, source.channel);
  }
  if ("socket" in source) {
    const { socket: url, ...endpoint } = source;
    return streamSource(webSocketEndpoint({ ...endpoint, url }));
  }
  const { eventStream: url, headers, ...endpoint } = source;
  // A headers function may be written anew every render; the connection calls the latest one.
  const wireHeaders: EventStreamEndpointOptions["headers"] =
    typeof headers === "function"
      ? () => {
          const current = latest.current.headers;
          return typeof current === "function" ? current() : (current ?? {});
        }
      : headers;
  return eventStreamSource(url, endpoint, wireHeaders);
}
