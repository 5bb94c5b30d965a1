// What the scale-out benchmark measures: its load, the configurations it compares and the shape
// of what a run yields. The harness (bench/scaleOut.js) and the report (bench/scaleOutReport.js)
// both read it, so that the section's text states the load that ran.

/**
 * What a table's runs put on the servers.
 * @typedef {object} Load
 * @property {number} rate Messages a second offered: published on the one channel, each at its
 *   own due time.
 * @property {number} subscribers Connections subscribed to it per transport.
 * @property {number} rounds Each runs every row of the table once, in a rotating order.
 * @property {number} seconds Of publishing in the measured window.
 */

/**
 * Issue 14's load, exactly: 1,000 WebSocket subscribers and 1,000 event streams on the channel
 * at the same time, 200 messages a second. One round: the two tables together have to stay
 * within about four minutes on a 2-core machine.
 * @type {Load}
 */
export const ISSUE_LOAD = { rate: 200, subscribers: 1000, rounds: 1, seconds: 3 };
/**
 * A rate every configuration holds on this machine, one transport per run, so that latency can
 * be compared with socket.io's where neither side is saturated.
 * @type {Load}
 */
export const SCALE_OUT_LOAD = { rate: 20, subscribers: 1000, rounds: 2, seconds: 3 };

/**
 * @typedef {object} ScaleOutTable
 * @property {"issue" | "sustained"} key
 * @property {Load} load
 * @property {boolean} together A configuration's transports are subscribed in the same run (the
 *   issue's load) rather than in one run each.
 */

/** Seconds of publishing before the measured window, on the same schedule, not measured. */
export const SCALE_OUT_WARMUP = 1;
/**
 * Milliseconds after the measured window's last due time that its messages still have to reach
 * every subscriber; one that has not is counted with the latency it has had so far, as a lower
 * bound. A saturated run's backlog could take minutes to drain, and the benchmark has to stay
 * within a few.
 */
export const SCALE_OUT_DRAIN = 5_000;
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
 * One row of a table in one round.
 * @typedef {object} ScaleOutRun
 * @property {number} subscribers Connections subscribed, every transport's together.
 * @property {number} offered Messages a second published, each at its due time when the
 *   publisher kept up.
 * @property {number} held Messages a second delivered to every subscriber over the measured
 *   window: deliveries of any message meanwhile, over subscribers and seconds.
 * @property {number} p50 Milliseconds from the message's due time (not the moment the publisher
 *   got round to it) to its arrival, over every delivery of the measured messages; those not
 *   made in time count with the time they had waited.
 * @property {number} p99
 * @property {number} max
 * @property {{ p50: boolean, p99: boolean, max: boolean }} atLeast Which of them are lower bounds,
 *   resting on deliveries not made in time.
 * @property {number} serverCpu Microseconds of CPU per delivered message, the Node server
 *   processes summed.
 * @property {number} redisCpu The same for redis-server (0 without one).
 * @property {number} serverRss Bytes of resident memory, the Node server processes summed, at the
 *   end of the measured phase (every subscriber still connected).
 * @property {number} redisRss The same for redis-server (0 without one).
 * @property {number} delivered Deliveries of the measured messages (each subscriber's first) in
 *   time: by SCALE_OUT_DRAIN after the window.
 * @property {number} expected Measured messages × subscribers.
 * @property {number} skipped Messages a subscriber never heard though it heard a later one: lost,
 *   over the whole run, warm-up included.
 * @property {number} duplicates Over the whole run, warm-up included.
 * @property {number} failed Publishes that failed.
 * @property {number} behind Milliseconds after its due time the window's last message was
 *   published.
 * @property {boolean} behindAtLeast It had not been yet at the drain deadline: `behind` is how
 *   long it had been due then.
 * @property {number} serverShare Cores the servers and redis-server used over the window.
 * @property {number} clientShare Cores the clients' processes used.
 * @property {number} serverGot Of the time the servers' and redis-server's main threads were
 *   ready to run, the share they spent on a core rather than waiting for one.
 * @property {number} clientGot The same for the clients' processes.
 * @property {number} othersShare Cores busy with everything else on the machine meanwhile (other
 *   people's work: this is a shared VM).
 */

/**
 * @typedef {object} ScaleOutResults
 * @property {Load} load
 * @property {Record<string, ScaleOutRun[]>} runs By `<configuration key>` when the transports
 *   ran together, `<configuration key>/<transport>` otherwise.
 */

/**
 * @typedef {object} ScaleOutMeasurement
 * @property {ScaleOutResults} issue Issue 14's load, every transport in the same run.
 * @property {ScaleOutResults} sustained The rate every configuration holds, a transport per run.
 * @property {Record<string, string>} versions
 * @property {string} machine
 * @property {string} date
 * @property {number} seconds How long measuring took.
 */
