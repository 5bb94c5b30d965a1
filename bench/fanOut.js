// Fan-out: what one message to a thousand subscribers of one channel costs a server, for
// wirekit's servers and their contenders side by side, in the same run. Three processes: the
// harness (this one, which only orchestrates), one server (bench/fanOutServer.js, fresh for each
// contender and round) and the clients (bench/fanOutClients.js, raw sockets that count messages).
//
//   node bench/fanOut.js --measure websocket|sse   the measurement, as JSON (run.js uses this)
//   node bench/fanOut.js [websocket|sse]           the same, as Markdown

import { spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { median } from "./channelThroughput.js";
import { startChild } from "./forkedChild.js";

/** Subscribers on the one channel. */
export const FAN_OUT_SUBSCRIBERS = 1000;
/** Rounds; each runs every contender once, in a rotating order. */
export const FAN_OUT_ROUNDS = 4;
/** Messages of the CPU phase, and the milliseconds between them. */
export const PACED_MESSAGES = 40;
export const PACED_INTERVAL = 40;
/** Milliseconds the held-rate phase publishes for. */
export const FLAT_DURATION = 1000;
/** Messages published (and discarded) before measuring, so every contender's code is optimized. */
export const FAN_OUT_WARMUP = 10;
/** The channel server's CPU per delivered message over socket.io's, at most. */
export const WEBSOCKET_TARGET = 1;
/** The SSE handler's CPU per delivered message over the bare node:http floor's, at most. */
export const SSE_TARGET = 1.2;

const SERVER = fileURLToPath(new URL("./fanOutServer.js", import.meta.url));
const CLIENTS = fileURLToPath(new URL("./fanOutClients.js", import.meta.url));
// A probe every this many ms until every client has heard one; then nothing is in flight.
const PROBE_INTERVAL = 100;

/**
 * @typedef {object} Contender
 * @property {string} key What bench/fanOutServer.js runs.
 * @property {string} label
 * @property {"ours" | "contender" | "floor"} role
 */

/** @type {Record<"websocket" | "sse", Contender[]>} */
export const FAN_OUT_CONTENDERS = {
  websocket: [
    { key: "wirekit-ws", label: "wirekit `createChannelServer`", role: "ours" },
    { key: "socket.io", label: "socket.io (room broadcast)", role: "contender" },
    { key: "ws", label: "bare `ws` (pre-encoded loop)", role: "floor" },
  ],
  sse: [
    { key: "wirekit-sse", label: "wirekit `createEventStreamHandler`", role: "ours" },
    { key: "better-sse", label: "better-sse (channel broadcast)", role: "contender" },
    { key: "node:http", label: "bare `node:http` (pre-encoded loop)", role: "floor" },
  ],
};

/**
 * One contender in one round.
 * @typedef {object} FanOutRun
 * @property {number} cpu Microseconds of the server's CPU per delivered message, paced phase.
 * @property {number} held Messages a second the server published and every client received, flat out.
 * @property {number} heldCpu Microseconds of the server's CPU per delivered message, flat out.
 * @property {number} heldShare The share of one core the server's process had, flat out: below
 *   1, it waited for its clients or for a core.
 * @property {number} clientCpu Microseconds of the clients' CPU per delivered message, flat out.
 * @property {number} heap Bytes of the server's heap per connection (after full GCs).
 */

/** @typedef {Record<string, FanOutRun[]>} FanOutMeasurement Runs by contender key. */

/**
 * Measures every contender of `transport` in this process.
 * @param {"websocket" | "sse"} transport
 * @returns {Promise<FanOutMeasurement>}
 */
async function measureHere(transport) {
  const contenders = FAN_OUT_CONTENDERS[transport];
  const clients = startChild(CLIENTS);
  /** @type {FanOutMeasurement} */
  const measurement = Object.fromEntries(contenders.map(({ key }) => [key, []]));
  const subscribers = FAN_OUT_SUBSCRIBERS;
  try {
    for (let round = 0; round < FAN_OUT_ROUNDS; round++) {
      const order = contenders.map((_, index) => contenders[(index + round) % contenders.length]);
      for (const contender of order) {
        if (contender === undefined) continue;
        const server = startChild(SERVER, { args: [contender.key], execArgv: ["--expose-gc"] });
        try {
          const { port, dialect } = await server.ask(undefined, "listening");
          const heapBefore = (await server.ask({ type: "heap" }, "heap")).used;
          await clients.ask({ type: "open", port, dialect, connections: subscribers }, "opened");
          for (;;) {
            await server.ask({ type: "probe" }, "probed");
            await delay(PROBE_INTERVAL);
            if ((await clients.ask({ type: "status" }, "status")).silent === 0) break;
          }
          /** @param {object} request @param {string} reply @param {number} messages */
          const phase = async (request, reply, messages = 0) => {
            await clients.ask({ type: "zero" }, "zeroed");
            const started = performance.now();
            const { published = messages } = await server.ask(request, reply);
            const { cpu: clientCpu } = await clients.ask(
              { type: "reach", total: published * subscribers },
              "reached",
            );
            const elapsed = performance.now() - started;
            const { cpu } = await server.ask({ type: "cpu" }, "cpu");
            const deliveries = published * subscribers;
            return {
              published,
              elapsed,
              share: cpu / 1000 / elapsed,
              cpu: cpu / deliveries,
              clientCpu: clientCpu / deliveries,
            };
          };
          const pacing = { type: "paced", interval: PACED_INTERVAL };
          await phase({ ...pacing, count: FAN_OUT_WARMUP }, "paced", FAN_OUT_WARMUP);
          const heapAfter = (await server.ask({ type: "heap" }, "heap")).used;
          const paced = await phase({ ...pacing, count: PACED_MESSAGES }, "paced", PACED_MESSAGES);
          const flat = await phase({ type: "flat", duration: FLAT_DURATION }, "flat");
          measurement[contender.key]?.push({
            cpu: paced.cpu,
            held: flat.published / (flat.elapsed / 1000),
            heldCpu: flat.cpu,
            heldShare: flat.share,
            clientCpu: flat.clientCpu,
            heap: (heapAfter - heapBefore) / subscribers,
          });
          await clients.ask({ type: "close" }, "closed");
        } finally {
          server.stop();
        }
      }
    }
  } finally {
    clients.stop();
  }
  return measurement;
}

/**
 * Runs the measurement in a fresh process (which starts the server and client processes).
 * @param {"websocket" | "sse"} transport
 * @returns {FanOutMeasurement}
 */
export function fanOut(transport) {
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--measure", transport],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (result.status !== 0) throw new Error(`the ${transport} fan-out measurement failed`);
  return /** @type {FanOutMeasurement} */ (JSON.parse(result.stdout));
}

/**
 * @param {number[]} values
 * @param {number} digits
 */
const spread = (values, digits) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

/**
 * Our CPU per delivered message over the reference's (socket.io for WebSocket, the floor for
 * SSE), each the median over the rounds, and whether the target is met.
 * @param {"websocket" | "sse"} transport
 * @param {FanOutMeasurement} measurement
 */
function verdictOf(transport, measurement) {
  const contenders = FAN_OUT_CONTENDERS[transport];
  const cpuOf = (/** @type {"ours" | "contender" | "floor"} */ role) =>
    median(
      (measurement[contenders.find((c) => c.role === role)?.key ?? ""] ?? []).map((run) => run.cpu),
    );
  const reference = transport === "websocket" ? "contender" : "floor";
  const target = transport === "websocket" ? WEBSOCKET_TARGET : SSE_TARGET;
  const ratio = cpuOf("ours") / cpuOf(reference);
  return { ratio, target, met: ratio <= target };
}

/**
 * The section's table, in Markdown.
 * @param {"websocket" | "sse"} transport
 * @param {FanOutMeasurement} measurement
 * @param {Record<string, string>} versions Each contender's version, by key.
 * @returns {string}
 */
export function fanOutTable(transport, measurement, versions) {
  const contenders = FAN_OUT_CONTENDERS[transport];
  const ours = median((measurement[contenders[0]?.key ?? ""] ?? []).map((run) => run.cpu));
  const lines = [
    "| Server | CPU µs per delivered message | × ours | Held rate, messages/s | Its share of a core then | CPU µs per delivery then | Clients' CPU µs per delivery then | Heap per connection |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const { key, label } of contenders) {
    const runs = measurement[key] ?? [];
    /** @param {(run: FanOutRun) => number} of @param {number} digits */
    const column = (of, digits) => spread(runs.map(of), digits);
    lines.push(
      [
        `| ${versions[key] === undefined ? label : label.replace(/ \(|$/, ` ${versions[key]}$&`)}`,
        column((run) => run.cpu, 1),
        `${(median(runs.map((run) => run.cpu)) / ours).toFixed(2)}×`,
        column((run) => run.held, 0),
        column((run) => run.heldShare, 2),
        column((run) => run.heldCpu, 1),
        column((run) => run.clientCpu, 1),
        `${column((run) => run.heap / 1024, 1)} KiB |`,
      ].join(" | "),
    );
  }
  const { ratio, target, met } = verdictOf(transport, measurement);
  const against = transport === "websocket" ? "socket.io" : "the bare `node:http` floor";
  lines.push(
    "",
    `| CPU per delivered message: ours / ${against} | Target | Met |`,
    "| ---: | ---: | :---: |",
    `| ${ratio.toFixed(2)}× | ≤ ${target}× | ${met ? "yes" : "**no**"} |`,
  );
  return lines.join("\n");
}

/**
 * @param {"websocket" | "sse"} transport
 * @param {FanOutMeasurement} measurement
 * @returns {string}
 */
export function fanOutVerdict(transport, measurement) {
  const { ratio, target, met } = verdictOf(transport, measurement);
  const what =
    transport === "websocket"
      ? "The channel server's CPU per delivered message, 1,000 WebSocket subscribers on one channel, at or below socket.io's"
      : "The SSE handler's CPU per delivered message, 1,000 event streams on one channel, within 1.2× of the bare `node:http` floor's";
  return `- ${what} (≤ ${target}×): **${met ? "met" : "not met"}** (${ratio.toFixed(2)}×).`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const measureIndex = process.argv.indexOf("--measure");
  const transport = /** @type {"websocket" | "sse"} */ (
    process.argv[measureIndex === -1 ? 2 : measureIndex + 1] ?? "websocket"
  );
  if (!(transport in FAN_OUT_CONTENDERS)) throw new Error(`unknown transport ${transport}`);
  const main =
    measureIndex !== -1
      ? measureHere(transport).then((result) => {
          process.stdout.write(JSON.stringify(result));
        })
      : Promise.resolve().then(() => {
          const measurement = fanOut(transport);
          console.log(fanOutTable(transport, measurement, {}));
          console.log(fanOutVerdict(transport, measurement));
        });
  main.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
