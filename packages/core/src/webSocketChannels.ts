import { ChannelClient, type ChannelClientOptions } from "./channelClient.js";
import { jsonChannelProtocol } from "./channelProtocol.js";
import type { ChannelSource } from "./channelSource.js";
import type { ConnectionLease } from "./connectionManager.js";
import { type WebSocketEndpointOptions, webSocketEndpoint } from "./webSocketEndpoint.js";

/** Channels over a WebSocket: the channels of a lease are its connection's `ChannelClient`. */
export interface WebSocketChannelSource extends ChannelSource {
  channelsOf(lease: ConnectionLease): ChannelClient;
}

export interface WebSocketChannelsOptions
  extends WebSocketEndpointOptions,
    Omit<ChannelClientOptions, "clock"> {}

/**
 * Channels over one WebSocket, by PROTOCOL.md: everyone who shares the endpoint shares one
 * `ChannelClient`, so channel subscriptions are counted across all of them. Without
 * `protocols`, the socket offers the channel protocol's subprotocol (`wirekit.v1`), which servers
 * speaking PROTOCOL.md require. The client's options come from the first user.
 *
 * @example
 * const source = webSocketChannels({ url: "wss://example.com/realtime" });
 * const lease = manager.acquire(source.endpoint);
 * const channels = source.channelsOf(lease);
 * channels.subscribe("room:42", (event) => event.type === "message" && show(event.data));
 */
export function webSocketChannels(options: WebSocketChannelsOptions): WebSocketChannelSource {
  const subprotocol = (options.protocol ?? jsonChannelProtocol).subprotocol;
  const endpoint = webSocketEndpoint(
    options.protocols === undefined && subprotocol !== undefined
      ? { ...options, protocols: [subprotocol] }
      : options,
  );
  return {
    endpoint,
    channelsOf: (lease) =>
      lease.attachment(
        ChannelClient,
        // The client reads its own fields from the options.
        () => new ChannelClient(lease.connection, options),
      ),
  };
}
