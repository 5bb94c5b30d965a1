import { Connection } from "./connection.js";
import { type ConnectionSettings, type Endpoint, wireKey } from "./endpoint.js";
import { type WebSocketTransportOptions, webSocketTransport } from "./webSocketTransport.js";

export interface WebSocketEndpointOptions extends ConnectionSettings, WebSocketTransportOptions {}

/**
 * A WebSocket endpoint: sockets to the same URL with the same subprotocols, binary type and
 * WebSocket class are one connection, however many users share it.
 *
 * @example
 * const lease = manager.acquire(
 *   webSocketEndpoint({ url: "wss://example.com/live", heartbeat: heartbeat() }),
 * );
 */
export function webSocketEndpoint(options: WebSocketEndpointOptions): Endpoint {
  const { url, protocols, binaryType, WebSocket } = options;
  return {
    // Missing members key as null, as JSON writes them.
    key: wireKey(["websocket", url, protocols, binaryType, WebSocket]),
    url,
    // The options hold the settings; the connection reads only those.
    settings: options,
    connect(environment) {
      return new Connection({ ...options, ...environment, transport: webSocketTransport(options) });
    },
  };
}
