// The scale-out benchmark's tables, in Markdown, from a measurement (bench/scaleOut.js): issue
// 14's load, the sustainable rate, the nearest peer over wirekit, and what each row delivered.
// bench/scaleOutReport.js puts them in the section's text.

import { median } from "./channelThroughput.js";
import { SCALE_OUT_CONFIGURATIONS } from "./scaleOutPlan.js";

/**
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutPlan.js").ScaleOutResults} ScaleOutResults
 * @typedef {import("./scaleOutPlan.js").Configuration} Configuration
 * @typedef {{ configuration: Configuration, transports: ("websocket" | "sse")[],
 *   runs: ScaleOutRun[] }} Row
 */

const MIB = 1024 * 1024;
// A held rate this far below the offered one is the machine not keeping up: a window of a few
// seconds gains or loses a message or two of the rate to when those at its ends arrive.
const HELD = 0.9;

/** @param {"websocket" | "sse"} transport */
const transportName = (transport) => (transport === "sse" ? "SSE" : "WebSocket");

/**
 * Milliseconds, to a tenth while small.
 * @param {number} value
 */
const ms = (value) => (value < 100 ? value.toFixed(1) : Math.round(value).toLocaleString("en"));

/**
 * The median of `values`, and their range when there are several.
 * @param {number[]} values
 * @param {(value: number) => string} format
 */
const spread = (values, format) =>
  values.length === 1
    ? format(values[0] ?? Number.NaN)
    : `${format(median(values))} (${format(Math.min(...values))}–${format(Math.max(...values))})`;

/**
 * A latency percentile's median over `runs`, marked as a lower bound if it is one in any run.
 * @param {ScaleOutRun[]} runs
 * @param {"p50" | "p99"} key
 */
const latency = (runs, key) =>
  `${runs.some((run) => run.atLeast[key]) ? "≥ " : ""}${spread(
    runs.map((run) => run[key]),
    ms,
  )}`;

/**
 * Whether the median held rate over `runs` is short of the offered one.
 * @param {ScaleOutRun[]} runs
 */
export function fellShort(runs) {
  const held = median(runs.map((run) => run.held));
  return !(held >= median(runs.map((run) => run.offered)) * HELD);
}

/**
 * The held rate's median over `runs`, in bold when short of what was offered.
 * @param {ScaleOutRun[]} runs
 */
function heldOf(runs) {
  const text = spread(
    runs.map((run) => run.held),
    (value) => value.toFixed(value < 100 ? 1 : 0),
  );
  return fellShort(runs) ? `**${text}**` : text;
}

/**
 * @param {ScaleOutRun[]} runs
 * @param {(run: ScaleOutRun) => number} of
 */
const sum = (runs, of) => runs.reduce((total, run) => total + of(run), 0);

/** @param {ScaleOutRun} run */
export const allCpu = (run) => run.serverCpu + run.redisCpu;
/** @param {ScaleOutRun} run */
const allRss = (run) => (run.serverRss + run.redisRss) / MIB;

/**
 * Every row measured, in table order: a configuration with the transports of its runs.
 * @param {ScaleOutResults} results
 * @returns {Row[]}
 */
export function rowsOf(results) {
  return SCALE_OUT_CONFIGURATIONS.flatMap((configuration) => [
    {
      configuration,
      transports: configuration.transports,
      runs: results.runs[configuration.key] ?? [],
    },
    ...configuration.transports.map((transport) => ({
      configuration,
      transports: [transport],
      runs: results.runs[`${configuration.key}/${transport}`] ?? [],
    })),
  ]).filter(({ runs }) => runs.length > 0);
}

/**
 * The configuration's label, with the versions of what it runs.
 * @param {Configuration} configuration
 * @param {Record<string, string>} versions
 */
function labelOf(configuration, versions) {
  if (configuration.kind !== "socket.io-redis") return configuration.label;
  return configuration.label
    .replace("socket.io", `socket.io ${versions["socket.io"]}`)
    .replace("adapter", `adapter ${versions["@socket.io/redis-streams-adapter"]}`);
}

/**
 * Issue 14's load: offered and held rates, latency, CPU and memory, in Markdown.
 * @param {ScaleOutResults} results
 * @param {Record<string, string>} versions
 * @returns {string}
 */
export function issueTable(results, versions) {
  const lines = [
    "| Configuration | Subscribers | Offered msg/s | Held msg/s | p50 ms | p99 ms | CPU µs per delivered message, servers + redis-server | RSS MiB, servers + redis-server |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  const { subscribers } = results.load;
  for (const { configuration, transports, runs } of rowsOf(results)) {
    lines.push(
      [
        `| ${labelOf(configuration, versions)}`,
        transports
          .map((transport) => `${subscribers.toLocaleString("en")} ${transportName(transport)}`)
          .join(" + "),
        median(runs.map((run) => run.offered)).toFixed(0),
        heldOf(runs),
        latency(runs, "p50"),
        latency(runs, "p99"),
        spread(runs.map(allCpu), (value) => value.toFixed(1)),
        `${median(runs.map(allRss)).toFixed(0)} |`,
      ].join(" | "),
    );
  }
  return lines.join("\n");
}

/**
 * The sustainable rate: latency, CPU and memory, split by process, in Markdown.
 * @param {ScaleOutResults} results
 * @param {Record<string, string>} versions
 * @returns {string}
 */
export function sustainedTable(results, versions) {
  const lines = [
    "| Configuration | Transport | Held msg/s | p50 ms | p99 ms | CPU µs per delivered message: Node servers | redis-server | all servers | RSS MiB: Node servers | redis-server |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { configuration, transports, runs } of rowsOf(results)) {
    /** @param {(run: ScaleOutRun) => number} of @param {number} digits */
    const middle = (of, digits) => median(runs.map(of)).toFixed(digits);
    const withRedis = configuration.kind !== "wirekit-memory";
    lines.push(
      [
        `| ${labelOf(configuration, versions)}`,
        transports.map(transportName).join(" + "),
        heldOf(runs),
        latency(runs, "p50"),
        latency(runs, "p99"),
        middle((run) => run.serverCpu, 1),
        withRedis ? middle((run) => run.redisCpu, 2) : "–",
        spread(runs.map(allCpu), (value) => value.toFixed(1)),
        middle((run) => run.serverRss / MIB, 0),
        `${withRedis ? middle((run) => run.redisRss / MIB, 0) : "–"} |`,
      ].join(" | "),
    );
  }
  return lines.join("\n");
}

/**
 * The nearest peer's figures over ours, instance count for instance count, over WebSocket, in
 * Markdown; runs a transport each.
 * @param {ScaleOutResults} results
 * @returns {string}
 */
export function peerTable(results) {
  const lines = [
    "| Instances, WebSocket | p50 × ours | p99 × ours | CPU per delivered message × ours | RSS × ours |",
    "| ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const instances of [1, 3]) {
    const ours = results.runs[`redis-${instances}/websocket`] ?? [];
    const theirs = results.runs[`socket.io-${instances}/websocket`] ?? [];
    if (ours.length === 0 || theirs.length === 0) continue;
    /** @param {(run: ScaleOutRun) => number} of */
    const ratio = (of) => `${(median(theirs.map(of)) / median(ours.map(of))).toFixed(2)}×`;
    lines.push(
      `| ${instances} | ${ratio((run) => run.p50)} | ${ratio((run) => run.p99)} | ${ratio(allCpu)} | ${ratio(allRss)} |`,
    );
  }
  return lines.join("\n");
}

/**
 * What each row delivered, and what the machine was doing meanwhile, in Markdown.
 * @param {ScaleOutResults} results
 * @returns {string}
 */
export function conditionsTable(results) {
  const lines = [
    "| Configuration | Transport | Measured deliveries in time | Lost | Duplicated | Failed publishes | Last publish late by, ms | Cores used: servers + redis-server | clients | On a core when ready: servers | clients | Rest of the machine, cores |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  /** @param {number} count */
  const flagged = (count) => (count === 0 ? "0" : `**${count.toLocaleString("en")}**`);
  /** @param {number} share */
  const percent = (share) => `${(share * 100).toFixed(0)}%`;
  /** @param {ScaleOutRun[]} runs @param {(run: ScaleOutRun) => number} of */
  const middle = (runs, of) => median(runs.map(of));
  for (const { configuration, transports, runs } of rowsOf(results)) {
    const delivered = sum(runs, (run) => run.delivered);
    const expected = sum(runs, (run) => run.expected);
    const late = expected - delivered;
    lines.push(
      [
        `| ${configuration.label}`,
        transports.map(transportName).join(" + "),
        late === 0
          ? `100% (${expected.toLocaleString("en")})`
          : `**${((delivered / expected) * 100).toFixed(1)}% (${late.toLocaleString("en")} late)**`,
        flagged(sum(runs, (run) => run.skipped)),
        flagged(sum(runs, (run) => run.duplicates)),
        flagged(sum(runs, (run) => run.failed)),
        `${runs.some((run) => run.behindAtLeast) ? "≥ " : ""}${ms(Math.max(...runs.map((run) => run.behind)))}`,
        middle(runs, (run) => run.serverShare).toFixed(2),
        middle(runs, (run) => run.clientShare).toFixed(2),
        percent(middle(runs, (run) => run.serverGot)),
        percent(middle(runs, (run) => run.clientGot)),
        `${middle(runs, (run) => run.othersShare).toFixed(2)} |`,
      ].join(" | "),
    );
  }
  return lines.join("\n");
}
