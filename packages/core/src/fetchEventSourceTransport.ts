import { documentUrl } from "./documentUrl.js";
import {
  type Dynamic,
  EVENT_STREAM_TRANSPORT,
  eventStreamSession,
  read,
} from "./eventStreamSession.js";
import type { FetchEventSource, FetchEventSourceInit } from "./fetchEventSource.js";
import type { Transport } from "./transport.js";

export interface FetchEventSourceTransportOptions
  extends Pick<
    FetchEventSourceInit,
    "headers" | "method" | "body" | "withCredentials" | "fetch" | "maxEventSize"
  > {
  /**
   * `FetchEventSource`, from `@wirekit/core/event-source`: the app imports it, so that one that
   * never needs headers, a method or a body does not carry it or the parser under it.
   */
  FetchEventSource: typeof FetchEventSource;
  /** The stream's URL; a function is called at every connect. */
  url: Dynamic<string>;
  /**
   * Named events to deliver besides `message`; a function is called at every connect.
   * @default []
   */
  events?: Dynamic<readonly string[]>;
}

/**
 * A transport over `FetchEventSource`: headers (refreshed on every connect), POST, any `fetch`.
 *
 * @example
 * import { FetchEventSource } from "@wirekit/core/event-source";
 * const transport = fetchEventSourceTransport({ FetchEventSource, url, headers: () => auth() });
 */
export function fetchEventSourceTransport(options: FetchEventSourceTransportOptions): Transport {
  const { FetchEventSource, url, events = [] } = options;
  const { headers, method, body, withCredentials, fetch, maxEventSize } = options;
  return {
    ...EVENT_STREAM_TRANSPORT,
    open(callbacks, { lastEventId }) {
      const session = eventStreamSession(callbacks);
      // Read now, as the browser's EventSource reads them: a URL that does not parse, or a
      // function that throws, fails this attempt at once rather than a session that never opens.
      const source = new FetchEventSource(documentUrl(read(url)).href, {
        headers,
        method,
        body,
        withCredentials,
        fetch,
        maxEventSize,
        lastEventId,
        // The connection decides about every retry; 0 until the server advises otherwise.
        shouldRetry: () => "fatal",
        reconnectionTime: 0,
        onParseError: (error) => session.live && callbacks.onBadInput(error),
        onComment: () => session.live && callbacks.onActivity(),
      });
      session.attach(source, read(events));
      source.onerror = (event) => {
        if (session.live) callbacks.onRetryAdvice(source.reconnectionTime);
        session.end(event.error);
      };
      return session;
    },
  };
}
