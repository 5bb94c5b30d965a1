// The PresenceStore contract (packages/server/src/presenceStore.ts), run unchanged against every
// store: the memory broker's and the Redis broker's.
import type { PresenceChange, PresenceMember, PresenceStore } from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";

export interface PresenceHarness {
  /** A store over storage that no other test sees; let go of when the test ends. */
  create(): Promise<PresenceStore>;
  /** A second store over the same storage, as another server instance would have. */
  peer(store: PresenceStore): Promise<PresenceStore>;
}

// Watchers of a distributed store hear changes after a network hop: wait on what they heard,
// with a ceiling generous enough for a loaded machine.
const UNTIL = { interval: 5 };

type Heard = { state: PresenceMember[] } | PresenceChange;

/** Watches `channel`; `members()` is the watcher's view, built from what it heard. */
export function watchOf(store: PresenceStore, channel: string) {
  const heard: Heard[] = [];
  const stop = store.watch(channel, {
    state: (members) => heard.push({ state: [...members] }),
    change: (change) => heard.push(change),
  });
  const members = () => {
    const view = new Map<string, PresenceMember>();
    for (const event of heard) {
      if ("state" in event) {
        view.clear();
        for (const member of event.state) view.set(member.id, member);
      } else if (event.type === "join") view.set(event.member.id, event.member);
      else view.delete(event.id);
    }
    return [...view.values()].sort((a, b) => a.id.localeCompare(b.id));
  };
  return { heard, stop, members };
}

const member = (id: string, data: unknown = id): PresenceMember => ({ id, data });

export function describePresenceContract(name: string, harness: PresenceHarness): void {
  describe(`${name}: the PresenceStore contract`, () => {
    it("gives a watcher the members first, holding every enter that resolved before it", async () => {
      const store = await harness.create();
      await store.enter("room", member("a"), "h1");
      await store.enter("room", { id: "b", data: { nick: "bee" }, user: "u-b" }, "h2");
      await store.enter("elsewhere", member("c"), "h3");
      const watcher = watchOf(store, "room");
      await vi.waitFor(() => expect(watcher.heard).toHaveLength(1), UNTIL);
      expect(watcher.members()).toEqual([
        member("a"),
        { id: "b", data: { nick: "bee" }, user: "u-b" },
      ]);
    });

    it("tells every watcher, on every instance, each change in order: joins, data changes, leaves", async () => {
      const store = await harness.create();
      const peer = await harness.peer(store);
      const here = watchOf(store, "room");
      const there = watchOf(peer, "room");
      await vi.waitFor(
        () => expect([here.heard.length, there.heard.length]).toEqual([1, 1]),
        UNTIL,
      );
      await store.enter("room", member("a"), "h1");
      await peer.enter("room", member("b"), "h2");
      await store.enter("room", member("a", "changed"), "h1");
      await peer.leave("room", "b", "h2");
      const expected: PresenceChange[] = [
        { type: "join", channel: "room", member: member("a") },
        { type: "join", channel: "room", member: member("b") },
        { type: "join", channel: "room", member: member("a", "changed") },
        { type: "leave", channel: "room", id: "b" },
      ];
      for (const watcher of [here, there]) {
        await vi.waitFor(() => expect(watcher.heard.slice(1)).toEqual(expected), UNTIL);
      }
    });

    it("tells nobody of an enter that changes only the holder, and ignores the leave of a former holder", async () => {
      const store = await harness.create();
      const peer = await harness.peer(store);
      const watcher = watchOf(store, "room");
      await vi.waitFor(() => expect(watcher.heard).toHaveLength(1), UNTIL);
      await store.enter("room", member("a"), "first");
      // A reconnect, to another instance: the same member, held anew.
      await peer.enter("room", member("a"), "second");
      await store.leave("room", "a", "first");
      await peer.enter("room", member("z"), "marker");
      await vi.waitFor(() => expect(watcher.members().map((m) => m.id)).toEqual(["a", "z"]), UNTIL);
      expect(watcher.heard.slice(1)).toEqual([
        { type: "join", channel: "room", member: member("a") },
        { type: "join", channel: "room", member: member("z") },
      ]);
      await peer.leave("room", "a", "second");
      await vi.waitFor(() => expect(watcher.members().map((m) => m.id)).toEqual(["z"]), UNTIL);
    });

    it("stops telling a watcher that stopped, and keeps telling the others", async () => {
      const store = await harness.create();
      const stopped = watchOf(store, "room");
      const going = watchOf(store, "room");
      await vi.waitFor(
        () => expect([stopped.heard.length, going.heard.length]).toEqual([1, 1]),
        UNTIL,
      );
      stopped.stop();
      await store.enter("room", member("a"), "h");
      await vi.waitFor(() => expect(going.members()).toEqual([member("a")]), UNTIL);
      expect(stopped.heard).toHaveLength(1);
    });
  });
}
