"use client";

import {
  type EventStreamEndpointOptions,
  eventStreamEndpoint,
  type RealtimeSource,
  streamSource,
} from "@wirekit/core";
import { useRef } from "react";
import {
  type MessageOptions,
  type RealtimeResult,
  useRealtimeObserver,
} from "./useRealtimeObserver.js";

export interface UseEventStreamOptions<T, S, U = undefined>
  extends MessageOptions<T, S, U>,
    Omit<EventStreamEndpointOptions, "url" | "headers"> {
  /** Request headers; a function is called before every connect (the latest one passed). */
  headers?: EventStreamEndpointOptions["headers"];
}

export interface UseEventStreamResult<T, S, U = undefined> extends RealtimeResult<T, S, U> {}

/**
 * An event stream (Server-Sent Events), over the browser's `EventSource`, or over
 * `FetchEventSource` when given one (headers, a method, a body). Connections are shared through
 * the manager: equal streams in many components are one request.
 *
 * @example
 * const { status, data } = useEventStream<Price>("/api/prices", { events: ["price"], parse: "json" });
 * // With auth headers:
 * import { FetchEventSource } from "@wirekit/core/event-source";
 * const feed = useEventStream("/api/feed", { FetchEventSource, headers: () => auth() });
 */
export function useEventStream<T = string, S = undefined, U = undefined>(
  url: string | null,
  options: UseEventStreamOptions<T, S, U> = {},
): UseEventStreamResult<T, S, U> {
  const { headers } = options;
  // A headers function may change every render; the connection calls the latest one.
  const latestHeaders = useRef(headers);
  latestHeaders.current = headers;
  const stableHeaders = useRef(() => {
    const current = latestHeaders.current;
    return typeof current === "function" ? current() : (current ?? {});
  });
  const wireHeaders = typeof headers === "function" ? stableHeaders.current : headers;
  // The endpoint reads its own fields from the options, the observer the message options.
  const source = url === null ? null : eventStreamSource(url, options, wireHeaders);
  return useRealtimeObserver<T, S, U>(source, options).result;
}

/** An event stream's url, endpoint fields and headers as the observer's source. */
export function eventStreamSource(
  url: string,
  endpoint: Omit<EventStreamEndpointOptions, "url" | "headers">,
  headers: EventStreamEndpointOptions["headers"],
): RealtimeSource {
  return streamSource(eventStreamEndpoint({ ...endpoint, url, headers }), endpoint.events);
}
