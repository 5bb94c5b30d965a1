// The subscribers of the fan-out benchmark, run as a forked child of bench/fanOut.js: a thousand
// connections from one process, so that what receiving costs lands on the other core, never on
// the server's process that is measured.
//
// Receiving must cost next to nothing, or on a 2-core machine the clients would be what is
// measured: each connection is a raw TCP socket that speaks just enough of its protocol to get
// the messages flowing (the WebSocket upgrade and the subscribing frame, or the event-stream
// request), then counts messages without decoding them: every message's data starts with
// MESSAGE_MARKER, which no protocol's framing contains, so counting the marker's occurrences in
// the bytes counts the messages of any server's wire format.
//
// IPC, parent → child: { type: "open", port, dialect, connections } | { type: "status" } |
// { type: "zero" } | { type: "reach", total } | { type: "close" };
// child → parent: { type: "opened" } | { type: "status", silent, total }: connections that have
// not received a message yet, and messages received in all | { type: "zeroed" }: counting starts
// again from 0 | { type: "reached", total, cpu } once `total` messages have arrived since, with
// the microseconds of CPU this process spent since the last `zero` or `reach` |
// { type: "closed" }. It exits when the parent disconnects.

import { openSubscribers } from "./rawSockets.js";

if (process.send === undefined) {
  throw new Error("bench/fanOutClients.js runs as a forked child of bench/fanOut.js");
}
const notify = process.send.bind(process);

// The first bytes of every message's data (bench/fanOutServer.js), in every server's encoding.
const MARKER = Buffer.from('{"n":');
/** @typedef {import("./rawSockets.js").Dialect} Dialect How a contender's clients connect. */

/** @type {import("node:net").Socket[]} */
let sockets = [];
let total = 0;
let silent = 0;
/** @type {(() => void) | undefined} */
let onProgress;
let cpuFrom = process.cpuUsage();

/**
 * How many bytes at the end of `bytes` are the start of the marker (0 when none): the rest of it
 * may begin the next read.
 * @param {Buffer} bytes
 */
function cutMarker(bytes) {
  for (let length = Math.min(MARKER.length - 1, bytes.length); length > 0; length--) {
    if (bytes.compare(MARKER, 0, length, bytes.length - length) === 0) return length;
  }
  return 0;
}

/**
 * Counts what arrives on `socket`, starting with `rest`.
 * @param {import("node:net").Socket} socket
 * @param {Buffer} rest
 */
function count(socket, rest) {
  let cut = 0;
  let heard = false;
  /** @param {Buffer} bytes */
  const read = (bytes) => {
    let found = 0;
    if (cut > 0 && bytes.compare(MARKER, cut, MARKER.length, 0, MARKER.length - cut) === 0) {
      found++;
    }
    for (let at = bytes.indexOf(MARKER); at !== -1; at = bytes.indexOf(MARKER, at + 1)) found++;
    cut = cutMarker(bytes);
    if (found === 0) return;
    total += found;
    if (!heard) {
      heard = true;
      silent--;
    }
    onProgress?.();
  };
  silent++;
  read(rest);
  socket.on("data", read);
}

/**
 * Resolves once `done()` holds, checking after every read that found a message.
 * @param {() => boolean} done
 */
function until(done) {
  return new Promise((resolve) => {
    const check = () => {
      if (!done()) return;
      onProgress = undefined;
      resolve(undefined);
    };
    onProgress = check;
    check();
  });
}

process.on("message", (raw) => {
  const request =
    /** @type {{ type: "open", port: number, dialect: Dialect, connections: number } | { type: "status" } | { type: "zero" } | { type: "reach", total: number } | { type: "close" }} */ (
      raw
    );
  switch (request.type) {
    case "open":
      void openSubscribers([request.port], request.dialect, request.connections, (opened) =>
        count(opened.socket, opened.rest),
      ).then((opened) => {
        sockets.push(...opened);
        notify({ type: "opened" });
      });
      return;
    case "status":
      notify({ type: "status", silent, total });
      return;
    case "zero":
      total = 0;
      cpuFrom = process.cpuUsage();
      notify({ type: "zeroed" });
      return;
    case "reach":
      void until(() => total >= request.total).then(() => {
        const { user, system } = process.cpuUsage(cpuFrom);
        cpuFrom = process.cpuUsage();
        notify({ type: "reached", total, cpu: user + system });
      });
      return;
    case "close":
      for (const socket of sockets) socket.destroy();
      sockets = [];
      total = 0;
      silent = 0;
      notify({ type: "closed" });
  }
});
