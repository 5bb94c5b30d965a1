// The server side of the "under attack" benchmark, run as a child process of
// bench/underAttack.js (`child_process.fork`): the real @wirekit/server channel server, with its
// default options, on a memory broker, in a process of its own so that the flood it reads never
// runs in the measuring client's event loop.
//
// It publishes the good client's stream itself, on a timer, and stamps each message with the
// time of its publish: taken here, just before `broker.publish`, the latency the client computes
// on arrival is publish → listener and nothing else. The time is `performance.timeOrigin +
// performance.now()`, which the client reads the same way (both processes run on one machine).
//
// Upgrade requests whose URL says `role=hostile` are the flood's: the bytes read from their TCP
// sockets say how much of the flood the server read at all.
//
// IPC, parent → child: { type: "clock" } | { type: "stream", channel, phase, count, interval } |
// { type: "hostile" }; child → parent: { type: "listening", port } | { type: "clock", now } |
// { type: "streamed", phase, published, lateness } | { type: "hostile", sockets, counts }.
// It exits when the parent disconnects.

import { once } from "node:events";
import { createServer } from "node:http";
import { createChannelServer, createMemoryBroker } from "@wirekit/server";

if (process.send === undefined) {
  throw new Error("bench/attackServer.js runs as a forked child of bench/underAttack.js");
}
const notify = process.send.bind(process);
const wallClock = () => performance.timeOrigin + performance.now();

const broker = createMemoryBroker();
const http = createServer((_, response) => response.writeHead(426).end());

/**
 * @typedef {object} HostileSocket
 * @property {import("node:stream").Duplex} tcp
 * @property {number} before Bytes the socket had read before its first WebSocket frame.
 */
/** @type {HostileSocket[]} */
let hostile = [];
// Registered before the channel server's listener, so the upgrade is seen before it is served.
http.on("upgrade", (request, tcp, head) => {
  if (new URL(request.url ?? "/", "http://localhost").searchParams.get("role") !== "hostile") {
    return;
  }
  const socket = /** @type {import("node:net").Socket} */ (tcp);
  hostile.push({ tcp, before: socket.bytesRead - head.length });
});

const channels = createChannelServer({
  broker,
  server: http,
  path: "/channels",
  allowedOrigins: "*",
});

/**
 * Publishes `count` messages on `channel`, one every `interval` ms from now. Each is scheduled for its
 * own due time rather than `interval` after the last, so a late timer does not slow the stream
 * down; how late each publish was is reported (a busy event loop shows there, not in latency).
 * @param {string} channel
 * @param {number} phase
 * @param {number} count
 * @param {number} interval
 */
function stream(channel, phase, count, interval) {
  const start = performance.now();
  /** @type {number[]} */
  const lateness = [];
  let seq = 0;
  const next = () => {
    const due = start + seq * interval;
    const late = performance.now() - due;
    if (late < 0) {
      setTimeout(next, -late);
      return;
    }
    lateness.push(late);
    seq++;
    void broker.publish(channel, { phase, seq, sentAt: wallClock() });
    if (seq < count) setTimeout(next, start + seq * interval - performance.now());
    else notify({ type: "streamed", phase, published: seq, lateness });
  };
  next();
}

process.on("message", (raw) => {
  const message =
    /** @type {{ type: "clock" } | { type: "hostile" } | { type: "stream", channel: string, phase: number, count: number, interval: number }} */ (
      raw
    );
  switch (message.type) {
    case "clock":
      notify({ type: "clock", now: wallClock() });
      return;
    case "stream":
      stream(message.channel, message.phase, message.count, message.interval);
      return;
    case "hostile": {
      const sockets = hostile.map(({ tcp, before }) => ({
        bytesRead: /** @type {import("node:net").Socket} */ (tcp).bytesRead - before,
        open: !tcp.destroyed,
      }));
      hostile = hostile.filter(({ tcp }) => !tcp.destroyed);
      notify({ type: "hostile", sockets, counts: channels.counts });
    }
  }
});

http.listen(0, "127.0.0.1");
await once(http, "listening");
process.on("disconnect", () => {
  void channels.close().finally(() => {
    http.close();
    http.closeAllConnections();
  });
});
const address = http.address();
if (address === null || typeof address === "string") throw new Error("no TCP address");
notify({ type: "listening", port: address.port });
