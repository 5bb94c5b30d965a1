import type { ChannelSource } from "./channelSource.js";
import type { RealtimeSource } from "./realtimeObserver.js";

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
        { resumeFrom },
      );
      // Only a channel that can send brings `publish`.
      const publish = subscriber.publish?.bind(subscriber, channel);
      return {
        lease,
        ...(publish && { publish }),
        close() {
          stop();
          lease.release();
        },
      };
    },
  };
}
