// Presence on a real redis-server, shared by brokers as separate server instances would share
// it: the store contract, then what only a distributed store has to survive — an instance that
// stops refreshing its members, Redis losing them, pub/sub losing notes.
import { dirname, join } from "node:path";
import type { PresenceStore } from "@wirekit/server";
import { createRedisBroker, type RedisBrokerOptions } from "@wirekit/server/redis";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { describePresenceContract, watchOf } from "./support/presenceContract.js";
import { openLink } from "./support/redisLink.js";
import { type RedisServer, startRedisServer } from "./support/redisServer.js";

let server: RedisServer;
beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(() => server?.stop());

const UNTIL = { interval: 10 };
let prefixes = 0;
const prefixOf = new WeakMap<PresenceStore, string>();

/** A broker on this file's server (or through `path`), closed when the test ends. */
function open(options: RedisBrokerOptions = {}, path = server.path) {
  const broker = createRedisBroker({
    // Reconnect attempts every 20 ms: tests wait on what happens, so this only makes them quick.
    redis: { socket: { path, tls: false, reconnectStrategy: 20 } },
    onError: () => {},
    prefix: `presence${++prefixes}:`,
    ...options,
  });
  onTestFinished(() => broker.close());
  const presence = broker.presence;
  prefixOf.set(presence, options.prefix ?? `presence${prefixes}:`);
  return { broker, presence };
}

describePresenceContract("the Redis broker's presence", {
  create: async () => open().presence,
  peer: async (store) => open({ prefix: prefixOf.get(store) ?? "" }).presence,
});

describe("the Redis broker's presence, across instances", () => {
  it("lets the members of an instance that stopped refreshing them leave after the TTL, told by another", async () => {
    const prefix = "expiring:";
    const gone = open({ prefix, presenceTtl: 300 });
    const alive = open({ prefix, presenceTtl: 300 });
    const watcher = watchOf(alive.presence, "room");
    await gone.presence.enter("room", { id: "a", data: "from the instance that dies" }, "gone/1");
    await alive.presence.enter("room", { id: "b", data: "from the one that lives" }, "alive/1");
    await vi.waitFor(() => expect(watcher.members().map((m) => m.id)).toEqual(["a", "b"]), UNTIL);
    // Closing stops the refresh and tells Redis nothing: what a SIGKILL leaves behind.
    await gone.broker.close();
    await vi.waitFor(() => expect(watcher.members().map((m) => m.id)).toEqual(["b"]), UNTIL);
    expect(watcher.heard.at(-1)).toEqual({ type: "leave", channel: "room", id: "a" });
  });

  it("brings back the members of live connections after Redis lost them, and watchers read them again", async () => {
    const { presence } = open({ presenceTtl: 300 });
    const watcher = watchOf(presence, "room");
    await presence.enter("room", { id: "a", data: 1 }, "h/1");
    await vi.waitFor(() => expect(watcher.members()).toEqual([{ id: "a", data: 1 }]), UNTIL);
    const states = () => watcher.heard.filter((event) => "state" in event).length;
    const before = states();
    await server.admin.flushAll();
    // The next refresh puts the member back; its version starts over, so the watcher reads again.
    await vi.waitFor(() => expect(states()).toBeGreaterThan(before), UNTIL);
    await vi.waitFor(() => expect(watcher.members()).toEqual([{ id: "a", data: 1 }]), UNTIL);
  });

  it("reads the members again when pub/sub lost notes, and carries on", async () => {
    const link = await openLink(server.path, join(dirname(server.path), "presence-link.sock"));
    const cutOff = open({}, link.path);
    const other = open({ prefix: prefixOf.get(cutOff.presence) ?? "" });
    const watcher = watchOf(cutOff.presence, "room");
    await vi.waitFor(() => expect(watcher.heard).toHaveLength(1), UNTIL);
    link.cut("subscribers");
    await other.presence.enter("room", { id: "missed", data: 1 }, "o/1");
    link.mend();
    await vi.waitFor(() => expect(watcher.members()).toEqual([{ id: "missed", data: 1 }]), UNTIL);
    expect(watcher.heard.filter((event) => "state" in event).length).toBeGreaterThan(1);
    await other.presence.enter("room", { id: "after", data: 2 }, "o/2");
    await vi.waitFor(
      () => expect(watcher.members().map((m) => m.id)).toEqual(["after", "missed"]),
      UNTIL,
    );
  });
});
