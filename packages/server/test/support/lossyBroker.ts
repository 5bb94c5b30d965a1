// A memory broker whose live subscribers can be made to miss messages, as a Redis broker's do
// when its pub/sub connection is cut for longer than the history reaches: the messages are
// stored, the subscribers do not hear them, and then they are told of the gap, with the position
// the Redis broker would give (the last message lost). Or to hear a channel late, after other
// channels' newer messages, as when a Redis broker catches its channels up one by one.
import {
  type Broker,
  type BrokerGap,
  type BrokerMessage,
  createMemoryBroker,
  type SubscribeOptions,
} from "@wirekit/server";

interface Subscriber {
  readonly channel: string;
  readonly listener: (message: BrokerMessage) => void;
  readonly options: SubscribeOptions;
}

export interface LossyBroker {
  readonly broker: Broker;
  /** Publishes `data` on `channel` unheard by every subscriber, then tells them of the gap. */
  lose(channel: string, data: readonly unknown[]): Promise<BrokerGap>;
  /** Holds `channel`'s messages back from its subscribers until the returned function is called. */
  hold(channel: string): () => void;
}

export function createLossyBroker(): LossyBroker {
  const inner = createMemoryBroker({ epoch: 0 });
  const subscribers = new Set<Subscriber>();
  let losing = false;
  const held = new Map<string, Array<() => void>>();

  const broker: Broker = {
    publish: (channel, data) => inner.publish(channel, data),
    replay: (channel, afterId) => inner.replay(channel, afterId),
    replayStream: (channels, afterSeq) => inner.replayStream(channels, afterSeq),
    position: (channel) => inner.position(channel),
    streamPosition: () => inner.streamPosition(),
    subscribe(channel, listener, options = {}) {
      const subscriber = { channel, listener, options };
      subscribers.add(subscriber);
      const stop = inner.subscribe(channel, (message) => {
        if (losing) return;
        const late = held.get(channel);
        if (late === undefined) listener(message);
        else late.push(() => listener(message));
      });
      return () => {
        subscribers.delete(subscriber);
        stop();
      };
    },
  };

  return {
    broker,
    async lose(channel, data) {
      losing = true;
      let last = { id: await inner.position(channel), seq: await inner.streamPosition() };
      try {
        for (const value of data) last = await inner.publish(channel, value);
      } finally {
        losing = false;
      }
      const gap: BrokerGap = { channel, position: last.id, streamPosition: last.seq };
      for (const subscriber of [...subscribers]) {
        if (subscriber.channel === channel) subscriber.options.onGap?.(gap);
      }
      return gap;
    },
    hold(channel) {
      const late: Array<() => void> = [];
      held.set(channel, late);
      return () => {
        held.delete(channel);
        for (const hear of late) hear();
      };
    },
  };
}
