import { callEach } from "./callEach.js";
import type {
  PresenceChange,
  PresenceMember,
  PresenceStore,
  PresenceWatcher,
} from "./presenceStore.js";
import { ENTER, LEAVE, MEMBERS, REFRESH } from "./redisPresenceScripts.js";
import { listOf } from "./redisRecords.js";
import type { RedisScript } from "./redisScripts.js";

/** What the presence store needs of the Redis broker's two connections. */
export interface RedisLink {
  /** Runs a script on the command connection; `idempotent` ones are sent again after a drop. */
  run(script: RedisScript, keys: string[], args: string[], idempotent: boolean): Promise<unknown>;
  /** Subscribes the pub/sub connection to `name`. */
  listen(name: string, onNote: (note: string) => void): Promise<void>;
  unlisten(name: string, onNote: (note: string) => void): Promise<void>;
  /** A failure nobody awaits; what failed is tried again on the next tick or reconnection. */
  report(error: unknown): void;
}

/** The Redis store, with what the broker calls on its connections' events. */
export interface RedisPresence extends PresenceStore {
  /** Pub/sub may have lost notes (it reconnected): every watcher reads the members again. */
  resync(): void;
  /** Stops refreshing and watching; members held here expire after the TTL. */
  close(): void;
}

interface Watching {
  readonly watcher: PresenceWatcher;
  /** The version the watcher stands at; undefined while its members are being read. */
  version: number | undefined;
  /** Counts reads, so an older one that answers late is ignored. */
  reads: number;
  /** Notes that arrived while the members were being read. */
  readonly held: Array<{ readonly version: number; readonly change: PresenceChange }>;
  stopped: boolean;
}

interface Feed {
  readonly watching: Set<Watching>;
  readonly onNote: (note: string) => void;
  /** Settles once pub/sub carries the channel's notes; made again after it failed. */
  listening: Promise<void>;
  failed: boolean;
}

// Notes held for a watcher whose members are being read; past this, it reads them again anyway.
const MAX_HELD_NOTES = 1000;

/**
 * Presence for every instance on one Redis (PROTOCOL.md section 11): members in a hash per
 * channel, each under a time to live that the instance holding its connection refreshes every
 * third of it, changes announced on pub/sub with a version per channel. A watcher reads the
 * members once pub/sub carries the channel, then follows the notes after that version; a version
 * that does not follow on means notes were lost, and it reads the members again (`state` once
 * more). An instance that dies stops refreshing, and its members leave, announced by whichever
 * instance sweeps first; members of live connections that Redis lost come back on the next
 * refresh.
 */
export function createRedisPresence(
  link: RedisLink,
  options: { prefix: string; ttl: number },
): RedisPresence {
  const { prefix, ttl } = options;
  // The members' key is also the pub/sub channel of their changes.
  const nameOf = (channel: string) => `${prefix}presence:${channel}`;
  const keysOf = (channel: string) => [
    nameOf(channel),
    `${prefix}presence-expiry:${channel}`,
    `${prefix}presence-version:${channel}`,
  ];
  // What this instance holds, refreshed on every tick: channel → member id → holder and JSON.
  const held = new Map<string, Map<string, { holder: string; json: string }>>();
  const feeds = new Map<string, Feed>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const tick = () => {
    for (const channel of new Set([...held.keys(), ...feeds.keys()])) {
      const mine = held.get(channel) ?? new Map();
      const args = [String(ttl)];
      for (const [id, { holder, json }] of mine) args.push(id, holder, json);
      link.run(REFRESH, keysOf(channel), args, true).then((taken) => {
        for (const id of Array.isArray(taken) ? taken : []) held.get(channel)?.delete(String(id));
      }, link.report);
    }
  };
  // Refreshes and sweeps only while the instance has members or watchers.
  const schedule = () => {
    const busy = held.size > 0 || feeds.size > 0;
    if (busy && timer === undefined && !closed) {
      timer = setInterval(tick, ttl / 3);
      // Presence must not keep a process that is shutting down alive.
      timer.unref();
    } else if (!busy && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const read = async (channel: string, watching: Watching) => {
    const feed = feeds.get(channel);
    if (feed === undefined) return;
    const read = ++watching.reads;
    await feed.listening;
    const [version, ...records] = listOf(
      await link.run(MEMBERS, keysOf(channel), [String(ttl)], true),
    );
    if (watching.stopped || read !== watching.reads) return;
    const members = records.map((record) => JSON.parse(String(record)) as PresenceMember);
    watching.version = Number(version);
    watching.watcher.state(members);
    for (const note of watching.held.splice(0)) follow(channel, watching, note);
  };

  const reread = (channel: string, watching: Watching) => {
    watching.version = undefined;
    watching.held.length = 0;
    read(channel, watching).catch((error) => {
      // Read again on the next reconnection of either connection.
      link.report(error);
    });
  };

  const follow = (
    channel: string,
    watching: Watching,
    note: { readonly version: number; readonly change: PresenceChange },
  ) => {
    if (watching.stopped) return;
    if (watching.version === undefined) {
      // Dropping notes is safe: the versions after the read will not follow on, and it reads again.
      if (watching.held.length < MAX_HELD_NOTES) watching.held.push(note);
    } else if (note.version <= watching.version) return;
    else if (note.version === watching.version + 1) {
      watching.version = note.version;
      watching.watcher.change(note.change);
    } else reread(channel, watching);
  };

  const feedOf = (channel: string): Feed => {
    let feed = feeds.get(channel);
    if (feed === undefined) {
      const watching = new Set<Watching>();
      const onNote = (text: string) => {
        const note = decodeNote(channel, text);
        // One change object for every watcher: the server encodes it once for them all.
        if (note !== undefined) callEach(watching, (each) => follow(channel, each, note));
      };
      feed = { watching, onNote, listening: Promise.resolve(), failed: false };
      feeds.set(channel, feed);
      listen(channel, feed);
      schedule();
    }
    return feed;
  };

  const listen = (channel: string, feed: Feed) => {
    feed.failed = false;
    feed.listening = link.listen(nameOf(channel), feed.onNote);
    feed.listening.catch(() => {
      feed.failed = true;
    });
  };

  return {
    async enter(channel, member, holder) {
      const json = JSON.stringify(member);
      await link.run(ENTER, keysOf(channel), [String(ttl), member.id, holder, json], false);
      let mine = held.get(channel);
      if (mine === undefined) {
        mine = new Map();
        held.set(channel, mine);
      }
      mine.set(member.id, { holder, json });
      schedule();
    },

    async leave(channel, id, holder) {
      const mine = held.get(channel);
      if (mine?.get(id)?.holder === holder) {
        mine.delete(id);
        if (mine.size === 0) held.delete(channel);
        schedule();
      }
      await link.run(LEAVE, keysOf(channel), [id, holder], true);
    },

    watch(channel, watcher) {
      const feed = feedOf(channel);
      const watching: Watching = {
        watcher,
        version: undefined,
        reads: 0,
        held: [],
        stopped: false,
      };
      feed.watching.add(watching);
      reread(channel, watching);
      return () => {
        watching.stopped = true;
        feed.watching.delete(watching);
        if (feed.watching.size > 0 || feeds.get(channel) !== feed) return;
        feeds.delete(channel);
        schedule();
        link.unlisten(nameOf(channel), feed.onNote).catch(link.report);
      };
    },

    resync() {
      for (const [channel, feed] of feeds) {
        if (feed.failed) listen(channel, feed);
        for (const watching of feed.watching) reread(channel, watching);
      }
    },

    close() {
      closed = true;
      clearInterval(timer);
      timer = undefined;
      for (const feed of feeds.values()) {
        for (const watching of feed.watching) watching.stopped = true;
      }
      feeds.clear();
      held.clear();
    },
  };
}

/** `<version>\n<J|L>\n<member JSON | id>`, as the scripts announce a change. */
function decodeNote(
  channel: string,
  text: string,
): { readonly version: number; readonly change: PresenceChange } | undefined {
  const [version, kind] = text.split("\n", 2);
  const payload = text.slice(`${version}\n${kind}\n`.length);
  if (kind === "J") {
    const member = JSON.parse(payload) as PresenceMember;
    return { version: Number(version), change: { type: "join", channel, member } };
  }
  if (kind === "L")
    return { version: Number(version), change: { type: "leave", channel, id: payload } };
  return undefined;
}
