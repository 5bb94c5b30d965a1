import { callEach } from "./callEach.js";
import type {
  PresenceChange,
  PresenceMember,
  PresenceStore,
  PresenceWatcher,
} from "./presenceStore.js";

interface Held {
  readonly member: PresenceMember;
  readonly holder: string;
}

interface ChannelPresence {
  readonly members: Map<string, Held>;
  readonly watchers: Set<PresenceWatcher>;
}

/**
 * Presence for one process: every channel's members in a map, watchers told synchronously inside
 * `enter` and `leave`, so none can miss a change and `state` never comes twice. Nothing expires:
 * a process that dies takes its members with it, and its clients enter again wherever they
 * reconnect. The memory broker carries one (`broker.presence`).
 */
export function createMemoryPresence(): PresenceStore {
  const channels = new Map<string, ChannelPresence>();
  const channelOf = (name: string): ChannelPresence => {
    let channel = channels.get(name);
    if (channel === undefined) {
      channel = { members: new Map(), watchers: new Set() };
      channels.set(name, channel);
    }
    return channel;
  };
  // A channel with nobody present and nobody watching costs nothing.
  const prune = (name: string, channel: ChannelPresence) => {
    if (channel.members.size === 0 && channel.watchers.size === 0) channels.delete(name);
  };
  const tell = (channel: ChannelPresence, change: PresenceChange) =>
    callEach(channel.watchers, (watcher) => watcher.change(change));

  return {
    async enter(name, member, holder) {
      const channel = channelOf(name);
      const before = channel.members.get(member.id)?.member;
      channel.members.set(member.id, { member, holder });
      if (before !== undefined && sameData(before, member)) return;
      tell(channel, { type: "join", channel: name, member });
    },

    async leave(name, id, holder) {
      const channel = channels.get(name);
      if (channel === undefined || channel.members.get(id)?.holder !== holder) return;
      channel.members.delete(id);
      tell(channel, { type: "leave", channel: name, id });
      prune(name, channel);
    },

    watch(name, watcher) {
      const channel = channelOf(name);
      channel.watchers.add(watcher);
      watcher.state([...channel.members.values()].map((held) => held.member));
      return () => {
        channel.watchers.delete(watcher);
        prune(name, channel);
      };
    },
  };
}

/** Whether an enter changes what watchers see: the data (as JSON) or the user. */
export function sameData(a: PresenceMember, b: PresenceMember): boolean {
  return a.user === b.user && JSON.stringify(a.data) === JSON.stringify(b.data);
}
