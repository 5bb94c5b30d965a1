// Scale-out: publish-to-deliver latency, throughput and CPU per delivered message for
// @wirekit/server on its memory broker in one process, and on its Redis broker with one and with
// three instances, next to socket.io on @socket.io/redis-streams-adapter with one and three
// instances, in the same run (issue 14). Two tables: issue 14's load exactly (1,000 WebSocket
// subscribers and 1,000 event streams at once, 200 messages a second), which a 2-core machine
// cannot hold, and a rate every configuration holds, one transport per run, where latencies
// compare. Processes: this one only orchestrates; each server instance runs in its own
// (bench/scaleOutServer.js), the subscribers of each transport in one other
// (bench/scaleOutClients.js), and a fresh redis-server (bench/redisServer.js) serves each run
// that needs one. A run is bench/scaleOutRun.js.
//
//   node bench/scaleOut.js --measure [options]   the measurement, as JSON (run.js uses this)
//   node bench/scaleOut.js [options]             the same, as the Markdown section
//   node bench/scaleOut.js --write [options]     and puts that section into BENCHMARKS.md
// options: --rate <messages/s> --subscribers <per run> --rounds <n> --seconds <measured, per run>
//          for the sustainable-rate table; --issue-rounds <n> --issue-seconds <s> for the
//          issue's; --only <row,…> (issue/redis-3, sustained/redis-3/sse, …: to profile one row,
//          with `node --cpu-prof`, which the child processes inherit)

import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { startChild } from "./forkedChild.js";
import {
  ISSUE_LOAD,
  SCALE_OUT_CONFIGURATIONS,
  SCALE_OUT_DRAIN,
  SCALE_OUT_LOAD,
} from "./scaleOutPlan.js";
import { scaleOutSection, writeScaleOutSection } from "./scaleOutReport.js";
import { measureRun } from "./scaleOutRun.js";
import { versionOf } from "./versions.js";

const CLIENTS = fileURLToPath(new URL("./scaleOutClients.js", import.meta.url));

/**
 * @typedef {import("./scaleOutPlan.js").Load} Load
 * @typedef {import("./scaleOutPlan.js").ScaleOutTable} ScaleOutTable
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutPlan.js").ScaleOutResults} ScaleOutResults
 * @typedef {import("./scaleOutPlan.js").ScaleOutMeasurement} ScaleOutMeasurement
 * @typedef {import("./forkedChild.js").ForkedChild} ForkedChild
 */

/**
 * The rows of `table`, each a configuration with the transports subscribed in the same run.
 * @param {ScaleOutTable} table
 * @returns {{ key: string, configuration: import("./scaleOutPlan.js").Configuration,
 *   transports: ("websocket" | "sse")[] }[]}
 */
function rowsOf(table) {
  return SCALE_OUT_CONFIGURATIONS.flatMap((configuration) =>
    table.together
      ? [{ key: configuration.key, configuration, transports: configuration.transports }]
      : configuration.transports.map((transport) => ({
          key: `${configuration.key}/${transport}`,
          configuration,
          transports: [transport],
        })),
  );
}

/**
 * Measures every row of `table` (those in `only`, when given), `table.load.rounds` times; each
 * round runs them all in an order that starts a third of the way further along than the last
 * one's.
 * @param {ScaleOutTable} table
 * @param {Record<"websocket" | "sse", ForkedChild>} clients A process for each transport's
 *   subscribers, kept from run to run.
 * @param {Record<string, string>} versions
 * @param {string[]} [only] `<table key>/<row key>`.
 * @returns {Promise<ScaleOutResults>}
 */
async function measureTable(table, clients, versions, only) {
  const { load } = table;
  const list = rowsOf(table).filter(
    ({ key }) => only === undefined || only.includes(`${table.key}/${key}`),
  );
  /** @type {Record<string, ScaleOutRun[]>} */
  const runs = {};
  const step = Math.ceil(list.length / load.rounds);
  for (let round = 0; round < load.rounds && list.length > 0; round++) {
    for (let index = 0; index < list.length; index++) {
      const entry = list[(index + round * step) % list.length];
      if (entry === undefined) continue;
      const { key, configuration, transports } = entry;
      const groups = transports.map((transport) => ({ transport, clients: clients[transport] }));
      const started = Date.now();
      const run = await measureRun(configuration, groups, load, versions);
      console.error(
        `  ${table.key}, round ${round + 1}/${load.rounds}: ${key}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
      runs[key] = [...(runs[key] ?? []), run];
    }
  }
  return { load, runs };
}

/**
 * Measures both tables in this process: issue 14's load first, then the sustainable rate.
 * @param {Record<"issue" | "sustained", ScaleOutTable>} tables
 * @param {string[]} [only]
 * @returns {Promise<ScaleOutMeasurement>}
 */
async function measureHere(tables, only) {
  const startedAt = new Date();
  const cpu = cpus();
  const versions = {
    "socket.io": versionOf("socket.io"),
    "@socket.io/redis-streams-adapter": versionOf("@socket.io/redis-streams-adapter"),
    redis: versionOf("redis"),
    "redis-server": "",
  };
  // A saturated run's clients answer `reached` only once it has drained.
  const timeout = SCALE_OUT_DRAIN + 60_000;
  const clients = {
    websocket: startChild(CLIENTS, { timeout }),
    sse: startChild(CLIENTS, { timeout }),
  };
  try {
    const issue = await measureTable(tables.issue, clients, versions, only);
    const sustained = await measureTable(tables.sustained, clients, versions, only);
    if (Object.keys({ ...issue.runs, ...sustained.runs }).length === 0) {
      throw new Error(`--only matches nothing: ${only}`);
    }
    return {
      issue,
      sustained,
      versions,
      machine: `Node ${process.version}, ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${cpu.length} cores, ${process.platform}/${process.arch}`,
      date: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    };
  } finally {
    await Promise.all([clients.websocket.stop(), clients.sse.stop()]);
  }
}

/**
 * The two tables, with the options given on the command line over their defaults.
 * @param {string[]} argv
 * @returns {Record<"issue" | "sustained", ScaleOutTable>}
 */
function tablesOf(argv) {
  /** @param {string} name @param {number} fallback */
  const option = (name, fallback) => {
    const index = argv.indexOf(`--${name}`);
    if (index === -1) return fallback;
    const value = Number(argv[index + 1]);
    if (!(value > 0)) throw new Error(`--${name} takes a positive number`);
    return value;
  };
  return {
    issue: {
      key: "issue",
      together: true,
      load: {
        ...ISSUE_LOAD,
        rounds: option("issue-rounds", ISSUE_LOAD.rounds),
        seconds: option("issue-seconds", ISSUE_LOAD.seconds),
      },
    },
    sustained: {
      key: "sustained",
      together: false,
      load: {
        rate: option("rate", SCALE_OUT_LOAD.rate),
        subscribers: option("subscribers", SCALE_OUT_LOAD.subscribers),
        rounds: option("rounds", SCALE_OUT_LOAD.rounds),
        seconds: option("seconds", SCALE_OUT_LOAD.seconds),
      },
    },
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
  const tables = tablesOf(process.argv);
  const onlyIndex = process.argv.indexOf("--only");
  const only = onlyIndex === -1 ? undefined : (process.argv[onlyIndex + 1] ?? "").split(",");
  // Exiting runs the redis-servers' exit hooks (bench/redisServer.js); the forked children exit
  // when their IPC channel closes.
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(1));
  const main = process.argv.includes("--measure")
    ? measureHere(tables, only).then((result) => {
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
