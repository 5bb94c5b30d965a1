// Channel throughput: messages per second through a ChannelClient subscription against the same
// kind of Connection read bare (`onMessage` + `JSON.parse`), over a real `ws` server on
// 127.0.0.1. The server runs in a child process (bench/channelServer.js) so its work does not
// share the client's thread; the client side is what is timed.
//
//   node bench/channelThroughput.js --client   one process's medians, as JSON (run.js uses this)
//   node bench/channelThroughput.js            the whole measurement, printed

import { fork, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  CHANNEL_SUBPROTOCOL,
  ChannelClient,
  Connection,
  jsonChannelProtocol,
  webSocketTransport,
} from "@wirekit/core";
import { WebSocket } from "ws";

/** Messages per run. */
export const MESSAGES = 100_000;
/** Fresh client processes (each with its own server process). */
export const THROUGHPUT_PROCESSES = 5;
export const THROUGHPUT_WARMUP_RUNS = 4;
export const THROUGHPUT_TIMED_RUNS = 9;
/** Channel throughput over bare throughput to reach. */
export const THROUGHPUT_TARGET = 0.8;

const CHANNEL = "c1";
const EXPECTED_SUM = (MESSAGES * (MESSAGES + 1)) / 2;
const RUN_TIMEOUT = 30_000;
const SERVER = fileURLToPath(new URL("./channelServer.js", import.meta.url));

/**
 * @typedef {object} ThroughputMeasurement
 * @property {number[]} channel Milliseconds to receive every message through ChannelClient: one
 *   value per process (that process's median).
 * @property {number[]} bare The same through `connection.onMessage` and `JSON.parse`.
 * @property {number} bytes Bytes on the wire per run: the WebSocket frames of the burst.
 */

/**
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const upper = sorted[middle] ?? Number.NaN;
  const lower = sorted.length % 2 === 1 ? upper : (sorted[middle - 1] ?? Number.NaN);
  return (lower + upper) / 2;
}

/**
 * Forks the server and waits for its port.
 * @returns {Promise<{ url: string, bytes: number, stop: () => void }>}
 */
async function startServer() {
  const child = fork(SERVER, [], {
    env: { ...process.env, BENCH_MESSAGES: String(MESSAGES) },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  /** @type {{ port: number, bytes: number }} */
  const { port, bytes } = await new Promise((resolve, reject) => {
    child.on("message", (raw) => {
      const message = /** @type {{ type: string, port: number, bytes: number }} */ (raw);
      if (message.type === "listening") resolve(message);
    });
    child.once("exit", (code) => reject(new Error(`the channel server exited with ${code}`)));
  });
  return { url: `ws://127.0.0.1:${port}/channels`, bytes, stop: () => child.disconnect() };
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
 * Starts a run and resolves with its elapsed milliseconds once the run calls `finish`, or rejects
 * (with the error given to `finish`, or after RUN_TIMEOUT).
 * @param {(finish: (error?: Error) => void) => () => void} start Starts the run; returns its
 *   cleanup, called once when it ends.
 * @returns {Promise<number>}
 */
function timed(start) {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** @type {() => void} */
    let cleanup = () => {};
    /** @param {(() => void)} settle */
    const end = (settle) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup();
      settle();
    };
    const timer = setTimeout(
      () => end(() => reject(new Error(`a throughput run took more than ${RUN_TIMEOUT} ms`))),
      RUN_TIMEOUT,
    );
    const begin = performance.now();
    cleanup = start((error) => {
      const ms = performance.now() - begin;
      end(() => (error === undefined ? resolve(ms) : reject(error)));
    });
  });
}

/**
 * @param {number} count
 * @param {number} sum
 */
function check(count, sum) {
  return count === MESSAGES && sum === EXPECTED_SUM
    ? undefined
    : new Error(`got ${count} messages summing to ${sum}, expected ${MESSAGES} / ${EXPECTED_SUM}`);
}

/**
 * One run through a ChannelClient: subscribe (which sends the `subscribe` frame) until the last
 * message reaches the listener; then unsubscribe, so the next run starts a fresh channel state.
 * @param {ChannelClient} channels
 * @returns {Promise<number>}
 */
function runChannel(channels) {
  return timed((finish) => {
    let count = 0;
    let sum = 0;
    return channels.subscribe(CHANNEL, (event) => {
      if (event.type === "error") finish(event.error);
      if (event.type !== "message") return;
      sum += /** @type {{ n: number }} */ (event.data).n;
      if (++count === MESSAGES) finish(check(count, sum));
    });
  });
}

/**
 * One run on the bare connection: the listener parses every frame, as any user of the bare
 * socket must, and keeps the channel's messages. The `subscribe` frame goes out the same way.
 * @param {Connection} connection
 * @returns {Promise<number>}
 */
function runBare(connection) {
  return timed((finish) => {
    let count = 0;
    let sum = 0;
    const stop = connection.onMessage((message) => {
      const frame = JSON.parse(/** @type {string} */ (message.data));
      if (frame.type !== "message" || frame.channel !== CHANNEL) return;
      sum += frame.data.n;
      if (++count === MESSAGES) finish(check(count, sum));
    });
    connection.send(JSON.stringify({ type: "subscribe", channel: CHANNEL }));
    return () => {
      stop();
      connection.send(JSON.stringify({ type: "unsubscribe", channel: CHANNEL }));
    };
  });
}

/**
 * Measures in this process, against a fresh server process.
 * @returns {Promise<{ channel: number, bare: number, bytes: number }>} Medians, in ms.
 */
async function measureHere() {
  const server = await startServer();
  try {
    const channelConnection = await openConnection(server.url);
    const bareConnection = await openConnection(server.url);
    const channels = new ChannelClient(channelConnection, { protocol: jsonChannelProtocol });
    /** @type {{ channel: number[], bare: number[] }} */
    const runs = { channel: [], bare: [] };
    const sides = {
      channel: () => runChannel(channels),
      bare: () => runBare(bareConnection),
    };
    for (let round = 0; round < THROUGHPUT_WARMUP_RUNS + THROUGHPUT_TIMED_RUNS; round++) {
      /** @type {("channel" | "bare")[]} */
      const order = round % 2 === 0 ? ["channel", "bare"] : ["bare", "channel"];
      for (const side of order) {
        const ms = await sides[side]();
        if (round >= THROUGHPUT_WARMUP_RUNS) runs[side].push(ms);
      }
    }
    channels.dispose();
    channelConnection.close();
    bareConnection.close();
    return {
      channel: median(runs.channel),
      bare: median(runs.bare),
      bytes: server.bytes,
    };
  } finally {
    server.stop();
  }
}

/**
 * Runs the measurement in THROUGHPUT_PROCESSES fresh processes, one after another.
 * @returns {ThroughputMeasurement}
 */
export function channelThroughput() {
  /** @type {ThroughputMeasurement} */
  const measurement = { channel: [], bare: [], bytes: 0 };
  for (let run = 0; run < THROUGHPUT_PROCESSES; run++) {
    const result = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--client"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (result.status !== 0) throw new Error("the channel throughput client failed");
    const { channel, bare, bytes } =
      /** @type {{ channel: number, bare: number, bytes: number }} */ (JSON.parse(result.stdout));
    measurement.channel.push(channel);
    measurement.bare.push(bare);
    measurement.bytes = bytes;
  }
  return measurement;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const main = process.argv.includes("--client")
    ? measureHere().then((result) => {
        process.stdout.write(JSON.stringify(result));
      })
    : Promise.resolve().then(() => {
        const result = channelThroughput();
        const rate = (/** @type {number} */ ms) => Math.round((MESSAGES / ms) * 1000);
        console.log({
          ...result,
          channelPerSecond: rate(median(result.channel)),
          barePerSecond: rate(median(result.bare)),
          ratio: median(result.bare) / median(result.channel),
        });
      });
  main.catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
