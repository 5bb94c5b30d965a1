import { compareIds } from "@wirekit/core/protocol";
import type { Broker, BrokerGap, BrokerMessage } from "./broker.js";
import type { ServerFrame } from "./channelFrames.js";

/** What one connection's subscriptions need of it and of the server. */
export interface SubscriptionSettings {
  readonly broker: Broker;
  /** Channels the connection may be subscribed to at once. */
  readonly maxSubscriptions: number;
  /**
   * Whether the connection may subscribe to `channel` (`failed`: the check itself failed);
   * unset, it may subscribe to any.
   */
  readonly maySubscribe:
    | ((channel: string) => Promise<"allowed" | "forbidden" | "failed">)
    | undefined;
  /** Sends the connection a frame of its own (`subscribed`, `error`). */
  readonly send: (frame: ServerFrame) => void;
  /** Writes a whole WebSocket frame to the connection: one shared by every subscriber. */
  readonly write: (frame: Buffer) => void;
  /** The WebSocket frame of a `message` frame, encoded once for every subscriber. */
  readonly messageFrame: (message: BrokerMessage) => Buffer;
}

/** The channels one connection subscribes to. */
export interface ChannelSubscriptions {
  /** Subscribes to `channel` from `resume` (PROTOCOL.md section 2), replacing a subscription. */
  subscribe(channel: string, resume: string | undefined): Promise<void>;
  unsubscribe(channel: string): void;
  /** Ends every subscription, and any that was still being authorized: the connection closed. */
  close(): void;
}

interface Subscription {
  live: boolean;
  stopped: boolean;
  lastId: string | undefined;
  /** What the broker said while the replay ran, in order: messages and gaps. */
  readonly pending: Array<() => void>;
  unsubscribe(): void;
}

export function createChannelSubscriptions(settings: SubscriptionSettings): ChannelSubscriptions {
  const { broker, maxSubscriptions, maySubscribe, send, write, messageFrame } = settings;
  const subscriptions = new Map<string, Subscription>();
  let closed = false;

  const deliver = (subscription: Subscription, message: BrokerMessage) => {
    // PROTOCOL.md section 3: one channel's messages go out in id order, each once.
    if (subscription.lastId !== undefined && compareIds(message.id, subscription.lastId) <= 0) {
      return;
    }
    subscription.lastId = message.id;
    write(messageFrame(message));
  };

  // The broker lost messages this subscription should have heard. PROTOCOL.md section 2: a
  // `subscribed` with `recovered: false` may come at any time; the client moves to `position`
  // and refetches. A gap the replay already covered is no gap for this client.
  const skip = (subscription: Subscription, gap: BrokerGap) => {
    if (subscription.lastId !== undefined && compareIds(gap.position, subscription.lastId) <= 0) {
      return;
    }
    subscription.lastId = gap.position;
    send({ type: "subscribed", channel: gap.channel, recovered: false, position: gap.position });
  };

  const unsubscribe = (channel: string) => {
    const subscription = subscriptions.get(channel);
    if (subscription === undefined) return;
    subscription.stopped = true;
    subscription.unsubscribe();
    subscriptions.delete(channel);
  };

  const refuse = (code: "forbidden" | "internal" | "too-many", reason: string, channel: string) =>
    send({ type: "error", code, reason, frame: "subscribe", channel });

  const subscribe = async (channel: string, resume: string | undefined) => {
    unsubscribe(channel);
    if (subscriptions.size >= maxSubscriptions) {
      refuse(
        "too-many",
        `a connection may subscribe to at most ${maxSubscriptions} channels`,
        channel,
      );
      return;
    }
    const subscription: Subscription = {
      live: false,
      stopped: false,
      lastId: undefined,
      pending: [],
      unsubscribe: () => {},
    };
    // Held while `authorize` decides: an unsubscribe, or a later subscribe (the last wins),
    // stops it meanwhile, and the answer then goes nowhere.
    subscriptions.set(channel, subscription);
    const access = maySubscribe === undefined ? "allowed" : await maySubscribe(channel);
    if (closed || subscription.stopped) return;
    if (access !== "allowed") {
      subscriptions.delete(channel);
      if (access === "forbidden")
        refuse("forbidden", "you may not subscribe to this channel", channel);
      else refuse("internal", "authorization failed; subscribe again later", channel);
      return;
    }
    // Listen first, replay second: nothing published in between falls through the crack. Once
    // live, a message is delivered at once, with no closure per message and subscriber.
    subscription.unsubscribe = broker.subscribe(
      channel,
      (message) => {
        if (subscription.stopped) return;
        if (subscription.live) deliver(subscription, message);
        else subscription.pending.push(() => deliver(subscription, message));
      },
      {
        onGap: (gap) => {
          if (subscription.stopped) return;
          if (subscription.live) skip(subscription, gap);
          else subscription.pending.push(() => skip(subscription, gap));
        },
      },
    );
    try {
      const [replay, position] = await Promise.all([
        resume === undefined ? undefined : broker.replay(channel, resume),
        broker.position(channel),
      ]);
      if (subscription.stopped) return;
      // PROTOCOL.md section 3: `position` is where this subscription's delivery starts. A
      // complete replay starts at the client's resume point; a fresh subscription, or a gap,
      // starts at the broker's position — a client that stores it can resume even a channel
      // that never had a message.
      const recovered = replay?.complete ?? true;
      const start = replay?.complete === true ? (resume as string) : position;
      send({ type: "subscribed", channel, recovered, position: start });
      subscription.lastId = start;
      for (const message of replay?.complete === true ? replay.messages : []) {
        deliver(subscription, message);
      }
      for (const event of subscription.pending.splice(0)) event();
      subscription.live = true;
    } catch {
      unsubscribe(channel);
      refuse("internal", "the broker failed; subscribe again later", channel);
    }
  };

  return {
    subscribe,
    unsubscribe,
    close() {
      closed = true;
      for (const channel of [...subscriptions.keys()]) unsubscribe(channel);
    },
  };
}
