import { ConnectionError } from "./errors.js";
import {
  type Dynamic,
  EVENT_STREAM_TRANSPORT,
  forward,
  read,
  sseCannotSend,
} from "./eventStreamSession.js";
import type { FetchEventSourceInit } from "./fetchEventSource.js";
import type { Transport, TransportCallbacks, TransportSession } from "./transport.js";

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
    open(callbacks: TransportCallbacks, { lastEventId }): TransportSession {
      let live = true;
      let session: TransportSession | undefined;
      const pending: Array<readonly string[]> = [];
      loadFetchEventSource().then(
        ({ FetchEventSource }) => {
          if (!live) return;
          const source = new FetchEventSource(read(url), {
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
            onParseError: (error) => live && callbacks.onBadInput(error),
            onComment: () => live && callbacks.onActivity(),
          });
          const listen = forward(source, read(events), callbacks, () => live);
          for (const more of pending) listen(more);
          source.onerror = (event) => {
            if (!live) return;
            live = false;
            callbacks.onRetryAdvice(source.reconnectionTime);
            callbacks.onClose(event.error);
          };
          session = { send: sseCannotSend, listen, close: () => source.close() };
        },
        (cause) => {
          if (!live) return;
          live = false;
          callbacks.onClose(
            new ConnectionError("network", "FetchEventSource could not be loaded.", { cause }),
          );
        },
      );
      return {
        send: sseCannotSend,
        listen(more) {
          if (session === undefined) pending.push(more);
          else session.listen?.(more);
        },
        close() {
          live = false;
          session?.close();
        },
      };
    },
  };
}
