// The hostile side of the "under attack" benchmark, run as a child process of
// bench/underAttack.js (`child_process.fork`), so that what the flood itself costs (encoding,
// masking and writing frames) lands neither on the server's process nor on the good client's.
//
// Raw `ws` clients offering the `wirekit.v1` subprotocol, as an attacker would connect. Their
// frames go out in one synchronous loop, the sockets taking turns frame by frame, so that every
// frame is handed to `ws` (and queued on its TCP socket) before anything from the server is
// read: `ws` discards what is sent after a close frame arrives, so a loop that yielded would
// stop flooding at the server's verdict, which an attacker writing raw bytes would not.
//
// With `burn`, the control experiment: instead of writing, the process spins the CPU for that
// many milliseconds, then closes its connections; what the good client sees then is what the
// attacker's use of the machine costs it, without the server hearing a frame.
//
// IPC, parent → child: { type: "open", url, connections } then
// { type: "flood", frame, frames, burn? };
// child → parent: { type: "opened" } then { type: "flooded", connections: FloodReport[] } once
// every socket has closed. It exits when the parent disconnects.

import { once } from "node:events";
import { WebSocket } from "ws";

if (process.send === undefined) {
  throw new Error("bench/attackFlood.js runs as a forked child of bench/underAttack.js");
}
const notify = process.send.bind(process);

/**
 * @typedef {object} FloodReport
 * @property {number} code The close code the connection ended with.
 * @property {string} reason
 * @property {number} sent Frames handed to `ws.send`.
 * @property {number} queued Bytes the TCP socket had not yet written when the loop ended.
 * @property {number} writing Milliseconds the loop took (for every socket together).
 * @property {number} pongs `pong` frames received: frames the server served.
 * @property {number} errors `error` frames received (the server's `rate-limited` warnings).
 * @property {number} closedAfter Milliseconds from the first frame to the `close` event.
 */

/** @type {WebSocket[]} */
let sockets = [];

/**
 * Counts what the server sends a socket, and resolves with its report once it has closed.
 * @param {WebSocket} socket
 * @param {number} start When the flood began (`performance.now()`).
 * @returns {Promise<Omit<FloodReport, "sent" | "queued" | "writing">>}
 */
async function watch(socket, start) {
  let pongs = 0;
  let errors = 0;
  socket.on("message", (data) => {
    const { type } = /** @type {{ type?: unknown }} */ (JSON.parse(String(data)));
    if (type === "pong") pongs++;
    else if (type === "error") errors++;
  });
  const [code, reason] = /** @type {[number, Buffer]} */ (await once(socket, "close"));
  return { code, reason: String(reason), pongs, errors, closedAfter: performance.now() - start };
}

/**
 * Sends `frames` copies of `frame` on every socket (or spins for `burn` ms and closes them), then
 * waits for them all to close.
 * @param {string} frame
 * @param {number} frames
 * @param {number | undefined} burn
 * @returns {Promise<FloodReport[]>}
 */
async function flood(frame, frames, burn) {
  const start = performance.now();
  const closed = sockets.map((socket) => watch(socket, start));
  if (burn === undefined) {
    for (let sent = 0; sent < frames; sent++) for (const socket of sockets) socket.send(frame);
  } else {
    while (performance.now() - start < burn);
    for (const socket of sockets) socket.close();
  }
  const writing = performance.now() - start;
  // What the kernel did not take at once waits in the socket's buffer.
  const queued = sockets.map((socket) => socket.bufferedAmount);
  return (await Promise.all(closed)).map((report, index) => ({
    ...report,
    sent: burn === undefined ? frames : 0,
    queued: queued[index] ?? Number.NaN,
    writing,
  }));
}

process.on("message", (raw) => {
  const message =
    /** @type {{ type: "open", url: string, connections: number } | { type: "flood", frame: string, frames: number, burn?: number }} */ (
      raw
    );
  if (message.type === "open") {
    sockets = Array.from({ length: message.connections }, () => {
      const socket = new WebSocket(message.url, ["wirekit.v1"], { perMessageDeflate: false });
      // Sends after the close end in an error the flood does not care about.
      socket.on("error", () => {});
      return socket;
    });
    void Promise.all(sockets.map((socket) => once(socket, "open"))).then(() =>
      notify({ type: "opened" }),
    );
    return;
  }
  void flood(message.frame, message.frames, message.burn).then((connections) =>
    notify({ type: "flooded", connections }),
  );
});

process.on("disconnect", () => {
  for (const socket of sockets) socket.terminate();
});
