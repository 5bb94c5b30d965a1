import { documentUrl } from "./documentUrl.js";
import { ConnectionError } from "./errors.js";
import {
  type Dynamic,
  EVENT_STREAM_TRANSPORT,
  eventStreamSession,
  read,
} from "./eventStreamSession.js";
import type { FetchEventSourceInit } from "./fetchEventSource.js";
import type { Transport } from "./transport.js";

// FetchEventSource and the parser are a chunk of their own, loaded the first time a stream
// needs them: an app whose streams never need headers, a method or a body does not download them.
let loading: Promise<typeof import("./fetchEventSource.js")> | undefined;
const loadFetchEventSource = () => {
  loading ??= import("./fetchEventSource.js");
  return loading;
};

export interface FetchEventSourceTransportOptions
  extends Pick<
    FetchEventSourceInit,
    "headers" | "method" | "body" | "withCredentials" | "fetch" | "maxEventSize"
  > {
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
 * `FetchEventSource` is imported on the first open (a session opened meanwhile waits for it).
 */
export function fetchEventSourceTransport(options: FetchEventSourceTransportOptions): Transport {
  const { url, events = [], headers, method, body, withCredentials, fetch, maxEventSize } = options;

  return {
    ...EVENT_STREAM_TRANSPORT,
    open(callbacks, { lastEventId }) {
      // Read now, as the browser's EventSource reads them: a URL that does not parse, or a
      // function that throws, fails connect() at once rather than a session that never opens.
      const target = documentUrl(read(url)).href;
      const wanted = read(events);
      const session = eventStreamSession(callbacks);
      loadFetchEventSource().then(
        ({ FetchEventSource }) => {
          if (!session.live) return;
          const source = new FetchEventSource(target, {
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
          session.attach(source, wanted);
          source.onerror = (event) => {
            if (session.live) callbacks.onRetryAdvice(source.reconnectionTime);
            session.end(event.error);
          };
        },
        (cause) =>
          session.end(
            new ConnectionError("network", "FetchEventSource could not be loaded.", { cause }),
          ),
      );
      return session;
    },
  };
}
