// Under attack: how late a good client's messages arrive while hostile connections flood the
// same @wirekit/server channel server, next to how late they arrive with no flood, in one run.
// Three processes besides the harness: the server (bench/attackServer.js), which publishes the
// good client's stream and stamps each message with its publish time; the flood
// (bench/attackFlood.js); and this one, the good client, which computes each message's latency
// on arrival at its ChannelClient listener.
//
//   node bench/underAttack.js --client   the measurement, as JSON (run.js uses this)
//   node bench/underAttack.js            the same, summarized
//   node bench/underAttack.js --burn 400 the control: the attacker's process spins the CPU for
//                                        400 ms instead of flooding (with --client: as JSON)

import { spawnSync } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import {
  CHANNEL_SUBPROTOCOL,
  ChannelClient,
  Connection,
  jsonChannelProtocol,
  webSocketTransport,
} from "@wirekit/core";
import { WebSocket } from "ws";
import { median } from "./channelThroughput.js";
import { startChild } from "./forkedChild.js";

/** Rounds; each has one quiet and one flooded phase, alternating which comes first. */
export const ATTACK_ROUNDS = 5;
/** Messages per second the server publishes to the good client. */
export const STREAM_RATE = 200;
/** Messages per phase (5 s at STREAM_RATE). */
export const PHASE_MESSAGES = 1000;
export const FLOOD_CONNECTIONS = 2;
export const FLOOD_FRAMES = 100_000;
/** Into a flooded phase, when the flood starts: the stream is steady by then. */
export const FLOOD_DELAY = 1000;
/** The flooded p99 over the quiet p99 to stay within. */
export const ATTACK_TARGET = 2;
// A ping is the cheapest frame the server answers, and each one it serves costs it a `pong`.
export const FLOOD_FRAME = JSON.stringify({ type: "ping" });
// A masked client text frame under 126 bytes: 2 header bytes and a 4-byte mask (RFC 6455 5.2).
const FLOOD_FRAME_BYTES = 6 + Buffer.byteLength(FLOOD_FRAME);
export const WARMUP_MESSAGES = 200;
// A phase whose messages have not all arrived this long after the last publish has lost some.
export const DRAIN_TIMEOUT = 3000;
const CHANNEL = "feed";
const STEP_TIMEOUT = 30_000;
const CLOCK_SAMPLES = 20;

const SERVER = fileURLToPath(new URL("./attackServer.js", import.meta.url));
const FLOOD = fileURLToPath(new URL("./attackFlood.js", import.meta.url));
const burnIndex = process.argv.indexOf("--burn");
const BURN = burnIndex === -1 ? undefined : Number(process.argv[burnIndex + 1]);

// Both processes read this clock: a wall-clock origin taken at process start, plus the monotonic
// clock since, in microseconds; Date.now() is whole milliseconds, too coarse for sub-millisecond
// latencies.
const wallClock = () => performance.timeOrigin + performance.now();

/**
 * @typedef {object} HostileResult
 * @property {number} code The close code the hostile connection ended with.
 * @property {string} reason
 * @property {number} sent Frames it sent (pre-encoded, written in one buffer).
 * @property {number} queued Bytes its socket had not handed to the kernel when the write returned.
 * @property {number} writing Milliseconds the attacker's writes took (all its sockets).
 * @property {number} pongs Frames the server served (each answered with a `pong`).
 * @property {number} errors `error` frames the server sent it.
 * @property {number} closedAfter Milliseconds from its first frame to its `close` event.
 */

/**
 * @typedef {object} PhaseResult
 * @property {number} published Messages the server published.
 * @property {number} lost Published messages that never reached the listener (by sequence number).
 * @property {number} duplicates Messages the listener heard more than once.
 * @property {number} outOfOrder Messages that arrived after one with a higher sequence number.
 * @property {number} p50 Milliseconds from publish to listener.
 * @property {number} p99
 * @property {number} max
 * @property {number | undefined} floodP99 The p99 of the messages published from the flood's
 *   first frame until every hostile connection had closed (flooded phases only).
 * @property {number} lateMax Milliseconds the server's publish timer fired late, at most.
 * @property {HostileResult[]} hostile What the flood's connections saw (flooded phases only).
 * @property {number[]} read Frames the server read off each hostile socket: TCP bytes read over
 *   the frame size.
 */

/**
 * @typedef {object} AttackMeasurement
 * @property {PhaseResult[]} quiet
 * @property {PhaseResult[]} flooded
 * @property {number} clockOffset The server's clock minus this process's, in ms, as measured: the
 *   latencies are not corrected by it, it checks that the two clocks agree.
 * @property {number} clockRoundTrip The IPC round trip the offset was measured over, in ms: the
 *   offset is known to within half of it.
 * @property {number} resubscribed Times the good client subscribed again (after a reconnect).
 * @property {number} closedByPolicy Connections the server closed for a policy, in all.
 * @property {number} burn 0 for a real flood; for the control (`--burn`), the milliseconds the
 *   attacker spun the CPU instead.
 */

/**
 * The value at `share` of `values` (nearest rank).
 * @param {number[]} values
 * @param {number} share
 */
function percentile(values, share) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * A connected Connection to `url`, as a channel client would use it.
 * @param {string} url
 * @returns {Promise<Connection>}
 */
function openConnection(url) {
  const connection = new Connection({
    transport: webSocketTransport({ url, protocols: [CHANNEL_SUBPROTOCOL], WebSocket }),
  });
  return new Promise((resolve, reject) => {
    const stop = connection.subscribe(() => {
      const { status, error } = connection.getSnapshot();
      if (status === "open") {
        stop();
        resolve(connection);
      } else if (status === "failed" || error !== null) {
        stop();
        reject(error ?? new Error(`the connection ${status}`));
      }
    });
    connection.connect();
  });
}

/**
 * What the listener heard of one phase.
 * @typedef {object} Tally
 * @property {Set<number>} seen
 * @property {{ sentAt: number, latency: number }[]} arrivals
 * @property {number} duplicates
 * @property {number} outOfOrder
 * @property {number} highest
 * @property {number} count Messages the phase publishes.
 * @property {() => void} complete Called once every message of the phase has arrived.
 */

/** Measures in this process, against fresh server and flood processes. */
async function measureHere() {
  const server = startChild(SERVER, { timeout: STEP_TIMEOUT });
  const flood = startChild(FLOOD, { timeout: STEP_TIMEOUT });
  try {
    const { port } = await server.ask(undefined, "listening");
    const url = `ws://127.0.0.1:${port}/channels`;

    // Each process's clock starts from its own wall-clock reading at process start, so their
    // agreement is checked, not assumed: the server's reading against the middle of the
    // shortest round trip.
    let clockOffset = Number.NaN;
    let clockRoundTrip = Number.POSITIVE_INFINITY;
    for (let sample = 0; sample < CLOCK_SAMPLES; sample++) {
      const before = wallClock();
      const { now } = await server.ask({ type: "clock" }, "clock");
      const after = wallClock();
      if (after - before < clockRoundTrip) {
        clockRoundTrip = after - before;
        clockOffset = now - (before + after) / 2;
      }
    }

    const connection = await openConnection(url);
    const channels = new ChannelClient(connection, { protocol: jsonChannelProtocol });
    /** @type {Map<number, Tally>} */
    const tallies = new Map();
    let subscribed = 0;
    /** @type {() => void} */
    let onSubscribed = () => {};
    channels.subscribe(CHANNEL, (event) => {
      const arrived = wallClock();
      if (event.type === "subscribed") {
        subscribed++;
        onSubscribed();
        return;
      }
      if (event.type === "error") throw event.error;
      const { phase, seq, sentAt } = /** @type {{ phase: number, seq: number, sentAt: number }} */ (
        event.data
      );
      const tally = tallies.get(phase);
      // After its phase was closed: already counted as lost.
      if (tally === undefined) return;
      if (tally.seen.has(seq)) {
        tally.duplicates++;
        return;
      }
      tally.seen.add(seq);
      tally.arrivals.push({ sentAt, latency: arrived - sentAt });
      if (seq < tally.highest) tally.outOfOrder++;
      tally.highest = Math.max(tally.highest, seq);
      if (tally.seen.size === tally.count) tally.complete();
    });
    await new Promise((resolve) => {
      onSubscribed = () => resolve(undefined);
    });

    /**
     * Streams `count` messages to the good client, with the flood or without, and waits for
     * them to arrive (or for DRAIN_TIMEOUT after the last publish).
     * @param {number} phase
     * @param {number} count
     * @param {boolean} flooded
     * @returns {Promise<PhaseResult>}
     */
    const run = async (phase, count, flooded) => {
      /** @type {() => void} */
      let complete = () => {};
      const arrived = new Promise((resolve) => {
        complete = () => resolve(undefined);
      });
      /** @type {Tally} */
      const tally = {
        seen: new Set(),
        arrivals: [],
        duplicates: 0,
        outOfOrder: 0,
        highest: 0,
        count,
        complete,
      };
      tallies.set(phase, tally);
      if (flooded) {
        await flood.ask(
          { type: "open", url: `${url}?role=hostile`, connections: FLOOD_CONNECTIONS },
          "opened",
        );
      }
      const streamed = server.ask(
        { type: "stream", channel: CHANNEL, phase, count, interval: 1000 / STREAM_RATE },
        "streamed",
      );
      /** @type {{ connections: HostileResult[] } | undefined} */
      let flooding;
      let floodWindow = { from: Number.NaN, to: Number.NaN };
      if (flooded) {
        await delay(FLOOD_DELAY);
        floodWindow.from = wallClock();
        flooding = await flood.ask(
          { type: "flood", frame: FLOOD_FRAME, frames: FLOOD_FRAMES, burn: BURN },
          "flooded",
        );
        floodWindow = { ...floodWindow, to: wallClock() };
      }
      const { published, lateness } = await streamed;
      await Promise.race([arrived, delay(DRAIN_TIMEOUT)]);
      tallies.delete(phase);
      const { sockets } = await server.ask({ type: "hostile" }, "hostile");
      const latencies = tally.arrivals.map(({ latency }) => latency);
      const during = tally.arrivals
        .filter(({ sentAt }) => sentAt >= floodWindow.from && sentAt <= floodWindow.to)
        .map(({ latency }) => latency);
      return {
        published,
        lost: published - tally.seen.size,
        duplicates: tally.duplicates,
        outOfOrder: tally.outOfOrder,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: Math.max(...latencies),
        floodP99: flooded ? percentile(during, 0.99) : undefined,
        lateMax: Math.max(...lateness),
        hostile: flooding?.connections ?? [],
        read: /** @type {{ bytesRead: number }[]} */ (sockets).map(({ bytesRead }) =>
          Math.floor(bytesRead / FLOOD_FRAME_BYTES),
        ),
      };
    };

    let phase = 0;
    // Discarded: both processes' code paths get optimized and the connection settles.
    await run(phase++, WARMUP_MESSAGES, false);
    /** @type {AttackMeasurement} */
    const measurement = {
      quiet: [],
      flooded: [],
      clockOffset,
      clockRoundTrip,
      resubscribed: 0,
      closedByPolicy: 0,
      burn: BURN ?? 0,
    };
    for (let round = 0; round < ATTACK_ROUNDS; round++) {
      /** @type {("quiet" | "flooded")[]} */
      const order = round % 2 === 0 ? ["quiet", "flooded"] : ["flooded", "quiet"];
      for (const kind of order) {
        measurement[kind].push(await run(phase++, PHASE_MESSAGES, kind === "flooded"));
      }
    }
    const { counts } = await server.ask({ type: "hostile" }, "hostile");
    measurement.resubscribed = subscribed - 1;
    measurement.closedByPolicy = counts.closedByPolicy;
    channels.dispose();
    connection.close();
    return measurement;
  } finally {
    flood.stop();
    server.stop();
  }
}

/**
 * Runs the measurement in a fresh client process (which starts its server and flood processes).
 * @param {number} [burn] Run the control instead: the attacker spins the CPU for this many ms.
 * @returns {AttackMeasurement}
 */
export function underAttack(burn) {
  const control = burn === undefined ? [] : ["--burn", String(burn)];
  const result = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), "--client", ...control],
    { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
  );
  if (result.status !== 0) throw new Error("the under-attack client failed");
  return /** @type {AttackMeasurement} */ (JSON.parse(result.stdout));
}

/**
 * The median of `values`, and their range.
 * @param {number[]} values
 * @param {number} [digits]
 */
const spread = (values, digits = 2) =>
  `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;

/**
 * @param {PhaseResult[]} phases
 * @param {(phase: PhaseResult) => number} of
 */
const total = (phases, of) => phases.reduce((sum, phase) => sum + of(phase), 0);

/**
 * The flooded p99 over the quiet p99 (each the median over the rounds), what was lost in all,
 * and whether the target is met.
 * @param {AttackMeasurement} measurement
 */
function verdictOf(measurement) {
  const ratio =
    median(measurement.flooded.map((phase) => phase.p99)) /
    median(measurement.quiet.map((phase) => phase.p99));
  const lost = total([...measurement.quiet, ...measurement.flooded], (phase) => phase.lost);
  return { ratio, lost, met: ratio <= ATTACK_TARGET && lost === 0 };
}

/**
 * The section's tables, and what happened to the hostile connections, in Markdown.
 * @param {AttackMeasurement} measurement
 * @returns {string}
 */
export function attackTable(measurement) {
  const { ratio, lost, met } = verdictOf(measurement);
  /**
   * @param {string} label
   * @param {PhaseResult[]} phases
   */
  const row = (label, phases) => {
    const ms = (/** @type {(phase: PhaseResult) => number} */ of) => spread(phases.map(of));
    const count = (/** @type {(phase: PhaseResult) => number} */ of) => total(phases, of);
    return `| ${label} | ${count((phase) => phase.published).toLocaleString("en")} | ${ms((phase) => phase.p50)} | ${ms((phase) => phase.p99)} | ${ms((phase) => phase.max)} | ${count((phase) => phase.lost)} | ${count((phase) => phase.duplicates)} | ${count((phase) => phase.outOfOrder)} |`;
  };
  const { quiet, flooded } = measurement;
  const hostile = flooded.flatMap((phase) => phase.hostile);
  const codes = [...new Set(hostile.map(({ code, reason }) => `${code} ("${reason}")`))];
  return [
    "| Phase | Messages | p50 ms | p99 ms | max ms | Lost | Duplicates | Out of order |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    row("Quiet", quiet),
    row(
      measurement.burn === 0
        ? `Flooded: ${FLOOD_CONNECTIONS} × ${FLOOD_FRAMES.toLocaleString("en")} frames`
        : `Control: the attacker spins ${measurement.burn} ms, sends nothing`,
      flooded,
    ),
    "",
    "| Flooded p99 / quiet p99 | Lost | Target | Met |",
    "| ---: | ---: | ---: | :---: |",
    `| ${ratio.toFixed(2)}× | ${lost} | ≤ ${ATTACK_TARGET}×, 0 lost | ${met ? "yes" : "**no**"} |`,
    "",
    `Milliseconds are the median over the ${ATTACK_ROUNDS} rounds of each round's figure, and the range of the rounds; messages and losses are totals.`,
    "",
    `- While the hostile connections were open (from their first frame until the last had closed, about ${(median(hostile.map(({ closedAfter }) => closedAfter)) / 1000).toFixed(1)} s a round), the good client's p99 was ${spread(flooded.map((phase) => phase.floodP99 ?? Number.NaN))} ms.`,
    `- The server's publish timer fired late by at most ${spread(flooded.map(({ lateMax }) => lateMax))} ms in a flooded phase and ${spread(quiet.map(({ lateMax }) => lateMax))} ms in a quiet one: time the server's event loop was busy, which publish → listener latency does not count.`,
    `- The ${hostile.length} hostile connections were all closed with ${codes.join(", ")}, ${spread(
      hostile.map(({ closedAfter }) => closedAfter),
      0,
    )} ms after their first frame. Each sent ${median(hostile.map(({ sent }) => sent)).toLocaleString("en")} frames, pre-encoded and written in one buffer, which took the attacker's process ${spread(
      flooded.map((phase) => phase.hostile[0]?.writing ?? Number.NaN),
      0,
    )} ms a round (when it ended, ${spread(
      hostile.map(({ queued }) => queued / FLOOD_FRAME_BYTES),
      0,
    )} of them still waited in the attacker's own socket buffer, the rest had gone to the kernel); the server read ${spread(
      flooded.flatMap((phase) => phase.read),
      0,
    )} of them off each socket, served ${spread(
      hostile.map(({ pongs }) => pongs),
      0,
    )} (each answered with a \`pong\`) and sent ${spread(
      hostile.map(({ errors }) => errors),
      0,
    )} \`error\` frame, and never read the rest. The server counted ${measurement.closedByPolicy} connections closed for a policy.`,
    `- The good client subscribed again ${measurement.resubscribed} times (a reconnect would show there). The two processes' clocks differed by ${measurement.clockOffset.toFixed(3)} ms, measured to within ±${(measurement.clockRoundTrip / 2).toFixed(3)} ms.`,
  ].join("\n");
}

/**
 * @param {AttackMeasurement} measurement
 * @returns {string}
 */
export function attackVerdict(measurement) {
  const { ratio, lost, met } = verdictOf(measurement);
  return `- A good client's p99 latency while ${FLOOD_CONNECTIONS} connections flood the server, within ${ATTACK_TARGET}× of its p99 without a flood, and nothing lost: **${met ? "met" : "not met"}** (${ratio.toFixed(2)}×, ${lost} lost).`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const main = process.argv.includes("--client")
    ? measureHere().then((result) => {
        process.stdout.write(JSON.stringify(result));
      })
    : Promise.resolve().then(() => {
        const measurement = underAttack(BURN);
        console.log(attackTable(measurement));
        console.log(attackVerdict(measurement));
      });
  main.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
