import type { PresenceStore } from "./presenceStore.js";

/** One message as the broker stored it. */
export interface BrokerMessage {
  readonly channel: string;
  /**
   * The channel's id for it: the decimal string of a non-negative integer, strictly increasing
   * within the channel (PROTOCOL.md section 3).
   */
  readonly id: string;
  /**
   * A position in the broker's whole stream, strictly increasing across every channel. Server-Sent
   * Events carry one `Last-Event-ID` for a stream of many channels (PROTOCOL.md section 9), so
   * they are resumed from this number rather than from per-channel ids.
   */
  readonly seq: number;
  /** Any JSON value, or bytes (`Uint8Array`). */
  readonly data: unknown;
}

/** What a replay found. */
export interface ReplayResult {
  /** The retained messages after the resume point, oldest first. */
  readonly messages: readonly BrokerMessage[];
  /**
   * Whether `messages` holds every message after the resume point. `false` when the history no
   * longer reaches back that far, or the resume point is one this broker never gave out: there is
   * a gap, and the client must refetch.
   */
  readonly complete: boolean;
}

/**
 * What a live subscriber missed, told to it by `onGap` (see `Broker.subscribe`). Nothing between
 * the last message it heard and `position` will reach it: the broker lost them (Redis trimmed
 * them from a channel's history while the broker could not hear, or lost its data).
 */
export interface BrokerGap {
  readonly channel: string;
  /**
   * Where the subscriber stands now, as `position(channel)` would say: the messages it hears
   * next have greater ids. Every message up to it was published before the gap was reported, so
   * a client that refetches once told (PROTOCOL.md section 3, `recovered: false`) sees them.
   */
  readonly position: string;
  /**
   * The same point in the whole stream: every message of `channel` heard next has a greater
   * `seq`, and every message up to it was published before the gap was reported. Server-Sent
   * Events move their `Last-Event-ID` here (PROTOCOL.md section 9).
   */
  readonly streamPosition: number;
}

/** How a subscription wants to hear what is not a message. */
export interface SubscribeOptions {
  /**
   * Called, in order with the messages, when the broker learns that the subscription missed
   * some: the messages heard after it follow `gap.position`, not the message heard before it. A
   * broker that cannot lose messages while a subscription lives (the memory broker) never calls
   * it. Without it, a gap passes unseen.
   * @default undefined
   */
  onGap?: (gap: BrokerGap) => void;
}

/**
 * Where messages live: ids, fan-out and history. The channel server and the event-stream handler
 * only talk to this interface, so a Redis or NATS broker plugs in for several server processes.
 *
 * Listeners are called in publish order within a channel, and a listener added by `subscribe`
 * before a `replay` starts hears every message the replay does not return — or is told, by its
 * `onGap`, where it lost track. Every listener of a channel should be handed the same message
 * object, one listener after the other, and nobody may change it afterwards: the servers encode
 * a message once for all their subscribers by remembering the last object they encoded.
 *
 * Ids and seqs are never given out twice, not even by a broker that lost its data and started
 * over: a client resuming from an id the broker cannot vouch for gets `complete: false`, never a
 * replay from the wrong place.
 */
export interface Broker {
  /** Stores `data` on `channel` and fans it out; resolves with the ids the broker gave it. */
  publish(channel: string, data: unknown): Promise<{ id: string; seq: number }>;
  /**
   * Calls `listener` with every message published on `channel` from now on — or, when the broker
   * lost some of them (its store dropped them before this process heard them), calls
   * `options.onGap` first and goes on after the gap. Never skips silently for a caller that
   * listens to gaps.
   */
  subscribe(
    channel: string,
    listener: (message: BrokerMessage) => void,
    options?: SubscribeOptions,
  ): () => void;
  /** The retained messages of `channel` with an id greater than `afterId`. */
  replay(channel: string, afterId: string): Promise<ReplayResult>;
  /** The retained messages of any of `channels` with a `seq` greater than `afterSeq`, in `seq` order. */
  replayStream(channels: readonly string[], afterSeq: number): Promise<ReplayResult>;
  /**
   * Where a new subscriber of `channel` stands: the id of its newest message, or, when it has
   * none, the point its first message will follow. `replay(channel, position)` is complete until
   * the history moves past it, so a client that stores this can resume a quiet channel too.
   */
  position(channel: string): Promise<string>;
  /** The same for the whole stream: the newest `seq`, or the point the first will follow. */
  streamPosition(): Promise<number>;
  /**
   * Presence for the servers sharing this broker (PROTOCOL.md section 11): they are exactly the
   * servers that must agree on who is present, so the broker offers the store, on its own
   * connections. A broker without one leaves each channel server a store of its own.
   */
  readonly presence?: PresenceStore;
}

export { compareIds, isMessageId } from "@wirekit/core/protocol";
