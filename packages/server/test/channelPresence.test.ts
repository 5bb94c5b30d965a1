// Presence on the channel server (PROTOCOL.md section 11), over real sockets with raw `ws`
// clients, so every frame the server sends is seen as it is. Waits are on frames arriving;
// "nothing was sent" is proven by a later frame arriving first, never by waiting a while.
import {
  createMemoryBroker,
  createMemoryPresence,
  type PresenceStore,
  presenceMemberId,
} from "@wirekit/server";
import { describe, expect, it, vi } from "vitest";
import {
  closeOf,
  type JsonFrame,
  rawClient,
  roundTrip,
  startChannels,
  stillServes,
} from "./support/channels.js";

type Raw = Awaited<ReturnType<typeof rawClient>>;

// A ceiling for a loaded machine, not a deadline: the tests wait on frames arriving.
const UNTIL = { interval: 5 };

const enter = (client: Raw, channel: string, data: unknown, key?: string) =>
  client.socket.send(
    JSON.stringify({
      type: "presence-enter",
      channel,
      data,
      ...(key === undefined ? {} : { key }),
    }),
  );

/** The presence frames a client received, in order. */
const presenceOf = (client: Raw) =>
  client.frames.filter((frame) => String(frame["type"]).startsWith("presence"));

/** Waits for the client's `count`-th presence frame, and returns it. */
async function nth(client: Raw, count: number): Promise<JsonFrame> {
  await vi.waitFor(() => expect(presenceOf(client).length).toBeGreaterThanOrEqual(count), UNTIL);
  return presenceOf(client)[count - 1] as JsonFrame;
}

/** Waits for an error frame of `code`, and returns it. */
async function errorOf(client: Raw, code: string): Promise<JsonFrame> {
  let found: JsonFrame | undefined;
  await vi.waitFor(() => {
    found = client.frames.find((f) => f["type"] === "error" && f["code"] === code);
    expect(found).toBeDefined();
  }, UNTIL);
  return found as JsonFrame;
}

/**
 * Enters "room", leaves and enters again while the first enter is held up (`held` says once it
 * is), and returns once the server has read all three.
 */
async function enterLeaveEnter(client: Raw, held: () => boolean): Promise<void> {
  enter(client, "room", "ada", "tab");
  await vi.waitFor(() => expect(held()).toBe(true), UNTIL);
  client.socket.send(JSON.stringify({ type: "presence-leave", channel: "room" }));
  enter(client, "room", "ada", "tab");
  await roundTrip(client, "read");
}

/** A client present in "room" as "watcher", once it holds the room's first snapshot. */
async function watching(url: string): Promise<Raw> {
  const watcher = await rawClient(url);
  enter(watcher, "room", "watcher", "w");
  await nth(watcher, 1);
  return watcher;
}

/** A memory store that records the leaves it finished. */
function recordingStore(): { store: PresenceStore; leaves: Array<[string, string]> } {
  const inner = createMemoryPresence();
  const leaves: Array<[string, string]> = [];
  return {
    leaves,
    store: {
      enter: (channel, member, holder) => inner.enter(channel, member, holder),
      async leave(channel, id, holder) {
        await inner.leave(channel, id, holder);
        leaves.push([channel, id]);
      },
      watch: (channel, watcher) => inner.watch(channel, watcher),
    },
  };
}

const join = (channel: string, member: object) => ({
  type: "presence-diff",
  channel,
  join: [member],
  leave: [],
});
const leave = (channel: string, id: string) => ({
  type: "presence-diff",
  channel,
  join: [],
  leave: [id],
});

describe("presence on the channel server", () => {
  it("shows a late joiner who came first, and the first sees it arrive", async () => {
    const { url } = await startChannels();
    const ada = await rawClient(url);
    enter(ada, "room", { nick: "ada" }, "ada-key");
    const adaId = presenceMemberId(undefined, "ada-key");
    expect(await nth(ada, 1)).toEqual({
      type: "presence",
      channel: "room",
      members: [{ id: adaId, data: { nick: "ada" } }],
      self: adaId,
    });
    const bob = await rawClient(url);
    enter(bob, "room", { nick: "bob" }, "bob-key");
    const bobId = presenceMemberId(undefined, "bob-key");
    expect(await nth(bob, 1)).toEqual({
      type: "presence",
      channel: "room",
      members: [
        { id: adaId, data: { nick: "ada" } },
        { id: bobId, data: { nick: "bob" } },
      ],
      self: bobId,
    });
    expect(await nth(ada, 2)).toEqual(join("room", { id: bobId, data: { nick: "bob" } }));
  });

  it("tells everyone a change of data, the sender too; an enter that changes nothing is silent", async () => {
    const { url } = await startChannels();
    const ada = await rawClient(url);
    const bob = await rawClient(url);
    enter(ada, "room", "ada", "a");
    await nth(ada, 1);
    enter(bob, "room", "bob", "b");
    await nth(bob, 1);
    await nth(ada, 2);
    enter(ada, "room", "ada (away)", "a");
    const changed = join("room", { id: presenceMemberId(undefined, "a"), data: "ada (away)" });
    expect(await nth(ada, 3)).toEqual(changed);
    expect(await nth(bob, 2)).toEqual(changed);
    enter(ada, "room", "ada (away)", "a");
    enter(bob, "room", "bob (away)", "b");
    // Bob's change is the next thing Ada hears: her repeated enter was told to nobody.
    expect(await nth(ada, 4)).toEqual(
      join("room", { id: presenceMemberId(undefined, "b"), data: "bob (away)" }),
    );
  });

  it("leaves at once on presence-leave, and after the grace when the socket just closes", async () => {
    const { url } = await startChannels({ presence: { grace: 20 } });
    const watcher = await watching(url);
    const leaver = await rawClient(url);
    const dropper = await rawClient(url);
    enter(leaver, "room", "leaver", "l");
    enter(dropper, "room", "dropper", "d");
    await nth(watcher, 3);
    leaver.socket.send(JSON.stringify({ type: "presence-leave", channel: "room" }));
    expect(await nth(watcher, 4)).toEqual(leave("room", presenceMemberId(undefined, "l")));
    dropper.socket.terminate();
    expect(await nth(watcher, 5)).toEqual(leave("room", presenceMemberId(undefined, "d")));
  });

  it("keeps a member that entered, left and entered again while a slow store was storing", async () => {
    const memory = createMemoryPresence();
    let stored: () => void = () => {};
    const firstStored = new Promise<void>((resolve) => (stored = resolve));
    let enters = 0;
    // A store with latency (Redis): the first enter takes a while.
    const store: PresenceStore = {
      async enter(channel, member, holder) {
        enters += 1;
        if (enters === 1) await firstStored;
        return memory.enter(channel, member, holder);
      },
      leave: (channel, id, holder) => memory.leave(channel, id, holder),
      watch: (channel, watcher) => memory.watch(channel, watcher),
    };
    const { url } = await startChannels({ presence: { store } });
    const client = await rawClient(url);
    await enterLeaveEnter(client, () => enters === 1);
    stored();
    await roundTrip(client, "stored");
    // The client's last word was an enter: it is present, and nobody hears it leave.
    const watcher = await watching(url);
    const snapshot = await nth(watcher, 1);
    expect(snapshot["members"]).toContainEqual(expect.objectContaining({ data: "ada" }));
    await roundTrip(client, "done");
    const leaves = presenceOf(client).filter(
      (frame) => (frame["leave"] as unknown[] | undefined)?.length,
    );
    expect(leaves).toEqual([]);
  });

  it("lets a member leave that entered again while its first, refused, enter was decided", async () => {
    let decide: () => void = () => {};
    const decided = new Promise<void>((resolve) => (decide = resolve));
    let asked = 0;
    let gated = false;
    const { url } = await startChannels({
      auth: {
        // Once gated, the first answer takes a while, and is no; the next is yes.
        authorize: async (_user, _channel, action) => {
          if (action !== "presence" || !gated) return true;
          if (++asked > 1) return true;
          await decided;
          return false;
        },
      },
    });
    const watcher = await watching(url);
    const client = await rawClient(url);
    gated = true;
    await enterLeaveEnter(client, () => asked === 1);
    decide();
    const id = presenceMemberId(undefined, "tab");
    await vi.waitFor(
      () =>
        expect(presenceOf(watcher)).toContainEqual(
          expect.objectContaining({ join: [expect.objectContaining({ id })] }),
        ),
      UNTIL,
    );
    client.socket.send(JSON.stringify({ type: "presence-leave", channel: "room" }));
    await vi.waitFor(() => expect(presenceOf(watcher)).toContainEqual(leave("room", id)), UNTIL);
  });

  it("keeps a member that reconnects within the grace, to another server on the same broker: no leave, no join", async () => {
    const broker = createMemoryBroker({ epoch: 0 });
    const one = await startChannels({ broker, presence: { grace: 60_000 } });
    const two = await startChannels({ broker, presence: { grace: 60_000 } });
    const watcher = await watching(two.url);
    const ada = await rawClient(one.url);
    enter(ada, "room", "ada", "ada-key");
    await nth(watcher, 2);
    ada.socket.terminate();
    const again = await rawClient(two.url);
    enter(again, "room", "ada", "ada-key");
    const adaId = presenceMemberId(undefined, "ada-key");
    expect(await nth(again, 1)).toEqual({
      type: "presence",
      channel: "room",
      members: [
        { id: presenceMemberId(undefined, "w"), data: "watcher" },
        { id: adaId, data: "ada" },
      ],
      self: adaId,
    });
    const carol = await rawClient(one.url);
    enter(carol, "room", "carol", "c");
    // The next thing the watcher hears is Carol: nothing about Ada came before her.
    expect(await nth(watcher, 3)).toEqual(
      join("room", { id: presenceMemberId(undefined, "c"), data: "carol" }),
    );
  });

  it("ignores the late leave of a connection whose member another connection took over", async () => {
    const { store, leaves } = recordingStore();
    const broker = createMemoryBroker({ epoch: 0 });
    const one = await startChannels({ broker, presence: { store, grace: 0 } });
    const two = await startChannels({ broker, presence: { store, grace: 0 } });
    const watcher = await watching(two.url);
    const first = await rawClient(one.url);
    enter(first, "room", "ada", "ada-key");
    await nth(first, 1);
    const second = await rawClient(two.url);
    enter(second, "room", "ada", "ada-key");
    await nth(second, 1);
    first.socket.terminate();
    const adaId = presenceMemberId(undefined, "ada-key");
    await vi.waitFor(() => expect(leaves).toContainEqual(["room", adaId]), UNTIL);
    const carol = await rawClient(one.url);
    enter(carol, "room", "carol", "c");
    await nth(watcher, 3);
    // Ada's second enter changed nothing but the holder, and the first one's leave came after it.
    expect(presenceOf(watcher).slice(1)).toEqual([
      join("room", { id: adaId, data: "ada" }),
      join("room", { id: presenceMemberId(undefined, "c"), data: "carol" }),
    ]);
  });

  it("gives a connection without a key an id of its own: a reconnect is a new member", async () => {
    const { url } = await startChannels({ presence: { grace: 0 } });
    const watcher = await watching(url);
    const first = await rawClient(url);
    enter(first, "room", "anon");
    enter(first, "other", "anon");
    const [inRoom, inOther] = [await nth(first, 1), await nth(first, 2)];
    // One id per connection, in every channel.
    expect(inRoom["self"]).toBe(inOther["self"]);
    first.socket.terminate();
    const second = await rawClient(url);
    enter(second, "room", "anon");
    const joined = await nth(second, 1);
    expect(joined["self"]).not.toBe(inRoom["self"]);
    // The first socket's close and the second's enter race to the server: wait for the leave.
    await vi.waitFor(
      () =>
        expect(presenceOf(watcher).slice(1)).toContainEqual(leave("room", String(inRoom["self"]))),
      UNTIL,
    );
  });

  it("derives ids from the user and the key: reading another member's id, or using its key as another user, takes nothing over", async () => {
    const { url } = await startChannels({
      auth: {
        authenticate: (request) => {
          const user = request.headers["x-user"];
          return typeof user === "string" ? { user } : { refused: 401 };
        },
      },
      presence: { grace: 0 },
    });
    const ada = await rawClient(url, { headers: { "x-user": "ada" } });
    enter(ada, "room", "ada", "shared-key");
    const adaJoined = await nth(ada, 1);
    const adaId = String(adaJoined["self"]);
    expect(adaJoined["members"]).toEqual([{ id: adaId, data: "ada", user: "ada" }]);

    const mallory = await rawClient(url, { headers: { "x-user": "mallory" } });
    enter(mallory, "room", "I am ada", adaId);
    enter(mallory, "other", "I am ada", "shared-key");
    const [taken, keyed] = [await nth(mallory, 1), await nth(mallory, 2)];
    expect(taken["self"]).not.toBe(adaId);
    expect(keyed["self"]).not.toBe(adaId);
    // Ada hears a newcomer, and still holds her own member.
    expect(await nth(ada, 2)).toEqual(
      join("room", { id: taken["self"], data: "I am ada", user: "mallory" }),
    );
    mallory.socket.terminate();
    expect(await nth(ada, 3)).toEqual(leave("room", String(taken["self"])));
    enter(ada, "room", "ada, still here", "shared-key");
    expect(await nth(ada, 4)).toEqual(
      join("room", { id: adaId, data: "ada, still here", user: "ada" }),
    );
  });

  it("takes the user from what authenticate returned: a string, or an object's string id", async () => {
    const { url } = await startChannels({
      auth: { authenticate: () => ({ user: { id: "u-42", name: "Ada" } }) },
    });
    const ada = await rawClient(url);
    enter(ada, "room", null, "k");
    expect(await nth(ada, 1)).toEqual({
      type: "presence",
      channel: "room",
      members: [{ id: presenceMemberId("u-42", "k"), data: null, user: "u-42" }],
      self: presenceMemberId("u-42", "k"),
    });
  });

  it("answers bad presence frames with typed errors, changes nothing, and keeps serving", async () => {
    const { url } = await startChannels({
      presence: { maxDataSize: 64, maxChannels: 2 },
      auth: {
        authorize: (_user, channel, action) => action !== "presence" || channel !== "secret",
      },
    });
    const client = await rawClient(url);
    enter(client, "room", "me", "k");
    await nth(client, 1);
    const bad = [
      { type: "presence-enter" },
      { type: "presence-enter", channel: "room", key: 7 },
      { type: "presence-enter", channel: "room", key: "k".repeat(129) },
      { type: "presence-enter", channel: "room", key: "" },
      { type: "presence-leave", channel: 3 },
    ];
    for (const frame of bad) client.socket.send(JSON.stringify(frame));
    await vi.waitFor(
      () => expect(client.frames.filter((frame) => frame["code"] === "bad-frame")).toHaveLength(5),
      UNTIL,
    );
    enter(client, "room", "x".repeat(100), "k");
    expect(await errorOf(client, "too-large")).toEqual({
      type: "error",
      code: "too-large",
      reason: "presence data may be at most 64 bytes of JSON",
      frame: "presence-enter",
      channel: "room",
    });
    enter(client, "secret", "me", "k");
    await vi.waitFor(
      () =>
        expect(client.frames).toContainEqual(
          expect.objectContaining({
            code: "forbidden",
            frame: "presence-enter",
            channel: "secret",
          }),
        ),
      UNTIL,
    );
    enter(client, "second", "me", "k");
    await nth(client, 2);
    enter(client, "third", "me", "k");
    await vi.waitFor(
      () =>
        expect(client.frames).toContainEqual(
          expect.objectContaining({ code: "too-many", frame: "presence-enter", channel: "third" }),
        ),
      UNTIL,
    );
    // Nothing changed: the next change in the room is this one, and the member kept its data.
    enter(client, "room", "me, later", "k");
    expect(await nth(client, 3)).toEqual(
      join("room", { id: presenceMemberId(undefined, "k"), data: "me, later" }),
    );
    await stillServes(url);
  });

  it("rate-limits a flood of presence updates like any frame; the flooder is cut and leaves, the others carry on", async () => {
    const { url } = await startChannels({
      rateLimit: { messages: 10, per: 60_000 },
      presence: { grace: 0 },
    });
    const good = await rawClient(url);
    enter(good, "room", "good", "g");
    await nth(good, 1);
    const flooder = await rawClient(url);
    for (let n = 0; n < 30; n++) enter(flooder, "room", n, "f");
    expect((await closeOf(flooder.socket)).code).toBe(4429);
    expect(flooder.frames).toContainEqual(expect.objectContaining({ code: "rate-limited" }));
    const flooderId = presenceMemberId(undefined, "f");
    await vi.waitFor(
      () => expect(presenceOf(good).at(-1)).toEqual(leave("room", flooderId)),
      UNTIL,
    );
    // Ten frames were taken, so the good client heard at most ten changes and one leave.
    const heard = presenceOf(good).slice(1);
    expect(heard.length).toBeLessThanOrEqual(11);
    expect(heard.slice(0, -1).every((frame) => frame["type"] === "presence-diff")).toBe(true);
    enter(good, "room", "good, still", "g");
    expect(await nth(good, heard.length + 2)).toEqual(
      join("room", { id: presenceMemberId(undefined, "g"), data: "good, still" }),
    );
  });

  it("answers presence frames as of an unknown type when presence is off", async () => {
    const { url } = await startChannels({ presence: false });
    const client = await rawClient(url);
    enter(client, "room", "me");
    expect(await errorOf(client, "unknown-type")).toEqual({
      type: "error",
      code: "unknown-type",
      reason: "this server does not track presence",
      frame: "presence-enter",
      channel: "room",
    });
    await stillServes(url);
  });
});
