// The scale-out benchmark's section of BENCHMARKS.md, from a measurement (bench/scaleOut.js):
// what run.js writes with the other sections, and what `node bench/scaleOut.js --write` puts in
// place of the section alone. The tables are bench/scaleOutTables.js.

import { readFileSync, writeFileSync } from "node:fs";
import { median } from "./channelThroughput.js";
import { SCALE_OUT_DRAIN, SCALE_OUT_PROBE_INTERVAL, SCALE_OUT_WARMUP } from "./scaleOutPlan.js";
import {
  allCpu,
  conditionsTable,
  fellShort,
  issueTable,
  peerTable,
  rowsOf,
  sustainedTable,
} from "./scaleOutTables.js";

/**
 * @typedef {import("./scaleOutPlan.js").ScaleOutMeasurement} ScaleOutMeasurement
 * @typedef {import("./scaleOutPlan.js").ScaleOutResults} ScaleOutResults
 */

const HEADING = "## Scale-out";
// Where the section goes in a BENCHMARKS.md that has none yet: where run.js writes it.
const FOLLOWING_HEADING = "## Reconnect storm";

/** @param {number} count */
const counted = (count) => count.toLocaleString("en");

/**
 * A paragraph whose figures vary in length, refilled to the file's line width.
 * @param {string} text
 */
function filled(text) {
  const lines = [""];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const line = lines[lines.length - 1] ?? "";
    if (line !== "" && line.length + 1 + word.length > 100) lines.push(word);
    else lines[lines.length - 1] = line === "" ? word : `${line} ${word}`;
  }
  return lines.join("\n");
}

/**
 * What the issue's load asks of this machine, from the run's own figures, and which rows did not
 * hold it.
 * @param {ScaleOutResults} issue
 */
function issueNote(issue) {
  const rows = rowsOf(issue);
  if (rows.length === 0) return "";
  const { load } = issue;
  const subscribers = Math.max(...rows.flatMap((row) => row.runs.map((run) => run.subscribers)));
  const deliveries = load.rate * subscribers;
  const memory = (issue.runs["memory"] ?? []).map(allCpu);
  const others = median(rows.flatMap((row) => row.runs.map((run) => run.othersShare)));
  const cost =
    memory.length === 0
      ? ""
      : ` At the ${median(memory).toFixed(1)} µs of CPU per delivered message the memory broker's
row measures, that is ${((median(memory) * deliveries) / 1e6).toFixed(1)} cores' worth of work every second for one server process,
whose JavaScript runs on one thread, on a machine of 2 cores that the subscribers' processes
share; other work took ${others.toFixed(2)} of them meanwhile (the conditions table).`;
  const short = rows.filter((row) => fellShort(row.runs));
  const verdict =
    short.length === 0
      ? "Every row held the offered rate."
      : `${short.length === rows.length ? "No row" : `${rows.length - short.length} of ${rows.length} rows`} held the offered rate: held rates in bold are below 90% of it.`;
  const paragraphs = `${counted(load.rate)} messages a second to ${counted(subscribers)} subscribers is ${counted(deliveries)} deliveries a
second.${cost} ${verdict}

A row that falls behind shows it in its latency, which counts from each message's due time: its
backlog grows for as long as the stream lasts, so its percentiles say how far behind it got over
this run's ${SCALE_OUT_WARMUP + load.seconds} s of publishing, not a steady state (a longer run would give larger ones), and
"≥" marks those that rest on deliveries still not made ${SCALE_OUT_DRAIN / 1000} s after the window's end (counted with
the time they had waited by then). socket.io has no event-stream transport, so its rows carry
${counted(load.subscribers)} WebSocket subscribers only, half the deliveries of wirekit's rows, which makes their held
rate and latency easier to reach: held rates and latencies compare only between rows with the
same subscribers, CPU and memory per delivered message across the table. Not with the table
below, though: behind a backlog, work batches differently (a socket can get several messages in one
turn of the event loop), so compare CPU within a table.`;
  return paragraphs.split("\n\n").map(filled).join("\n\n");
}

/**
 * The whole section, from its heading on, in Markdown.
 * @param {ScaleOutMeasurement} measurement
 * @returns {string}
 */
export function scaleOutSection(measurement) {
  const { issue, sustained, versions } = measurement;
  const messages = Math.round(sustained.load.rate * sustained.load.seconds);
  const issueMessages = Math.round(issue.load.rate * issue.load.seconds);
  return `${HEADING}

\`bench/scaleOut.js\` (issue 14): how long a message takes from the time it was due to be
published to the subscribers, how many messages a second get through, and what delivering them
costs in CPU and memory, for wirekit's servers on the memory broker in one process and on the
Redis broker with one and with three instances, next to socket.io on
\`@socket.io/redis-streams-adapter\` (its adapter on Redis Streams, the nearest peer) with one and
three instances, in the same run. First issue 14's load as it stands, which a 2-core machine
cannot carry; then a rate every configuration holds, where latencies compare.

- **Measured:** ${measurement.date} on ${measurement.machine}, in ${measurement.seconds} s; redis-server ${versions["redis-server"]}, node-redis (\`redis\`) ${versions["redis"]} for both wirekit's broker and the adapter.

### Issue 14's load: ${counted(issue.load.rate)} messages a second, ${counted(issue.load.subscribers)} WebSocket subscribers and ${counted(issue.load.subscribers)} event streams at once

${issueTable(issue, versions)}

${issueNote(issue)}

What each row delivered, and what the machine was doing meanwhile:

${conditionsTable(issue)}

${issue.load.rounds === 1 ? "One round" : `The median over ${issue.load.rounds} rounds, with their range in brackets`}; the percentiles are over every delivery of the ${counted(issueMessages)} measured
messages (nearest rank, to 0.5%). Measured deliveries in time are those made by ${SCALE_OUT_DRAIN / 1000} s after the
window's end, the rest late; lost, those a subscriber never heard though it heard a later one.

### A rate every configuration holds: ${counted(sustained.load.rate)} messages a second, one transport per run

${counted(sustained.load.subscribers)} subscribers of one transport per run, so that each row's CPU and memory are its
transport's, and latencies compare with socket.io's where neither side is saturated.

${sustainedTable(sustained, versions)}

The nearest peer over wirekit's Redis broker with as many instances (above 1×, socket.io's
figure is the higher):

${peerTable(sustained)}

What each row delivered, and what the machine was doing meanwhile:

${conditionsTable(sustained)}

Rates, latencies, CPU and memory are the median over ${sustained.load.rounds} round${sustained.load.rounds === 1 ? "" : "s"}, with the range of the
rounds in brackets; the percentiles of a round are over every delivery of its ${counted(messages)} measured
messages (nearest rank, to 0.5%). Deliveries, losses, duplicates and failures are totals over the
rounds.

### How it is measured

- **Processes.** Each instance is a fresh Node process (\`bench/scaleOutServer.js\`, one per
  instance and run, on 127.0.0.1 port 0); a wirekit instance serves \`createChannelServer\` and
  \`createEventStreamHandler\` with their default options on one port, a socket.io instance
  \`new Server(http, { transports: ["websocket"], adapter: createAdapter(client) })\` with the
  adapter's defaults and a connection handler that joins the room. Each run that uses Redis starts
  its own \`redis-server\` (Debian's; no persistence, a unix socket in a temporary directory, no
  TCP port) and kills it afterwards. The subscribers of each transport share one other process
  (\`bench/scaleOutClients.js\`), so that their CPU is never counted as a server's; this one only
  orchestrates.
- **Subscribers** are raw TCP sockets, as in the fan-out benchmark: a WebSocket subscriber writes
  the upgrade by hand, then \`subscribe\` to \`c1\` (wirekit) or \`40\` (socket.io: the main
  namespace, whose connection handler joins room \`c1\`); an event stream sends
  \`GET /events?channels=c1\`. With three instances the i-th subscriber of each transport
  connects to instance i mod 3.
- **Publishing.** Instance 1 publishes every message, from its own code, as an application's
  server would: \`broker.publish("c1", data)\` for wirekit (on the Redis broker: one script that
  stores it in the channel's stream and announces it on pub/sub; every instance, the publisher's
  too, delivers what pub/sub brings), \`io.to("c1").emit("message", data)\` for socket.io (the
  adapter appends it to its stream and, once Redis answers, delivers it to the publisher's own
  sockets; the other instances read it with \`XREAD BLOCK\`). Each message has a due time on a
  fixed schedule, the rate's, and goes out then, one publish per turn of the event loop as
  events from sockets would come; a publisher that falls behind publishes the next as soon as it
  can. "Last publish late by" is how long after its due time the window's last message went
  out ("≥": not yet by the drain deadline).
- **Latency** runs from the message's due time, not from when the publish call was made, so that
  falling behind shows in it rather than in a lower rate (no coordinated omission). The data
  (about 110 bytes of JSON) starts with \`{"n":<number>,"t":<due time>\` on the machine's
  monotonic clock (\`process.hrtime\`, one clock for every process). A subscriber finds that
  prefix in the bytes it reads, whatever the framing, and takes the time once per read, when the
  read reaches JavaScript; the difference is the latency. So it includes the subscriber process
  reading its sockets in turn on a shared core: the same for every row.
- **A run.** A probe every ${SCALE_OUT_PROBE_INTERVAL} ms until every subscriber has heard one, then one stream on one
  schedule: ${SCALE_OUT_WARMUP} s of warm-up, not measured, then the measured window; a row that falls behind
  carries the warm-up's backlog into the window, as it would in production. Each subscriber
  must hear every message once, in order: one it heard before counts as duplicated, one it
  skipped as lost. **Held rate**: the deliveries of any message that the subscribers' processes
  read over the window, per subscriber and second; in bold below 90% of the offered rate (over a
  few seconds, when the messages at the window's ends arrive moves it a little either way).
  **Latency**: every delivery of the messages due in the window, made by ${SCALE_OUT_DRAIN / 1000} s after its end;
  one not made by then counts with the time it had waited, so a percentile it reaches is a lower
  bound (≥). **CPU per delivered message**: every instance's and redis-server's CPU, all
  threads, user plus system (the sum of their threads' time on a core,
  \`/proc/<pid>/task/*/schedstat\`), over the window, over the deliveries made in it; read by
  this process at the window's ends, since a saturated server answers a message seconds late.
  As in the fan-out section, most of it is the kernel's loopback TCP work in each socket write.
  **RSS**: each instance's resident set (\`VmRSS\`, \`/proc/<pid>/status\`), summed, and
  redis-server's, as the window ends, every subscriber connected; every Node process starts with
  a few tens of MiB of its own, which three instances pay three times.
- **Cores.** "Cores used" is CPU time over the window's wall time. "On a core when
  ready" is, of the time a process's main thread was ready to run (\`/proc/<pid>/schedstat\`), the
  share it spent on a core rather than waiting for one; the rest of the machine is its busy time
  (\`/proc/stat\`) less what this run's processes used, i.e. everyone else's work on this shared VM
  at the time. Three instances, redis-server and the subscribers share 2 cores, so latency moves
  with those columns; CPU per delivered message much less. A round runs every row once, in an
  order that starts a third of the list further along than the round before.`;
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
