// The hostile side of the "under attack" benchmark, run as a child process of
// bench/underAttack.js (`child_process.fork`), so that what the flood itself costs lands neither
// on the server's process nor on the good client's.
//
// An attacker does not need a WebSocket library: each connection does the opening handshake by
// hand (offering `wirekit.v1`), then writes its whole flood at once — 100,000 pre-encoded, masked
// frames in one buffer — which is the cheapest flood to send and the hardest to ignore, since the
// bytes are all on their way before the server says a word. What the server sends back is read
// only to count it: `pong`s (frames it served), `error`s, and its close frame.
//
// With `burn`, the control experiment: instead of writing, the process spins the CPU for that
// many milliseconds, then closes its connections; what the good client sees then is what the
// attacker's use of the machine costs it, without the server hearing a frame.
//
// IPC, parent → child: { type: "open", url, connections } then
// { type: "flood", frame, frames, burn? };
// child → parent: { type: "opened" } then { type: "flooded", connections: FloodReport[] } once
// every socket has closed. It exits when the parent disconnects.

import { maskedTextFrame, openRawWebSocket } from "./rawSockets.js";

if (process.send === undefined) {
  throw new Error("bench/attackFlood.js runs as a forked child of bench/underAttack.js");
}
const notify = process.send.bind(process);

/**
 * @typedef {object} FloodReport
 * @property {number} code The close code the server sent (1006 when it sent none).
 * @property {string} reason
 * @property {number} sent Frames written.
 * @property {number} queued Bytes the socket had not handed to the kernel when the write returned.
 * @property {number} writing Milliseconds the writes took (for every socket together).
 * @property {number} pongs `pong` frames received: frames the server served.
 * @property {number} errors `error` frames received (the server's `rate-limited` warnings).
 * @property {number} closedAfter Milliseconds from the first frame to the socket's close.
 */

/**
 * @typedef {object} RawSocket
 * @property {import("node:net").Socket} socket
 * @property {number} pongs
 * @property {number} errors
 * @property {number} code
 * @property {string} reason
 */

/** @type {RawSocket[]} */
let sockets = [];

/**
 * Opens a WebSocket by hand, then reads the server's frames to count them.
 * @param {string} url
 * @returns {Promise<RawSocket>}
 */
async function openRaw(url) {
  const { socket, rest } = await openRawWebSocket(url, "wirekit.v1");
  /** @type {RawSocket} */
  const raw = { socket, pongs: 0, errors: 0, code: 1006, reason: "" };
  let buffered = readFrames(raw, rest);
  socket.on("data", (chunk) => {
    buffered = readFrames(raw, Buffer.concat([buffered, chunk]));
  });
  return raw;
}

/**
 * Reads the complete server frames at the start of `bytes` (unmasked, RFC 6455 section 5.2),
 * counting them on `raw`; returns what is left of an incomplete one.
 * @param {RawSocket} raw
 * @param {Buffer} bytes
 */
function readFrames(raw, bytes) {
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const opcode = (bytes[at] ?? 0) & 0x0f;
    let length = (bytes[at + 1] ?? 0) & 0x7f;
    let header = 2;
    if (length === 126) {
      if (bytes.length - at < 4) break;
      length = bytes.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (bytes.length - at < 10) break;
      length = Number(bytes.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (bytes.length - at < header + length) break;
    const payload = bytes.subarray(at + header, at + header + length);
    at += header + length;
    if (opcode === 0x8) {
      raw.code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      raw.reason = payload.subarray(2).toString();
    } else if (opcode === 0x1) {
      const { type } = /** @type {{ type?: unknown }} */ (JSON.parse(payload.toString()));
      if (type === "pong") raw.pongs++;
      else if (type === "error") raw.errors++;
    }
  }
  return bytes.subarray(at);
}

/**
 * `count` copies of the client text frame `text`, in one buffer.
 * @param {string} text
 * @param {number} count
 */
function encodeFlood(text, count) {
  const frame = maskedTextFrame(text);
  const flood = Buffer.alloc(frame.length * count);
  for (let index = 0; index < count; index++) frame.copy(flood, index * frame.length);
  return flood;
}

/**
 * Writes `frames` copies of `frame` on every socket (or spins for `burn` ms and closes them), then
 * waits for them all to close.
 * @param {string} frame
 * @param {number} frames
 * @param {number | undefined} burn
 * @returns {Promise<FloodReport[]>}
 */
async function flood(frame, frames, burn) {
  const bytes = encodeFlood(frame, frames);
  const start = performance.now();
  // A reset (the server cutting the socket) ends in `close` too; `once` would reject on it.
  const closed = sockets.map(
    (raw) =>
      new Promise((resolve) => raw.socket.once("close", () => resolve(performance.now() - start))),
  );
  if (burn === undefined) {
    for (const { socket } of sockets) socket.write(bytes);
  } else {
    while (performance.now() - start < burn);
    for (const { socket } of sockets) socket.end();
  }
  const writing = performance.now() - start;
  const queued = sockets.map(({ socket }) => socket.writableLength);
  const closedAfter = await Promise.all(closed);
  return sockets.map((raw, index) => ({
    code: raw.code,
    reason: raw.reason,
    pongs: raw.pongs,
    errors: raw.errors,
    closedAfter: closedAfter[index] ?? Number.NaN,
    sent: burn === undefined ? frames : 0,
    queued: queued[index] ?? Number.NaN,
    writing,
  }));
}

process.on("message", (message) => {
  const request =
    /** @type {{ type: "open", url: string, connections: number } | { type: "flood", frame: string, frames: number, burn?: number }} */ (
      message
    );
  if (request.type === "open") {
    void Promise.all(Array.from({ length: request.connections }, () => openRaw(request.url))).then(
      (opened) => {
        sockets = opened;
        notify({ type: "opened" });
      },
    );
    return;
  }
  void flood(request.frame, request.frames, request.burn).then((connections) =>
    notify({ type: "flooded", connections }),
  );
});

process.on("disconnect", () => {
  for (const { socket } of sockets) socket.destroy();
});
