import { createHash, randomBytes } from "node:crypto";
import type { ChannelErrorCode, PresenceMember, ServerFrame } from "./channelFrames.js";
import type { PresenceChange, PresenceStore } from "./presenceStore.js";

/** What one connection's presence needs of it and of the server. */
export interface PresenceSettings {
  readonly store: PresenceStore;
  /** Milliseconds a member outlives its connection, so a reconnect does not flicker. */
  readonly grace: number;
  /** The largest `data`, in bytes of JSON. */
  readonly maxDataSize: number;
  /** Channels the connection may be present in at once. */
  readonly maxChannels: number;
  /** The connection, as the store knows it: unique across every server sharing the store. */
  readonly holder: string;
  /** The connection's user now, if it has one (an `auth` frame may set it after the upgrade). */
  readonly user: () => string | undefined;
  /** Whether the connection may be present in `channel`; unset, it may be present in any. */
  readonly mayEnter: ((channel: string) => Promise<boolean> | boolean) | undefined;
  /** Sends the connection a frame of its own (`presence`, `error`). */
  readonly send: (frame: ServerFrame) => void;
  /** Writes a whole WebSocket frame to the connection: one shared by every watcher. */
  readonly write: (frame: Buffer) => void;
  /** The WebSocket frame of a change, encoded once for every watcher. */
  readonly diffFrame: (change: PresenceChange) => Buffer;
}

/** The channels one connection is present in (PROTOCOL.md section 11). */
export interface ChannelPresence {
  /** Enters `channel` with `data`, or changes its data; answers errors with frames. */
  enter(channel: string, data: unknown, key: string | undefined): void;
  /** Leaves `channel` now. */
  leave(channel: string): void;
  /** The connection ended: its members leave once the grace has passed. */
  close(): void;
}

interface Membership {
  /** The member's id once entered. */
  id: string | undefined;
  unwatch: (() => void) | undefined;
  /** The channel's operations, one after the other: an enter is stored before the next begins. */
  queue: Promise<void>;
}

/**
 * The member id for a user and a client's key (PROTOCOL.md section 11): one-way, so an id read
 * from the list cannot be claimed without its key, and the same on every server instance.
 */
export function presenceMemberId(user: string | undefined, key: string): string {
  return createHash("sha256")
    .update(JSON.stringify([user ?? null, key]))
    .digest("base64url")
    .slice(0, 22);
}

export function createChannelPresence(settings: PresenceSettings): ChannelPresence {
  const { store, grace, maxDataSize, maxChannels, holder, user, mayEnter } = settings;
  const { send, write, diffFrame } = settings;
  const memberships = new Map<string, Membership>();
  // A channel's operations still running after its membership left: the next enter waits for them.
  const leaving = new Map<string, Promise<void>>();
  // Without a key, one id for the connection's members: a reconnect is a new member.
  const ownId = randomBytes(16).toString("base64url").slice(0, 22);
  let closed = false;

  const refuse = (code: ChannelErrorCode, reason: string, frame: string, channel: string) =>
    send({ type: "error", code, reason, frame, channel });

  /** Runs `operation` after the channel's earlier ones; a failing store is the client's answer. */
  const serially = (
    channel: string,
    membership: Membership,
    frame: string,
    operation: () => Promise<void>,
  ) => {
    membership.queue = membership.queue.then(operation).catch(() => {
      refuse("internal", "the presence store failed; try again later", frame, channel);
    });
  };

  const stopWatching = (membership: Membership) => {
    membership.unwatch?.();
    membership.unwatch = undefined;
  };

  const watch = (channel: string, membership: Membership, self: string) => {
    let watching = true;
    const unwatch = store.watch(channel, {
      state: (members) => {
        if (watching) send({ type: "presence", channel, members: [...members], self });
      },
      change: (change) => {
        if (watching) write(diffFrame(change));
      },
    });
    membership.unwatch = () => {
      watching = false;
      unwatch();
    };
  };

  const enter = async (channel: string, membership: Membership, data: unknown, key?: string) => {
    if (mayEnter !== undefined && !(await mayEnter(channel))) {
      refuse("forbidden", "you may not be present in this channel", "presence-enter", channel);
      // Only this membership: the client may have left and entered again meanwhile.
      if (membership.id === undefined && memberships.get(channel) === membership) {
        memberships.delete(channel);
      }
      return;
    }
    if (closed || memberships.get(channel) !== membership) return;
    const who = user();
    const id = key === undefined ? ownId : presenceMemberId(who, key);
    if (membership.id !== undefined && membership.id !== id) {
      // A new key is a new participant: the old one leaves, the new one enters.
      stopWatching(membership);
      await store.leave(channel, membership.id, holder);
    }
    const member: PresenceMember = who === undefined ? { id, data } : { id, data, user: who };
    membership.id = id;
    await store.enter(channel, member, holder);
    if (closed || memberships.get(channel) !== membership) return;
    if (membership.unwatch === undefined) watch(channel, membership, id);
  };

  return {
    enter(channel, data, key) {
      if (closed) return;
      const size = Buffer.byteLength(JSON.stringify(data ?? null));
      if (size > maxDataSize) {
        refuse(
          "too-large",
          `presence data may be at most ${maxDataSize} bytes of JSON`,
          "presence-enter",
          channel,
        );
        return;
      }
      let membership = memberships.get(channel);
      if (membership === undefined) {
        if (memberships.size >= maxChannels) {
          refuse(
            "too-many",
            `a connection may be present in at most ${maxChannels} channels`,
            "presence-enter",
            channel,
          );
          return;
        }
        const queue = leaving.get(channel) ?? Promise.resolve();
        membership = { id: undefined, unwatch: undefined, queue };
        memberships.set(channel, membership);
      }
      const held = membership;
      serially(channel, held, "presence-enter", () => enter(channel, held, data ?? null, key));
    },

    leave(channel) {
      const membership = memberships.get(channel);
      if (membership === undefined || closed) return;
      memberships.delete(channel);
      stopWatching(membership);
      serially(channel, membership, "presence-leave", async () => {
        stopWatching(membership);
        if (membership.id !== undefined) await store.leave(channel, membership.id, holder);
      });
      const tail = membership.queue;
      leaving.set(channel, tail);
      void tail.then(() => {
        if (leaving.get(channel) === tail) leaving.delete(channel);
      });
    },

    close() {
      if (closed) return;
      closed = true;
      for (const [channel, membership] of memberships) {
        stopWatching(membership);
        // The grace starts once whatever the connection asked for is stored.
        void membership.queue.then(() => {
          const id = membership.id;
          if (id === undefined) return;
          const timer = setTimeout(() => {
            store.leave(channel, id, holder).catch(() => {
              // The store's own expiry removes the member when it cannot be told.
            });
          }, grace);
          // A pending leave must not keep a process that is shutting down alive.
          timer.unref();
        });
      }
      memberships.clear();
    },
  };
}
