// Presence across @wirekit/server processes on one real redis-server, with wirekit's own clients
// (ChannelClient + PresenceClient over `ws`): a member entered on one instance is seen on the
// other, and when that instance dies with SIGKILL — no leave sent, no grace timer left to run —
// its members expire after the store's TTL, announced by the instance that lives.
import { PresenceClient, type PresenceView } from "@wirekit/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { clientFor } from "./support/channels.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";
import { startServerProcess } from "./support/serverProcess.js";

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(() => redis?.stop());

// A ceiling for a loaded machine; the test waits on frames, never on time.
const UNTIL = { interval: 20 };
// Short, so the test is quick; nothing asserts how long expiry took.
const TTL = 600;

function presentAs(url: string, nick: string) {
  const client = clientFor(url);
  const presence = new PresenceClient(client.channels);
  const views: PresenceView[] = [];
  presence.enter("room", { nick }, (view) => views.push(view));
  const nicks = () =>
    (views.at(-1)?.members ?? []).map((member) => (member.data as { nick: string }).nick).sort();
  return { ...client, presence, views, nicks };
}

describe("presence across instances on one Redis", () => {
  it("lets the members of a SIGKILLed instance leave after the TTL, told by the instance that lives", async () => {
    const config = { redis: redis.path, prefix: "presence-cluster:", presenceTtl: TTL };
    const [doomed, survivor] = await Promise.all([
      startServerProcess(config),
      startServerProcess(config),
    ]);
    const ada = presentAs(doomed.channelsUrl, "ada");
    await vi.waitFor(() => expect(ada.nicks()).toEqual(["ada"]), UNTIL);
    // The late joiner, on the other instance, is shown who was there first.
    const bob = presentAs(survivor.channelsUrl, "bob");
    await vi.waitFor(() => expect(bob.nicks()).toEqual(["ada", "bob"]), UNTIL);
    await vi.waitFor(() => expect(ada.nicks()).toEqual(["ada", "bob"]), UNTIL);
    const adaId = bob.views
      .at(-1)
      ?.members.find((member) => member.id !== bob.views.at(-1)?.self)?.id;

    await doomed.kill();
    await vi.waitFor(() => expect(bob.nicks()).toEqual(["bob"]), UNTIL);
    // A leave in a diff, on bob's one connection: not a new snapshot after a reconnect.
    expect(
      bob.views.filter((view) => view.members.length === 1 && view.members[0]?.id !== adaId),
    ).toHaveLength(1);
    expect(bob.connection.getSnapshot().attempt).toBe(0);
    expect((await survivor.counts()).accepted).toBe(1);
  }, 60_000);
});
