// One run of the scale-out benchmark (bench/scaleOut.js): fresh server instances (and a fresh
// redis-server) for one configuration, its subscribers opened in the clients' processes, a
// warm-up, then the measured phase, its latency, throughput, CPU and memory.

import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startChild } from "./forkedChild.js";
import { mergeBuckets, percentileOf } from "./latencyBuckets.js";
import { startRedisServer } from "./redisServer.js";
import { SCALE_OUT_DRAIN, SCALE_OUT_PROBE_INTERVAL, SCALE_OUT_WARMUP } from "./scaleOutPlan.js";
import { machineBusy, scheduling } from "./schedStat.js";

const SERVER = fileURLToPath(new URL("./scaleOutServer.js", import.meta.url));

/**
 * @typedef {import("./forkedChild.js").ForkedChild} ForkedChild
 * @typedef {import("./scaleOutPlan.js").Load} Load
 * @typedef {import("./scaleOutPlan.js").Configuration} Configuration
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutClients.js").Reached} Reached
 * @typedef {import("./scaleOutClients.js").Window} Window
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
 * A thread's scheduling since `from`.
 * @param {{ ran: number, waited: number }} now
 * @param {{ ran: number, waited: number }} from
 */
const subtract = (now, from) => ({ ran: now.ran - from.ran, waited: now.waited - from.waited });

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
    await askAll(groups, { type: "measure", from, to, due, interval }, "measuring");
    await until(due);
    await Promise.all(
      [...groups.map(({ clients }) => clients), ...servers].map((child) =>
        child.ask({ type: "mark" }, "marked"),
      ),
    );
    const redisFrom = (await redis?.cpu()) ?? 0;
    const redisScheduledFrom = redis === undefined ? undefined : scheduling(redis.pid);
    const machineFrom = machineBusy();
    const harnessFrom = process.cpuUsage();
    const started = performance.now();

    await until(start + count * interval);
    /** @type {Window[]} */
    const windows = await askAll(groups, { type: "window" }, "window");
    /** @type {{ cpu: number, ran: number, waited: number, rss: number, failed: number, behind: number }[]} */
    const used = await Promise.all(servers.map((server) => server.ask({ type: "cpu" }, "cpu")));
    const redisCpu = redis === undefined ? 0 : (await redis.cpu()) - redisFrom;
    const redisRss = (await redis?.rss()) ?? 0;
    const redisScheduled =
      redis === undefined || redisScheduledFrom === undefined
        ? []
        : [subtract(scheduling(redis.pid), redisScheduledFrom)];
    const harness = process.cpuUsage(harnessFrom);
    const machine = machineBusy() - machineFrom;
    const elapsed = (performance.now() - started) * 1000;

    /** @type {Reached[]} */
    const reached = await askAll(
      groups,
      { type: "reach", last: to, until: start + count * interval + SCALE_OUT_DRAIN * 1000 },
      "reached",
    );
    await askAll(groups, { type: "close" }, "closed");

    /**
     * @template T
     * @param {T[]} list
     * @param {(item: T) => number} of
     */
    const total = (list, of) => list.reduce((sum, item) => sum + of(item), 0);
    const subscribers = load.subscribers * groups.length;
    const deliveries = total(windows, (window) => window.deliveries);
    const held = total(windows, (window) => window.deliveries / window.seconds) / subscribers;
    const serverCpu = total(used, (server) => server.cpu);
    const clientCpu = total(windows, (window) => window.cpu);
    const heard = mergeBuckets(reached.map((group) => group.heard));
    const censored = mergeBuckets(reached.map((group) => group.censored));
    /** @param {number} share */
    const percentile = (share) => percentileOf(heard, share, censored);
    const [p50, p99, max] = [0.5, 0.99, 1].map(percentile);
    const ours = serverCpu + redisCpu + clientCpu + harness.user + harness.system;
    return {
      subscribers,
      offered: load.rate,
      held,
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
      serverRss: total(used, (server) => server.rss),
      redisRss,
      delivered: total(reached, (group) => group.delivered),
      expected: total(reached, (group) => group.expected),
      skipped: total(reached, (group) => group.skipped),
      duplicates: total(reached, (group) => group.duplicates),
      failed: total(used, (server) => server.failed),
      behind: used[0]?.behind ?? 0,
      serverShare: (serverCpu + redisCpu) / elapsed,
      clientShare: clientCpu / elapsed,
      serverGot: gotOf([...used, ...redisScheduled]),
      clientGot: gotOf(windows),
      othersShare: Math.max(0, machine - ours) / elapsed,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  }
}
