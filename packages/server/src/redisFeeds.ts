import { compareIds } from "@wirekit/core/protocol";
import type { BrokerGap, BrokerMessage, SubscribeOptions } from "./broker.js";
import { callEach } from "./callEach.js";
import { decodeNote, type StoredMessage, toBrokerMessage } from "./redisRecords.js";

/** What the feeds need of Redis; the broker provides it over its two connections. */
export interface FeedSource {
  /** The channel's position (`Broker.position`). */
  position(channel: string): Promise<string>;
  /**
   * The channel's stored messages with an id greater than `afterId`, oldest first, and where the
   * channel stands, read together in one step.
   */
  readAfter(channel: string, afterId: string): Promise<StoredTail>;
  /** Subscribes the broker's pub/sub connection to the channel's announcements. */
  subscribe(channel: string, onNote: (note: string) => void): Promise<void>;
  unsubscribe(channel: string, onNote: (note: string) => void): Promise<void>;
  /** Each message announced, before it is checked. */
  saw(message: StoredMessage): void;
  /**
   * A failure nobody awaits (a catch-up after a reconnection); it is tried again on the next
   * reconnection or announcement on the channel.
   */
  report(error: unknown): void;
}

/** What `readAfter` found. */
export interface StoredTail {
  readonly messages: readonly StoredMessage[];
  /** The channel's position (`Broker.position`) when they were read. */
  readonly position: string;
  /** The seq of the message at `position`, or the stream's seq when there is none. */
  readonly positionSeq: number;
}

export interface Feeds {
  /** Adds a listener to the channel's feed, attaching the feed on the first one. */
  listen(
    channel: string,
    listener: (message: BrokerMessage) => void,
    options?: SubscribeOptions,
  ): () => void;
  /**
   * Settles once the channel's feed, if it has one, is attached and caught up: a replay read
   * after this misses nothing that the feed's listeners will not hear.
   */
  attached(channel: string): Promise<void>;
  /** After a reconnection: reads every feed's channel again from the last message it delivered. */
  catchUpAll(): void;
  clear(): void;
}

interface Listener {
  readonly message: (message: BrokerMessage) => void;
  readonly gap: ((gap: BrokerGap) => void) | undefined;
}

interface Feed {
  readonly channel: string;
  readonly listeners: Set<Listener>;
  readonly onNote: (note: string) => void;
  /** The id of the last message handed to the listeners: where the chain continues. */
  lastId: string | undefined;
  subscribed: boolean;
  /** Pub/sub may have missed messages: read the stream from `lastId`. */
  behind: boolean;
  /** Set while the loop in `attach` runs; announcements then wait in `held`. */
  attaching: boolean;
  readonly held: StoredMessage[];
  /** The latest run of that loop, for callers that wait on it. */
  running: Promise<void> | undefined;
}

/**
 * Live fan-out for the Redis broker: one pub/sub subscription per channel that has listeners in
 * this process, on the broker's one pub/sub connection. Pub/sub forgets whatever a dropped
 * connection missed; the stream does not. So each feed delivers a chain: a message is handed on
 * only when its `prev` is the id delivered last, and a missing link — after a reconnection, or
 * noticed on the next announcement — is read back from the stream. Listeners hear each channel
 * in id order, without loss or duplicates, for as long as the history reaches back; when it no
 * longer does (trimmed while this process could not hear, or lost with Redis's data), the
 * stream says so — its first entry does not follow the id delivered last, or the channel stands
 * elsewhere with nothing after it — and listeners are told of the gap before they hear on.
 */
export function createFeeds(source: FeedSource): Feeds {
  const feeds = new Map<string, Feed>();
  const current = (feed: Feed) => feeds.get(feed.channel) === feed;

  const deliver = (feed: Feed, message: StoredMessage) => {
    if (feed.lastId !== undefined && compareIds(message.id, feed.lastId) <= 0) return;
    feed.lastId = message.id;
    const out = toBrokerMessage(message);
    callEach(feed.listeners, (listener) => listener.message(out));
  };

  // Only what was read from the stream proves a gap: a note that does not follow on may just
  // have overtaken one that pub/sub lost, which the stream still holds.
  const skipTo = (feed: Feed, position: string, streamPosition: number) => {
    feed.lastId = position;
    const gap: BrokerGap = { channel: feed.channel, position, streamPosition };
    callEach(feed.listeners, (listener) => listener.gap?.(gap));
  };

  /** Delivers what the stream holds after `lastId`, telling listeners of any link it lacks. */
  const follow = (feed: Feed, tail: StoredTail) => {
    for (const message of tail.messages) {
      if (feed.lastId !== undefined && compareIds(message.id, feed.lastId) <= 0) continue;
      if (message.prev !== feed.lastId) skipTo(feed, message.prev, message.prevSeq);
      deliver(feed, message);
    }
    if (feed.lastId === undefined || compareIds(tail.position, feed.lastId) > 0) {
      skipTo(feed, tail.position, tail.positionSeq);
    }
  };

  /** Delivers the held announcements that continue the chain; a broken link means read again. */
  const flushHeld = (feed: Feed) => {
    const held = feed.held.splice(0);
    for (const [i, message] of held.entries()) {
      if (feed.lastId !== undefined && compareIds(message.id, feed.lastId) <= 0) continue;
      if (message.prev !== feed.lastId) {
        feed.held.push(...held.slice(i));
        feed.behind = true;
        return;
      }
      deliver(feed, message);
    }
  };

  const receive = (feed: Feed, message: StoredMessage) => {
    if (!current(feed)) return;
    if (feed.attaching || feed.lastId === undefined) {
      feed.held.push(message);
    } else if (compareIds(message.id, feed.lastId) <= 0) {
      // Already read from the stream during a catch-up.
    } else if (message.prev === feed.lastId) {
      deliver(feed, message);
    } else {
      feed.held.push(message);
      feed.behind = true;
      run(feed).catch(source.report);
    }
  };

  const attach = async (feed: Feed) => {
    feed.attaching = true;
    try {
      while (current(feed)) {
        if (feed.lastId === undefined) {
          // The chain starts at the position read before subscribing: what is published after
          // it arrives by pub/sub, or, if it came before the subscription, from the stream.
          feed.lastId = await source.position(feed.channel);
        } else if (!feed.subscribed) {
          await source.subscribe(feed.channel, feed.onNote);
          feed.subscribed = true;
          feed.behind = true;
        } else if (feed.behind) {
          feed.behind = false;
          const tail = await source.readAfter(feed.channel, feed.lastId).catch((error) => {
            // Still behind: the next reconnection or announcement on the channel tries again.
            feed.behind = true;
            throw error;
          });
          follow(feed, tail);
          // What arrived meanwhile is newer than what was read, or already delivered; a note
          // that does not follow on means pub/sub lost one again, and the loop reads again.
          flushHeld(feed);
        } else {
          return;
        }
      }
    } finally {
      feed.attaching = false;
      // The last listener may have left while the subscription was being made.
      release(feed);
    }
  };

  // `attaching` is set and cleared synchronously by the loop itself, so a request that finds it
  // false knows the loop has made its last check and starts another.
  const run = (feed: Feed): Promise<void> => {
    if (!feed.attaching || feed.running === undefined) feed.running = attach(feed);
    return feed.running;
  };

  const release = (feed: Feed) => {
    if (current(feed) || feed.attaching || !feed.subscribed) return;
    feed.subscribed = false;
    source.unsubscribe(feed.channel, feed.onNote).catch(source.report);
  };

  return {
    listen(channel, listener, options = {}) {
      let feed = feeds.get(channel);
      if (feed === undefined) {
        const created: Feed = {
          channel,
          listeners: new Set(),
          onNote: (note) => {
            const message = decodeNote(channel, note);
            source.saw(message);
            receive(created, message);
          },
          lastId: undefined,
          subscribed: false,
          behind: false,
          attaching: false,
          held: [],
          running: undefined,
        };
        feed = created;
        feeds.set(channel, feed);
        run(feed).catch(source.report);
      }
      const subscribed = feed;
      // A distinct object, so the same function subscribed twice is two subscriptions.
      const entry: Listener = { message: listener, gap: options.onGap };
      subscribed.listeners.add(entry);
      return () => {
        subscribed.listeners.delete(entry);
        if (subscribed.listeners.size > 0 || !current(subscribed)) return;
        feeds.delete(channel);
        release(subscribed);
      };
    },

    attached(channel) {
      const feed = feeds.get(channel);
      return feed === undefined ? Promise.resolve() : run(feed);
    },

    catchUpAll() {
      for (const feed of feeds.values()) {
        feed.behind = true;
        run(feed).catch(source.report);
      }
    },

    clear() {
      feeds.clear();
    },
  };
}
