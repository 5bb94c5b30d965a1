import { Connection } from "./connection.js";
import { type ConnectionSettings, type Endpoint, wireKey } from "./endpoint.js";
import {
  type EventSourceTransport,
  type EventSourceTransportOptions,
  eventSourceTransport,
} from "./eventSourceTransport.js";

export interface EventStreamEndpointOptions
  extends ConnectionSettings,
    Omit<EventSourceTransportOptions, "url" | "events"> {
  url: string;
  /** Named events to deliver besides `message`. */
  events?: readonly string[];
}

// A shared stream's transport, which listens to every named event any of its users asked for.
const transportOf = new WeakMap<Connection, EventSourceTransport>();

/**
 * An event-stream endpoint: streams that send the same request — URL, headers, method, body,
 * credentials — are one connection. Users who want different named events share it: it
 * listens to every event any of them asked for (each user delivers only its own).
 *
 * @example
 * const lease = manager.acquire(eventStreamEndpoint({ url: "/api/prices", events: ["price"] }));
 */
export function eventStreamEndpoint(options: EventStreamEndpointOptions): Endpoint {
  const { url, method = "GET", body, withCredentials = false, events = [] } = options;
  return {
    // Missing members key as null, as JSON writes them.
    key: wireKey([
      "sse",
      url,
      options.FetchEventSource,
      headersKey(options.headers),
      method,
      body,
      withCredentials,
      options.fetch,
      options.EventSource,
      options.lastEventIdParam,
    ]),
    url,
    // The options hold the settings; the connection reads only those.
    settings: options,
    connect(environment) {
      const transport = eventSourceTransport(options);
      const connection = new Connection({ ...options, ...environment, transport });
      transportOf.set(connection, transport);
      return connection;
    },
    join(connection) {
      // The stream's session listens to each event once, however many users ask for it.
      transportOf.get(connection)?.listen(events);
      connection.connect();
    },
  };
}

/**
 * Where the stream of a connection an event-stream endpoint made stands: the id its next session
 * resumes from (`""` for none); undefined for any other connection.
 */
export function streamPosition(connection: Connection): string | undefined {
  return transportOf.get(connection)?.lastEventId;
}

function headersKey(headers: EventStreamEndpointOptions["headers"]): unknown {
  if (headers === undefined) return null;
  // A headers function is a way of computing headers (a token getter), written anew by every
  // component that passes one inline: keying it by identity would give each its own connection.
  // Equal endpoints with headers functions share a connection and call the first one's.
  if (typeof headers === "function") return "computed";
  const entries =
    headers instanceof Headers
      ? [...headers]
      : Array.isArray(headers)
        ? headers
        : Object.entries(headers);
  return JSON.stringify(entries.map(([name, value]) => [name.toLowerCase(), value]).sort());
}
