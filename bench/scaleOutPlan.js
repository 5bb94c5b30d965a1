// What the scale-out benchmark measures: its load, the configurations it compares and the shape
// of what a run yields. The harness (bench/scaleOut.js) and the report (bench/scaleOutReport.js)
// both read it, so that the section's text states the load that ran.

/**
 * What a run puts on the servers.
 * @typedef {object} Load
 * @property {number} rate Messages a second, published on the one channel.
 * @property {number} subscribers Connections subscribed to it, of the run's transport.
 * @property {number} rounds Each runs every configuration and transport once, in a rotating order.
 * @property {number} seconds Of publishing in the measured phase.
 */

/** @type {Load} */
export const SCALE_OUT_LOAD = { rate: 20, subscribers: 1000, rounds: 3, seconds: 3 };
/** Issue 14's load, which one Node process cannot carry on this machine (see the section). */
export const ISSUE_LOAD = { rate: 200, subscribers: 1000 };
/** Seconds of publishing before the measured phase, discarded. */
export const SCALE_OUT_WARMUP = 1;
/** Milliseconds after the last publish by which every subscriber must have heard it. */
export const SCALE_OUT_DRAIN = 10_000;
/** A probe every this many ms until every subscriber has heard one; then nothing is in flight. */
export const SCALE_OUT_PROBE_INTERVAL = 100;

/**
 * @typedef {object} Configuration
 * @property {string} key
 * @property {"wirekit-memory" | "wirekit-redis" | "socket.io-redis"} kind What
 *   bench/scaleOutServer.js runs.
 * @property {number} instances
 * @property {("websocket" | "sse")[]} transports socket.io has no event-stream transport.
 * @property {string} label
 */

/** @type {Configuration[]} In table order. */
export const SCALE_OUT_CONFIGURATIONS = [
  {
    key: "memory",
    kind: "wirekit-memory",
    instances: 1,
    transports: ["websocket", "sse"],
    label: "wirekit, memory broker, 1 process",
  },
  {
    key: "redis-1",
    kind: "wirekit-redis",
    instances: 1,
    transports: ["websocket", "sse"],
    label: "wirekit, Redis broker, 1 instance",
  },
  {
    key: "redis-3",
    kind: "wirekit-redis",
    instances: 3,
    transports: ["websocket", "sse"],
    label: "wirekit, Redis broker, 3 instances",
  },
  {
    key: "socket.io-1",
    kind: "socket.io-redis",
    instances: 1,
    transports: ["websocket"],
    label: "socket.io + redis-streams-adapter, 1 instance",
  },
  {
    key: "socket.io-3",
    kind: "socket.io-redis",
    instances: 3,
    transports: ["websocket"],
    label: "socket.io + redis-streams-adapter, 3 instances",
  },
];

/**
 * One configuration and transport in one round.
 * @typedef {object} ScaleOutRun
 * @property {number} p50 Milliseconds from publish to arrival, over every delivery.
 * @property {number} p99
 * @property {number} max
 * @property {number} serverCpu Microseconds of CPU per delivered message, the Node server
 *   processes summed.
 * @property {number} redisCpu The same for redis-server (0 without one).
 * @property {number} serverRss Bytes of resident memory, the Node server processes summed, at the
 *   end of the measured phase (every subscriber still connected).
 * @property {number} redisRss The same for redis-server (0 without one).
 * @property {number} delivered Deliveries of the measured messages (each subscriber's first).
 * @property {number} expected Measured messages × subscribers.
 * @property {number} duplicates Over the whole run, warm-up included.
 * @property {number} failed Publishes that failed.
 * @property {number} lateMax Milliseconds the publisher's timer fired late, at most: how far
 *   the publishing instance fell behind the rate.
 * @property {number} serverShare Cores the servers and redis-server used over the phase.
 * @property {number} clientShare Cores the clients' process used.
 * @property {number} serverGot Of the time the servers' and redis-server's main threads were
 *   ready to run, the share they spent on a core rather than waiting for one.
 * @property {number} clientGot The same for the clients' process.
 * @property {number} othersShare Cores busy with everything else on the machine meanwhile (other
 *   people's work: this is a shared VM).
 */

/**
 * @typedef {object} ScaleOutMeasurement
 * @property {Load} load
 * @property {Record<string, ScaleOutRun[]>} runs By `<configuration key>/<transport>`.
 * @property {Record<string, string>} versions
 * @property {string} machine
 * @property {string} date
 * @property {number} seconds How long measuring took.
 */
