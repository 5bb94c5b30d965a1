import type { ChannelEvent, SubscribeOptions } from "./channelClient.js";
import type { ConnectionLease } from "./connectionManager.js";
import type { Endpoint } from "./endpoint.js";
import type { RealtimeSource } from "./realtimeObserver.js";

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

/**
 * The messages of one channel of a shared connection; `resumeFrom` is where to resume when the
 * channel is first subscribed (an id stored earlier).
 *
 * @example
 * new RealtimeObserver(manager, { source: channelSubscription(webSocketChannels({ url }), "room:42") });
 */
export function channelSubscription(
  channels: ChannelSource,
  channel: string,
  resumeFrom?: string,
): RealtimeSource {
  return {
    key: JSON.stringify([channels.endpoint.key, channel]),
    open(manager, sink) {
      const lease = manager.acquire(channels.endpoint);
      const subscriber = channels.channelsOf(lease);
      const stop = subscriber.subscribe(
        channel,
        (event) => {
          if (event.type === "message") {
            sink.message(event.data, { id: event.id, event: event.channel });
          } else if (event.type === "subscribed") {
            const { recovered, position } = event;
            sink.subscribed({ recovered, position }, subscriber.lastId(channel));
          } else sink.error(event.error);
        },
        resumeFrom === undefined ? {} : { resumeFrom },
      );
      const publish = subscriber.publish;
      return {
        lease,
        ...(publish === undefined
          ? {}
          : { publish: (data: unknown) => publish.call(subscriber, channel, data) }),
        close() {
          stop();
          lease.release();
        },
      };
    },
  };
}
