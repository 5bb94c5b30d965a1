// One run of the scale-out benchmark (bench/scaleOut.js): fresh server instances (and a fresh
// redis-server) for one configuration, its subscribers opened in the clients' processes, a
// warm-up, then the measured phase, its latency, throughput, CPU and memory.

import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startChild } from "./forkedChild.js";
import { mergeBuckets, percentileOf } from "./latencyBuckets.js";
import { startRedisServer } from "./redisServer.js";
import { SCALE_OUT_DRAIN, SCALE_OUT_PROBE_INTERVAL, SCALE_OUT_WARMUP } from "./scaleOutPlan.js";
import { machineBusy, processCpu, residentBytes, scheduling } from "./schedStat.js";

const SERVER = fileURLToPath(new URL("./scaleOutServer.js", import.meta.url));

/**
 * @typedef {import("./forkedChild.js").ForkedChild} ForkedChild
 * @typedef {import("./scaleOutPlan.js").Load} Load
 * @typedef {import("./scaleOutPlan.js").Configuration} Configuration
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutClients.js").Reached} Reached
 * @typedef {{ transport: "websocket" | "sse", clients: ForkedChild }} Group The subscribers of
 *   one transport, in one clients' process.
 */

/**
 * Every group's answer to `message`.
 * @param {Group[]} groups
 * @param {object} message
 * @param {string} type
 * @returns {Promise<any[]>}
 */
const askAll = (groups, message, type) =>
  Promise.all(groups.map(({ clients }) => clients.ask(message, type)));

/**
 * Waits until `time`, in microseconds on the monotonic clock the servers' schedules use.
 * @param {number} time
 */
const until = (time) => delay(Math.max(0, time - Number(process.hrtime.bigint() / 1000n)) / 1000);

/**
 * @typedef {{ cpu: number, ran: number, waited: number }} Usage A process's CPU, all threads,
 *   and its main thread's time on a core and waiting for one, in microseconds so far.
 */

/**
 * What /proc says of each process now, what the whole machine has spent, this process's CPU and
 * the time, in microseconds.
 * @param {Record<"servers" | "redis" | "clients", number[]>} pids
 */
function readings(pids) {
  /** @param {number[]} list @returns {Usage[]} */
  const of = (list) => list.map((pid) => ({ cpu: processCpu(pid), ...scheduling(pid) }));
  const { user, system } = process.cpuUsage();
  return {
    servers: of(pids.servers),
    redis: of(pids.redis),
    clients: of(pids.clients),
    machine: machineBusy(),
    harness: user + system,
    at: performance.now() * 1000,
  };
}

/**
 * Each process's usage between two readings.
 * @param {Usage[]} now
 * @param {Usage[]} then
 * @returns {Usage[]}
 */
const since = (now, then) =>
  now.map((usage, index) => ({
    cpu: usage.cpu - (then[index]?.cpu ?? 0),
    ran: usage.ran - (then[index]?.ran ?? 0),
    waited: usage.waited - (then[index]?.waited ?? 0),
  }));

/**
 * Of the time these threads were ready to run, the share they spent on a core.
 * @param {{ ran: number, waited: number }[]} used
 */
const gotOf = (used) => {
  const ran = used.reduce((sum, thread) => sum + thread.ran, 0);
  const waited = used.reduce((sum, thread) => sum + thread.waited, 0);
  return ran / (ran + waited);
};

/**
 * Measures `configuration` with `load.subscribers` subscribers per group, all groups at once.
 * @param {Configuration} configuration
 * @param {Group[]} groups
 * @param {Load} load
 * @param {Record<string, string>} versions Where the redis-server version is noted.
 * @returns {Promise<ScaleOutRun>}
 */
export async function measureRun(configuration, groups, load, versions) {
  const redis = configuration.kind === "wirekit-memory" ? undefined : await startRedisServer();
  if (redis !== undefined) versions["redis-server"] = redis.version;
  const config = JSON.stringify({ kind: configuration.kind, redis: redis?.path });
  const servers = Array.from({ length: configuration.instances }, () =>
    startChild(SERVER, { args: [config] }),
  );
  try {
    const listening = await Promise.all(
      servers.map((server) => server.ask(undefined, "listening")),
    );
    const [publisher] = servers;
    if (publisher === undefined) throw new Error("no instance");
    const ports = listening.map(({ port }) => port);
    await Promise.all(
      groups.map(({ transport, clients }) =>
        clients.ask(
          {
            type: "open",
            ports,
            dialect: listening[0].dialects[transport],
            connections: load.subscribers,
          },
          "opened",
        ),
      ),
    );
    let n = 0;
    for (;;) {
      await publisher.ask({ type: "probe", n: ++n }, "probed");
      await delay(SCALE_OUT_PROBE_INTERVAL);
      const status = await askAll(groups, { type: "status" }, "status");
      if (status.every(({ silent }) => silent === 0)) break;
    }

    // One stream: the warm-up's messages, then the measured ones, on one schedule, so that a
    // configuration that falls behind carries its backlog into the measured window as it would
    // in production.
    const warmup = Math.round(load.rate * SCALE_OUT_WARMUP);
    const count = warmup + Math.round(load.rate * load.seconds);
    const from = n + 1 + warmup;
    const to = n + count;
    /** @type {{ start: number, interval: number }} */
    const { start, interval } = await publisher.ask(
      { type: "stream", from: n + 1, count, rate: load.rate },
      "streaming",
    );
    const due = start + warmup * interval;
    const end = start + count * interval;
    await askAll(
      groups,
      { type: "measure", from, to, due, interval, window: [due, end] },
      "measuring",
    );
    // CPU, scheduling and memory are read from /proc at the window's ends, not asked for: a
    // saturated process answers a message seconds late.
    const pids = {
      servers: servers.map((server) => server.pid),
      redis: redis === undefined ? [] : [redis.pid],
      clients: groups.map(({ clients }) => clients.pid),
    };
    await until(due);
    const before = readings(pids);
    await until(end);
    const after = readings(pids);
    const serverRss = pids.servers.reduce((sum, pid) => sum + residentBytes(pid), 0);
    const redisRss = redis === undefined ? 0 : residentBytes(redis.pid);

    /** @type {Reached[]} */
    const reached = await askAll(
      groups,
      { type: "reach", last: to, until: end + SCALE_OUT_DRAIN * 1000 },
      "reached",
    );
    /** @type {{ failed: number, behind: number, atLeast: boolean }[]} */
    const progress = await Promise.all(
      servers.map((server) => server.ask({ type: "progress" }, "progress")),
    );
    await askAll(groups, { type: "close" }, "closed");

    /**
     * @template T
     * @param {T[]} list
     * @param {(item: T) => number} of
     */
    const total = (list, of) => list.reduce((sum, item) => sum + of(item), 0);
    const used = {
      servers: since(after.servers, before.servers),
      redis: since(after.redis, before.redis),
      clients: since(after.clients, before.clients),
    };
    const elapsed = after.at - before.at;
    const subscribers = load.subscribers * groups.length;
    const deliveries = total(reached, (group) => group.inWindow);
    const serverCpu = total(used.servers, (process) => process.cpu);
    const redisCpu = total(used.redis, (process) => process.cpu);
    const clientCpu = total(used.clients, (process) => process.cpu);
    const heard = mergeBuckets(reached.map((group) => group.heard));
    const censored = mergeBuckets(reached.map((group) => group.censored));
    /** @param {number} share */
    const percentile = (share) => percentileOf(heard, share, censored);
    const [p50, p99, max] = [0.5, 0.99, 1].map(percentile);
    const ours = serverCpu + redisCpu + clientCpu + (after.harness - before.harness);
    return {
      subscribers,
      offered: load.rate,
      held: deliveries / subscribers / ((end - due) / 1e6),
      p50: (p50?.value ?? Number.NaN) / 1000,
      p99: (p99?.value ?? Number.NaN) / 1000,
      max: (max?.value ?? Number.NaN) / 1000,
      atLeast: {
        p50: p50?.atLeast ?? false,
        p99: p99?.atLeast ?? false,
        max: max?.atLeast ?? false,
      },
      serverCpu: serverCpu / deliveries,
      redisCpu: redisCpu / deliveries,
      serverRss,
      redisRss,
      delivered: total(reached, (group) => group.delivered),
      expected: total(reached, (group) => group.expected),
      skipped: total(reached, (group) => group.skipped),
      duplicates: total(reached, (group) => group.duplicates),
      failed: total(progress, (server) => server.failed),
      behind: progress[0]?.behind ?? 0,
      behindAtLeast: progress[0]?.atLeast ?? false,
      serverShare: (serverCpu + redisCpu) / elapsed,
      clientShare: clientCpu / elapsed,
      serverGot: gotOf([...used.servers, ...used.redis]),
      clientGot: gotOf(used.clients),
      othersShare: Math.max(0, after.machine - before.machine - ours) / elapsed,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  }
}
