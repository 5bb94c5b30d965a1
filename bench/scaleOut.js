// Scale-out: publish-to-deliver latency and CPU per delivered message for @wirekit/server on its
// memory broker in one process, and on its Redis broker with one and with three instances, next
// to socket.io on @socket.io/redis-streams-adapter with one and three instances, in the same run
// (issue 14). Processes: this one only orchestrates; each server instance runs in its own
// (bench/scaleOutServer.js), the subscribers all in one other (bench/scaleOutClients.js), and a
// fresh redis-server (bench/redisServer.js) serves each run that needs one.
//
//   node bench/scaleOut.js --measure [options]   the measurement, as JSON (run.js uses this)
//   node bench/scaleOut.js [options]             the same, as the Markdown section
//   node bench/scaleOut.js --write [options]     and puts that section into BENCHMARKS.md
// options: --rate <messages/s> --subscribers <per run> --rounds <n> --seconds <measured, per run>
//          --only <configuration/transport,…> (e.g. redis-3/sse: to profile one row, with
//          `node --cpu-prof`, which the child processes inherit)

import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { startChild } from "./forkedChild.js";
import { startRedisServer } from "./redisServer.js";
import {
  SCALE_OUT_CONFIGURATIONS,
  SCALE_OUT_DRAIN,
  SCALE_OUT_LOAD,
  SCALE_OUT_PROBE_INTERVAL,
  SCALE_OUT_WARMUP,
} from "./scaleOutPlan.js";
import { scaleOutSection, writeScaleOutSection } from "./scaleOutReport.js";
import { machineBusy, scheduling } from "./schedStat.js";
import { versionOf } from "./versions.js";

const SERVER = fileURLToPath(new URL("./scaleOutServer.js", import.meta.url));
const CLIENTS = fileURLToPath(new URL("./scaleOutClients.js", import.meta.url));

/**
 * @typedef {import("./scaleOutPlan.js").Load} Load
 * @typedef {import("./scaleOutPlan.js").Configuration} Configuration
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutPlan.js").ScaleOutMeasurement} ScaleOutMeasurement
 */

/**
 * Measures one configuration on one transport with fresh server processes (and a fresh
 * redis-server), the clients' process being `clients`.
 * @param {import("./forkedChild.js").ForkedChild} clients
 * @param {Configuration} configuration
 * @param {"websocket" | "sse"} transport
 * @param {Load} load
 * @param {Record<string, string>} versions Where the redis-server version is noted.
 * @returns {Promise<ScaleOutRun>}
 */
async function measureRun(clients, configuration, transport, load, versions) {
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
    await clients.ask(
      {
        type: "open",
        ports: listening.map(({ port }) => port),
        dialect: listening[0].dialects[transport],
        connections: load.subscribers,
      },
      "opened",
    );
    let n = 0;
    for (;;) {
      await publisher.ask({ type: "probe", n: ++n }, "probed");
      await delay(SCALE_OUT_PROBE_INTERVAL);
      if ((await clients.ask({ type: "status" }, "status")).silent === 0) break;
    }
    const warmup = Math.round(load.rate * SCALE_OUT_WARMUP);
    await publisher.ask(
      { type: "stream", from: n + 1, count: warmup, rate: load.rate },
      "streamed",
    );
    n += warmup;
    await clients.ask({ type: "reach", last: n, timeout: SCALE_OUT_DRAIN }, "reached");

    const count = Math.round(load.rate * load.seconds);
    const from = n + 1;
    const to = n + count;
    await clients.ask({ type: "measure", from, to }, "measuring");
    await Promise.all(servers.map((server) => server.ask({ type: "mark" }, "marked")));
    const redisFrom = (await redis?.cpu()) ?? 0;
    const redisScheduledFrom = redis === undefined ? undefined : scheduling(redis.pid);
    const machineFrom = machineBusy();
    const harnessFrom = process.cpuUsage();
    const started = performance.now();
    const streamed = await publisher.ask(
      { type: "stream", from, count, rate: load.rate },
      "streamed",
    );
    const reached = /** @type {import("./scaleOutClients.js").Reached} */ (
      await clients.ask({ type: "reach", last: to, timeout: SCALE_OUT_DRAIN }, "reached")
    );
    const elapsed = (performance.now() - started) * 1000;
    /** @type {{ cpu: number, ran: number, waited: number, rss: number }[]} */
    const used = await Promise.all(servers.map((server) => server.ask({ type: "cpu" }, "cpu")));
    const serverCpu = used.reduce((sum, { cpu }) => sum + cpu, 0);
    const serverRss = used.reduce((sum, { rss }) => sum + rss, 0);
    const redisCpu = redis === undefined ? 0 : (await redis.cpu()) - redisFrom;
    const redisRss = (await redis?.rss()) ?? 0;
    if (redis !== undefined && redisScheduledFrom !== undefined) {
      const { ran, waited } = scheduling(redis.pid);
      used.push({
        rss: redisRss,
        cpu: redisCpu,
        ran: ran - redisScheduledFrom.ran,
        waited: waited - redisScheduledFrom.waited,
      });
    }
    const harness = process.cpuUsage(harnessFrom);
    const machine = machineBusy() - machineFrom;
    await clients.ask({ type: "close" }, "closed");

    const deliveries = count * load.subscribers;
    const ran = used.reduce((sum, thread) => sum + thread.ran, 0);
    const waited = used.reduce((sum, thread) => sum + thread.waited, 0);
    const ours = serverCpu + redisCpu + reached.cpu + harness.user + harness.system;
    return {
      p50: reached.p50 / 1000,
      p99: reached.p99 / 1000,
      max: reached.max / 1000,
      serverCpu: serverCpu / deliveries,
      redisCpu: redisCpu / deliveries,
      serverRss,
      redisRss,
      delivered: reached.delivered,
      expected: reached.expected,
      duplicates: reached.duplicates,
      failed: streamed.failed,
      lateMax: streamed.lateMax,
      serverShare: (serverCpu + redisCpu) / elapsed,
      clientShare: reached.cpu / elapsed,
      serverGot: ran / (ran + waited),
      clientGot: reached.ran / (reached.ran + reached.waited),
      othersShare: Math.max(0, machine - ours) / elapsed,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
    await redis?.stop();
  }
}

/**
 * Measures every configuration and transport in this process (those in `only`, when given),
 * `load.rounds` times; each round runs them all in an order that starts a third of the way
 * further along than the last one's.
 * @param {Load} load
 * @param {string[]} [only] Keys `<configuration key>/<transport>`.
 * @returns {Promise<ScaleOutMeasurement>}
 */
async function measureHere(load, only) {
  const startedAt = new Date();
  const cpu = cpus();
  const versions = {
    "socket.io": versionOf("socket.io"),
    "@socket.io/redis-streams-adapter": versionOf("@socket.io/redis-streams-adapter"),
    redis: versionOf("redis"),
    "redis-server": "",
  };
  const list = SCALE_OUT_CONFIGURATIONS.flatMap((configuration) =>
    configuration.transports.map((transport) => ({ configuration, transport })),
  ).filter(({ configuration, transport }) =>
    only === undefined ? true : only.includes(`${configuration.key}/${transport}`),
  );
  if (list.length === 0) throw new Error(`--only matches nothing: ${only}`);
  /** @type {Record<string, ScaleOutRun[]>} */
  const runs = {};
  const clients = startChild(CLIENTS, { timeout: 60_000 });
  try {
    const step = Math.ceil(list.length / load.rounds);
    for (let round = 0; round < load.rounds; round++) {
      for (let index = 0; index < list.length; index++) {
        const entry = list[(index + round * step) % list.length];
        if (entry === undefined) continue;
        const { configuration, transport } = entry;
        const key = `${configuration.key}/${transport}`;
        console.error(`  round ${round + 1}/${load.rounds}: ${key}`);
        const run = await measureRun(clients, configuration, transport, load, versions);
        runs[key] = [...(runs[key] ?? []), run];
      }
    }
  } finally {
    await clients.stop();
  }
  return {
    load,
    runs,
    versions,
    machine: `Node ${process.version}, ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${process.platform}/${process.arch}`,
    date: startedAt.toISOString(),
    seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
  };
}

/**
 * The options given on the command line, over the defaults.
 * @param {string[]} argv
 * @returns {Load}
 */
function loadOf(argv) {
  /** @param {string} name @param {number} fallback */
  const option = (name, fallback) => {
    const index = argv.indexOf(`--${name}`);
    if (index === -1) return fallback;
    const value = Number(argv[index + 1]);
    if (!(value > 0)) throw new Error(`--${name} takes a positive number`);
    return value;
  };
  return {
    rate: option("rate", SCALE_OUT_LOAD.rate),
    subscribers: option("subscribers", SCALE_OUT_LOAD.subscribers),
    rounds: option("rounds", SCALE_OUT_LOAD.rounds),
    seconds: option("seconds", SCALE_OUT_LOAD.seconds),
  };
}

/**
 * Runs the measurement in a fresh process (which starts the servers, clients and redis-servers).
 * @param {string[]} [options] Command-line options (`--rate`, …); the defaults when none.
 * @returns {ScaleOutMeasurement}
 */
export function scaleOut(options = []) {
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--measure", ...options],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (result.status !== 0) throw new Error("the scale-out measurement failed");
  return /** @type {ScaleOutMeasurement} */ (JSON.parse(result.stdout));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const load = loadOf(process.argv);
  const onlyIndex = process.argv.indexOf("--only");
  const only = onlyIndex === -1 ? undefined : (process.argv[onlyIndex + 1] ?? "").split(",");
  const main = process.argv.includes("--measure")
    ? measureHere(load, only).then((result) => {
        process.stdout.write(JSON.stringify(result));
      })
    : Promise.resolve().then(() => {
        const options = process.argv.slice(2).filter((option) => option !== "--write");
        const measurement = scaleOut(options);
        console.log(scaleOutSection(measurement));
        if (process.argv.includes("--write")) writeScaleOutSection(measurement);
      });
  main.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
