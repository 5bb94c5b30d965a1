// The scale-out benchmark's section of BENCHMARKS.md, from a measurement (bench/scaleOut.js):
// what run.js writes with the other sections, and what `node bench/scaleOut.js --write` puts in
// place of the section alone.

import { readFileSync, writeFileSync } from "node:fs";
import { median } from "./channelThroughput.js";
import {
  ISSUE_LOAD,
  SCALE_OUT_CONFIGURATIONS,
  SCALE_OUT_DRAIN,
  SCALE_OUT_PROBE_INTERVAL,
  SCALE_OUT_WARMUP,
} from "./scaleOutPlan.js";

/**
 * @typedef {import("./scaleOutPlan.js").ScaleOutRun} ScaleOutRun
 * @typedef {import("./scaleOutPlan.js").ScaleOutMeasurement} ScaleOutMeasurement
 */

const HEADING = "## Scale-out";
// Where the section goes in a BENCHMARKS.md that has none yet: where run.js writes it.
const FOLLOWING_HEADING = "## Reconnect storm";
const MIB = 1024 * 1024;

/**
 * The median of `values`, and their range.
 * @param {number[]} values
 * @param {number} digits
 */
const spread = (values, digits) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

/**
 * @param {ScaleOutRun[]} runs
 * @param {(run: ScaleOutRun) => number} of
 */
const sum = (runs, of) => runs.reduce((total, run) => total + of(run), 0);

/** @param {ScaleOutRun} run */
const allCpu = (run) => run.serverCpu + run.redisCpu;
/** @param {ScaleOutRun} run */
const allRss = (run) => (run.serverRss + run.redisRss) / MIB;

/**
 * Every configuration and transport measured, in table order, with its runs.
 * @param {ScaleOutMeasurement} measurement
 */
function rowsOf(measurement) {
  return SCALE_OUT_CONFIGURATIONS.flatMap((configuration) =>
    configuration.transports.map((transport) => ({
      configuration,
      transport,
      runs: measurement.runs[`${configuration.key}/${transport}`] ?? [],
    })),
  ).filter(({ runs }) => runs.length > 0);
}

/**
 * The configuration's label, with the versions of what it runs.
 * @param {import("./scaleOutPlan.js").Configuration} configuration
 * @param {Record<string, string>} versions
 */
function labelOf(configuration, versions) {
  if (configuration.kind !== "socket.io-redis") return configuration.label;
  return configuration.label
    .replace("socket.io", `socket.io ${versions["socket.io"]}`)
    .replace("adapter", `adapter ${versions["@socket.io/redis-streams-adapter"]}`);
}

/**
 * Latency, CPU and memory, in Markdown.
 * @param {ScaleOutMeasurement} measurement
 * @returns {string}
 */
export function scaleOutTable(measurement) {
  const lines = [
    "| Configuration | Transport | p50 ms | p99 ms | CPU µs per delivered message: Node servers | redis-server | all servers | RSS MiB: Node servers | redis-server |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { configuration, transport, runs } of rowsOf(measurement)) {
    /** @param {(run: ScaleOutRun) => number} of @param {number} digits */
    const middle = (of, digits) => median(runs.map(of)).toFixed(digits);
    const withRedis = configuration.kind !== "wirekit-memory";
    lines.push(
      [
        `| ${labelOf(configuration, measurement.versions)}`,
        transport === "sse" ? "SSE" : "WebSocket",
        spread(
          runs.map((run) => run.p50),
          1,
        ),
        spread(
          runs.map((run) => run.p99),
          1,
        ),
        middle((run) => run.serverCpu, 1),
        withRedis ? middle((run) => run.redisCpu, 2) : "–",
        spread(runs.map(allCpu), 1),
        middle((run) => run.serverRss / MIB, 0),
        `${withRedis ? middle((run) => run.redisRss / MIB, 0) : "–"} |`,
      ].join(" | "),
    );
  }
  return lines.join("\n");
}

/**
 * What each row delivered, and what the machine was doing meanwhile, in Markdown.
 * @param {ScaleOutMeasurement} measurement
 * @returns {string}
 */
function conditionsTable(measurement) {
  const lines = [
    "| Configuration | Transport | Delivered / expected | Duplicated | Failed publishes | Publisher behind, ms at most | On a core when ready: servers | clients | Rest of the machine, cores |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  /** @param {number} count */
  const flagged = (count) => (count === 0 ? "0" : `**${count.toLocaleString("en")}**`);
  /** @param {number} share */
  const percent = (share) => `${(share * 100).toFixed(0)}%`;
  for (const { configuration, transport, runs } of rowsOf(measurement)) {
    const delivered = sum(runs, (run) => run.delivered);
    const expected = sum(runs, (run) => run.expected);
    const lost = expected - delivered;
    lines.push(
      [
        `| ${configuration.label}`,
        transport === "sse" ? "SSE" : "WebSocket",
        lost === 0
          ? `100% (${expected.toLocaleString("en")})`
          : `**${((delivered / expected) * 100).toFixed(3)}% (${lost.toLocaleString("en")} lost)**`,
        flagged(sum(runs, (run) => run.duplicates)),
        flagged(sum(runs, (run) => run.failed)),
        Math.max(...runs.map((run) => run.lateMax)).toFixed(0),
        percent(median(runs.map((run) => run.serverGot))),
        percent(median(runs.map((run) => run.clientGot))),
        `${median(runs.map((run) => run.othersShare)).toFixed(2)} |`,
      ].join(" | "),
    );
  }
  return lines.join("\n");
}

/**
 * The nearest peer's figures over ours, instance count for instance count, in Markdown.
 * @param {ScaleOutMeasurement} measurement
 * @returns {string}
 */
function peerTable(measurement) {
  const lines = [
    "| Instances, WebSocket | p50 × ours | p99 × ours | CPU per delivered message × ours | RSS × ours |",
    "| ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const instances of [1, 3]) {
    const ours = measurement.runs[`redis-${instances}/websocket`] ?? [];
    const theirs = measurement.runs[`socket.io-${instances}/websocket`] ?? [];
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
 * The load paragraph: why the rate is not issue 14's, from this run's own CPU figures.
 * @param {ScaleOutMeasurement} measurement
 */
function loadNote(measurement) {
  const { load } = measurement;
  const issueDeliveries = ISSUE_LOAD.subscribers * ISSUE_LOAD.rate;
  const single = ["memory/websocket", "memory/sse"]
    .flatMap((key) => measurement.runs[key] ?? [])
    .map((run) => run.serverCpu);
  if (load.rate >= ISSUE_LOAD.rate || single.length === 0) {
    return `- **Load.** Issue 14's: ${load.subscribers.toLocaleString("en")} subscribers at ${load.rate} messages a second.`;
  }
  const needed = (/** @type {number} */ cpu) => ((cpu * issueDeliveries) / 1e6).toFixed(1);
  return `- **Load.** Issue 14 asks for ${ISSUE_LOAD.subscribers.toLocaleString("en")} subscribers at ${ISSUE_LOAD.rate} messages a second: ${issueDeliveries.toLocaleString("en")}
  deliveries a second per transport. One Node process writes every one of its sockets from its
  one main thread, and at the ${Math.min(...single).toFixed(1)}–${Math.max(...single).toFixed(1)} µs per delivered message the memory broker's rows measure
  here, that is ${needed(Math.min(...single))}–${needed(Math.max(...single))} s of that thread's time every second: one process
  cannot carry it on this machine. Asked to, the publishing instance falls further behind for as
  long as the run lasts, and since each message is stamped when its publish call actually
  happens, the latency columns would not even show it (the "publisher behind" column does). So
  the subscribers are kept and the rate is lowered to ${load.rate} a second, which every configuration
  carries; \`node bench/scaleOut.js --rate ${ISSUE_LOAD.rate}\` runs the issue's load on a machine that can.
  The two transports are measured in separate runs of ${load.subscribers.toLocaleString("en")} subscribers each, so that each
  row's CPU and memory are its transport's (socket.io has no event-stream transport).`;
}

/**
 * The whole section, from its heading on, in Markdown.
 * @param {ScaleOutMeasurement} measurement
 * @returns {string}
 */
export function scaleOutSection(measurement) {
  const { load, versions } = measurement;
  const messages = Math.round(load.rate * load.seconds);
  return `${HEADING}

\`bench/scaleOut.js\` (issue 14): how long a message takes from the publish call to the
subscribers, and what delivering it costs in CPU and memory, for wirekit's servers on the
memory broker in one process and on the Redis broker with one and with three instances, next to
socket.io on \`@socket.io/redis-streams-adapter\` (its adapter on Redis Streams, the nearest peer)
with one and three instances, in the same run: ${load.subscribers.toLocaleString("en")} subscribers of one channel per run,
${load.rate} messages a second.

- **Measured:** ${measurement.date} on ${measurement.machine}, in ${measurement.seconds} s; redis-server ${versions["redis-server"]}, node-redis (\`redis\`) ${versions["redis"]} for both wirekit's broker and the adapter.

${scaleOutTable(measurement)}

The nearest peer over wirekit's Redis broker with as many instances (above 1×, socket.io's
figure is the higher):

${peerTable(measurement)}

What each row delivered, and what the machine was doing meanwhile:

${conditionsTable(measurement)}

Latencies, CPU and memory are the median over ${load.rounds} rounds, with the range of the rounds in
brackets; the percentiles of a round are over every delivery of its ${messages.toLocaleString("en")} measured messages
(nearest rank). Deliveries, duplicates and failures are totals over the rounds.

${loadNote(measurement)}
- **Processes.** Each instance is a fresh Node process (\`bench/scaleOutServer.js\`, one per
  instance and run, on 127.0.0.1 port 0); a wirekit instance serves \`createChannelServer\` and
  \`createEventStreamHandler\` with their default options on one port, a socket.io instance
  \`new Server(http, { transports: ["websocket"], adapter: createAdapter(client) })\` with the
  adapter's defaults and a connection handler that joins the room. Each run that uses Redis starts
  its own \`redis-server\` (Debian's; no persistence, a unix socket in a temporary directory, no
  TCP port) and kills it afterwards. All the subscribers of a run share one other process
  (\`bench/scaleOutClients.js\`), so that their CPU is never counted as a server's; this one only
  orchestrates.
- **Subscribers** are raw TCP sockets, as in the fan-out benchmark: a WebSocket subscriber writes
  the upgrade by hand, then \`subscribe\` to \`c1\` (wirekit) or \`40\` (socket.io: the main
  namespace, whose connection handler joins room \`c1\`); an event stream sends
  \`GET /events?channels=c1\`. With three instances the i-th subscriber connects to instance
  i mod 3.
- **Publishing.** Instance 1 publishes every message, from its own code, as an application's
  server would: \`broker.publish("c1", data)\` for wirekit (on the Redis broker: one script that
  stores it in the channel's stream and announces it on pub/sub; every instance, the publisher's
  too, delivers what pub/sub brings), \`io.to("c1").emit("message", data)\` for socket.io (the
  adapter appends it to its stream and, once Redis answers, delivers it to the publisher's own
  sockets; the other instances read it with \`XREAD BLOCK\`). Messages go out on a timer at their
  own due times, ${load.rate} a second; "publisher behind" is how late that timer fired at most.
- **Latency.** The data (about 110 bytes of JSON) starts with \`{"n":<number>,"t":<time>\`: the
  publisher reads the machine's monotonic clock (\`process.hrtime\`, one clock for every
  process) just before the publish call. A subscriber finds that prefix in the bytes it reads,
  whatever the framing, and takes the time once per read, when the read reaches JavaScript;
  publish to arrival is the difference. So it includes the subscriber process reading
  ${load.subscribers.toLocaleString("en")} sockets in turn on a shared core: the same for every row.
- **A run.** A probe every ${SCALE_OUT_PROBE_INTERVAL} ms until every subscriber has heard one, then ${SCALE_OUT_WARMUP} s of messages that are not
  measured, then ${load.seconds} s (${messages.toLocaleString("en")} messages) measured. Each subscriber must hear every
  message once, in order: one it heard before counts as duplicated, and one that has not
  arrived ${SCALE_OUT_DRAIN / 1000} s after the last publish as lost. **CPU per delivered message**: \`process.cpuUsage()\` of
  every instance, user plus system, summed, and redis-server's own (\`INFO cpu\`), from the
  first measured publish until every subscriber has heard the last, over messages ×
  subscribers. As in the fan-out section, most of it is the kernel's loopback TCP work in each
  socket write. **RSS**: each instance's \`process.memoryUsage.rss()\`, summed, and
  redis-server's \`used_memory_rss\` (\`INFO memory\`), once every subscriber has heard the last
  measured message, all still connected; every Node process starts with a few tens of MiB of its
  own, which three instances pay three times.
- **Cores.** "On a core when ready" is, of the time a process's main thread was ready to run
  (\`/proc/<pid>/schedstat\`), the share it spent on a core rather than waiting for one; the
  rest of the machine is its busy time (\`/proc/stat\`) less what this run's processes used, i.e.
  everyone else's work on this shared VM at the time. Three instances, redis-server and the
  subscribers share 2 cores, so latency moves with those columns; CPU per delivered message much
  less. A round runs every row once, in an order that starts a third of the list further along
  than the round before.`;
}

/**
 * Puts the section into BENCHMARKS.md in place of the one there, or where run.js writes it.
 * @param {ScaleOutMeasurement} measurement
 */
export function writeScaleOutSection(measurement) {
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  const markdown = readFileSync(file, "utf8");
  const section = `${scaleOutSection(measurement)}\n\n`;
  const start = markdown.indexOf(`\n${HEADING}\n`);
  if (start !== -1) {
    const end = markdown.indexOf("\n## ", start + 1);
    const rest = end === -1 ? "" : markdown.slice(end + 1);
    writeFileSync(file, `${markdown.slice(0, start + 1)}${section}${rest}`);
    return;
  }
  const before = markdown.indexOf(`\n${FOLLOWING_HEADING}\n`);
  if (before === -1)
    throw new Error(`BENCHMARKS.md has neither ${HEADING} nor ${FOLLOWING_HEADING}`);
  writeFileSync(file, `${markdown.slice(0, before + 1)}${section}${markdown.slice(before + 1)}`);
}
