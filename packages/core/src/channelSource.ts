import type { ChannelEvent, SubscribeOptions } from "./channelClient.js";
import type { ConnectionLease } from "./connectionManager.js";
import type { Endpoint } from "./endpoint.js";

/** The channels of one shared connection, whatever carries them. */
export interface ChannelSubscriber {
  /** Listens to `channel`; the first listener subscribes on the wire, the last one leaves. */
  subscribe(
    channel: string,
    listener: (event: ChannelEvent) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** Where `channel` stands: the id a reconnect resumes from. */
  lastId(channel: string): string | undefined;
  /** Publishes with an ack, where the transport can send (WebSocket channels). */
  publish?(channel: string, data: unknown): Promise<{ id: string | undefined }>;
}

/**
 * Where channels come from: an endpoint, and how to find the channels every user of its
 * connection shares. `webSocketChannels` (PROTOCOL.md over WebSocket) and `eventStreamChannels`
 * (named events of one stream) make them; `<RealtimeProvider endpoint>` takes either.
 */
export interface ChannelSource {
  readonly endpoint: Endpoint;
  channelsOf(lease: ConnectionLease): ChannelSubscriber;
}
