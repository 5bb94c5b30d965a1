// The subscribers of the scale-out benchmark, run as a forked child of bench/scaleOut.js: every
// connection of a run from this one process, none in a server's.
//
// Each connection is a raw TCP socket (bench/rawSockets.js), as in the fan-out benchmark, so that
// receiving costs as little as it can on a machine where it shares 2 cores with the servers. It
// decodes no protocol: every message's data starts with `{"n":<n>,"t":<t>` (bench/scaleOutServer.js),
// which no server's framing contains and every server writes as it is, so finding that marker in
// the bytes finds each message, its number and the time it was due to be published. A read's
// arrival time is taken once, when the read is handed to JavaScript: a message that a read
// completes arrived then.
//
// Each connection must hear the messages in order, each once: a number at or below the last one it
// heard is a duplicate, one further on skips the ones between (lost, unless the run's count of
// what arrived says otherwise).
//
// IPC, parent → child: { type: "open", ports, dialect, connections } | { type: "status" } |
// { type: "measure", from, to, due, interval, window } | { type: "reach", last, until } |
// { type: "close" };
// child → parent: { type: "opened" } | { type: "status", silent }: connections that have heard
// nothing yet | { type: "measuring" }: latencies of messages `from`…`to` are kept from now on
// (message `from` is due at `due`, each next one `interval` µs later; asked before the first is
// due, so that none arrives unmeasured), and deliveries that arrive within `window` ([from, to)
// in microseconds on the monotonic clock) counted | { type: "reached", … } (see Reached) once
// every connection has heard message `last`, or at `until` | { type: "closed" }. It exits when
// the parent disconnects. A run may use several of these processes, one per transport; the
// harness merges what they report, and reads their CPU from /proc.

import { bucketsOf } from "./latencyBuckets.js";
import { openSubscribers } from "./rawSockets.js";

if (process.send === undefined) {
  throw new Error("bench/scaleOutClients.js runs as a forked child of bench/scaleOut.js");
}
const notify = process.send.bind(process);

const MARKER = Buffer.from('{"n":');
const STAMP = Buffer.from(',"t":');
const ZERO = 0x30;
const NINE = 0x39;

/** The monotonic clock in microseconds, as bench/scaleOutServer.js reads it. */
const microseconds = () => Number(process.hrtime.bigint() / 1000n);

/**
 * @typedef {object} Reached
 * @property {boolean} complete Every connection heard message `last` in time.
 * @property {import("./latencyBuckets.js").Buckets} heard Microseconds from each measured
 *   message's due time to its arrival, over every delivery.
 * @property {import("./latencyBuckets.js").Buckets} censored For each measured message a
 *   connection had not heard when this was sent, the microseconds from its due time until then:
 *   its latency is more.
 * @property {number} delivered Deliveries of the measured messages, each connection's first of
 *   each message only.
 * @property {number} expected Measured messages × connections.
 * @property {number} duplicates Deliveries of a message a connection had already heard (or of one
 *   before it), over the whole run.
 * @property {number} skipped Messages a connection skipped over, over the whole run.
 * @property {number} inWindow Deliveries of any message that arrived within the window, each
 *   connection's first of each.
 */

/**
 * @typedef {object} Subscriber
 * @property {number} last The last message number it heard, -1 before the first.
 * @property {Buffer} pending The end of the last read that may begin a message the next completes.
 */

/** @type {import("node:net").Socket[]} */
let sockets = [];
/** @type {Subscriber[]} */
let subscribers = [];
let silent = 0;
let duplicates = 0;
let skipped = 0;
const NOTHING_MEASURED = {
  from: Number.POSITIVE_INFINITY,
  to: Number.NEGATIVE_INFINITY,
  due: 0,
  interval: 0,
  windowFrom: 0,
  windowTo: 0,
};
let measured = NOTHING_MEASURED;
let latencies = new Float64Array(0);
let delivered = 0;
let inWindow = 0;
let target = Number.POSITIVE_INFINITY;
let reached = 0;
/** @type {(() => void) | undefined} */
let onReached;

// What `stampAt` read; module variables, so that a read allocates nothing per message.
let readN = 0;
let readT = 0;

/**
 * Reads the digits at `at`; -1 when they run to the end of `bytes` (the number may go on in the
 * next read), else the index after them, the number in `readN`.
 * @param {Buffer} bytes
 * @param {number} at
 */
function digitsAt(bytes, at) {
  let value = 0;
  let end = at;
  for (; end < bytes.length; end++) {
    const byte = bytes[end] ?? 0;
    if (byte < ZERO || byte > NINE) break;
    value = value * 10 + (byte - ZERO);
  }
  if (end === bytes.length) return -1;
  if (end === at) throw new Error("a message without its number");
  readN = value;
  return end;
}

/**
 * Reads `<n>,"t":<t>` at `at` (just after the marker) into `readN` and `readT`; returns the index
 * after it, or -1 when the read ends before it does.
 * @param {Buffer} bytes
 * @param {number} at
 */
function stampAt(bytes, at) {
  const afterN = digitsAt(bytes, at);
  if (afterN === -1) return -1;
  const n = readN;
  if (afterN + STAMP.length > bytes.length) return -1;
  if (bytes.compare(STAMP, 0, STAMP.length, afterN, afterN + STAMP.length) !== 0) {
    throw new Error("a message without its stamp");
  }
  const afterT = digitsAt(bytes, afterN + STAMP.length);
  if (afterT === -1) return -1;
  readT = readN;
  readN = n;
  return afterT;
}

/**
 * @param {Subscriber} subscriber
 * @param {number} n
 * @param {number} dueAt
 * @param {number} arrived
 */
function hear(subscriber, n, dueAt, arrived) {
  const { last } = subscriber;
  if (last === -1) silent--;
  else if (n <= last) {
    duplicates++;
    return;
  } else skipped += n - last - 1;
  subscriber.last = n;
  if (arrived >= measured.windowFrom && arrived < measured.windowTo) inWindow++;
  if (n >= measured.from && n <= measured.to) latencies[delivered++] = arrived - dueAt;
  if (last < target && n >= target && ++reached === subscribers.length) onReached?.();
}

/**
 * Reads what arrives on `socket`, starting with `rest`.
 * @param {import("node:net").Socket} socket
 * @param {Buffer} rest
 */
function listen(socket, rest) {
  /** @type {Subscriber} */
  const subscriber = { last: -1, pending: Buffer.alloc(0) };
  subscribers.push(subscriber);
  silent++;
  /** @param {Buffer} chunk */
  const read = (chunk) => {
    const arrived = microseconds();
    const bytes =
      subscriber.pending.length === 0 ? chunk : Buffer.concat([subscriber.pending, chunk]);
    // Unless a message is cut off, what may go on in the next read is a cut-off marker.
    let keepFrom = Math.max(0, bytes.length - (MARKER.length - 1));
    for (let at = bytes.indexOf(MARKER); at !== -1; ) {
      const end = stampAt(bytes, at + MARKER.length);
      if (end === -1) {
        keepFrom = at;
        break;
      }
      hear(subscriber, readN, readT, arrived);
      at = bytes.indexOf(MARKER, end);
    }
    subscriber.pending = Buffer.from(bytes.subarray(keepFrom));
  };
  socket.on("data", read);
  if (rest.length > 0) read(rest);
}

/**
 * @param {number} last
 * @param {number} until
 */
function reach(last, until) {
  target = last;
  reached = subscribers.filter((subscriber) => subscriber.last >= last).length;
  const done = new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), Math.max(0, until - microseconds()) / 1000);
    onReached = () => {
      clearTimeout(timer);
      resolve(true);
    };
    if (reached === subscribers.length) onReached();
  });
  void done.then((complete) => {
    onReached = undefined;
    target = Number.POSITIVE_INFINITY;
    /** @type {Reached} */
    const result = {
      complete: Boolean(complete),
      heard: bucketsOf(latencies.subarray(0, delivered)),
      censored: bucketsOf(unheard(microseconds())),
      delivered,
      expected: (measured.to - measured.from + 1) * subscribers.length,
      duplicates,
      skipped,
      inWindow,
    };
    notify({ type: "reached", ...result });
  });
}

/**
 * How long each measured message a connection has not heard has been due at `now`: the latency
 * it will have is more, so a run that could not deliver everything in time is not reported as
 * if the deliveries it missed never were asked of it.
 * @param {number} now
 * @returns {number[]}
 */
function unheard(now) {
  const { from, to, due, interval } = measured;
  /** @type {number[]} */
  const waiting = [];
  for (const { last } of subscribers) {
    for (let n = Math.max(last + 1, from); n <= to; n++)
      waiting.push(now - due - (n - from) * interval);
  }
  return waiting;
}

process.on("message", (raw) => {
  const request =
    /** @type {{ type: "open", ports: number[], dialect: import("./rawSockets.js").Dialect, connections: number } | { type: "status" } | { type: "measure", from: number, to: number, due: number, interval: number, window: [number, number] } | { type: "reach", last: number, until: number } | { type: "close" }} */ (
      raw
    );
  switch (request.type) {
    case "open":
      void openSubscribers(request.ports, request.dialect, request.connections, (opened) =>
        listen(opened.socket, opened.rest),
      ).then((opened) => {
        sockets.push(...opened);
        notify({ type: "opened" });
      });
      return;
    case "status":
      notify({ type: "status", silent });
      return;
    case "measure": {
      const { from, to, due, interval, window } = request;
      measured = { from, to, due, interval, windowFrom: window[0], windowTo: window[1] };
      latencies = new Float64Array((to - from + 1) * subscribers.length);
      delivered = 0;
      inWindow = 0;
      notify({ type: "measuring" });
      return;
    }
    case "reach":
      reach(request.last, request.until);
      return;
    case "close":
      for (const socket of sockets) socket.destroy();
      sockets = [];
      subscribers = [];
      silent = 0;
      duplicates = 0;
      skipped = 0;
      measured = NOTHING_MEASURED;
      notify({ type: "closed" });
  }
});
