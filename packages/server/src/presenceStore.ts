import type { PresenceMember } from "@wirekit/core/protocol";

export type { PresenceMember };

/** One change of a channel's members, handed to every watcher of the channel. */
export type PresenceChange =
  /** A member joined, or changed its data. */
  | { readonly type: "join"; readonly channel: string; readonly member: PresenceMember }
  | { readonly type: "leave"; readonly channel: string; readonly id: string };

/** What a watcher of a channel's presence hears, in order. */
export interface PresenceWatcher {
  /**
   * Every member of the channel now: first, and again whenever the store lost track of changes
   * (a Redis connection that dropped). It replaces whatever the watcher held.
   */
  state(members: readonly PresenceMember[]): void;
  /** A change after the last `state`, in the order changes happened. */
  change(change: PresenceChange): void;
}

/**
 * Where presence lives (PROTOCOL.md section 11): which members each channel has, shared by
 * every server that must agree on it. The channel server only talks to this interface; the
 * memory broker carries one for its process (`broker.presence`), the Redis broker one for every
 * instance on its Redis, and any store can be passed as `presence.store`.
 *
 * A member is held by a `holder`, the connection that entered it last: `leave` with another
 * holder does nothing, so the end of a connection that was replaced (a reconnect, perhaps to
 * another instance) never removes the member its successor holds. Every watcher of a channel
 * should be handed the same change object, one after the other, and nobody may change it: the
 * server encodes a change once for all its watchers by remembering the last one.
 */
export interface PresenceStore {
  /**
   * Makes `member` present in `channel`, held by `holder`, or changes its data and holder. An
   * enter that changes nothing but the holder (a reconnect) is told to nobody. Resolves once
   * the change is stored: a `watch` started after that sees it.
   */
  enter(channel: string, member: PresenceMember, holder: string): Promise<void>;
  /** Removes member `id` from `channel`, if `holder` still holds it. */
  leave(channel: string, id: string, holder: string): Promise<void>;
  /**
   * Tells `watcher` the members of `channel`: `state` first — holding every `enter` and `leave`
   * that resolved before this call — then each change, until the returned function is called.
   */
  watch(channel: string, watcher: PresenceWatcher): () => void;
}
