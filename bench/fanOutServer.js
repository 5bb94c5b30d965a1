// The server side of the fan-out benchmark, run as a forked child of bench/fanOut.js with
// `--expose-gc`: one contender (argv[2]) on 127.0.0.1 port 0, alone in its process, so that the
// process's CPU time is the contender's and the clients' work lands on the other core.
//
// Every contender delivers message n of the channel `c1` to every subscriber, with the same data,
// `dataOf(n)`, each in its own wire format. That data starts with `{"n":`, which the clients
// (bench/fanOutClients.js) count to count messages.
//
// IPC, parent → child: { type: "heap" } | { type: "probe" } | { type: "paced", count, interval } |
// { type: "flat", duration } | { type: "cpu" };
// child → parent: { type: "listening", port, dialect } | { type: "heap", used } after two full
// GCs | { type: "probed" } | { type: "paced" } once `count` messages went out, one every
// `interval` ms | { type: "flat", published } once it published as fast as it could for
// `duration` ms | { type: "cpu", cpu }: microseconds of CPU since the last `paced` or `flat`
// began. It exits when the parent disconnects.

import { once } from "node:events";
import { createServer } from "node:http";
import { createChannelServer, createEventStreamHandler, createMemoryBroker } from "@wirekit/server";
import { createChannel, createSession } from "better-sse";
import { Server as SocketIoServer } from "socket.io";
import { WebSocketServer } from "ws";

if (process.send === undefined || typeof globalThis.gc !== "function") {
  throw new Error("bench/fanOutServer.js runs as a forked child of bench/fanOut.js, --expose-gc");
}
const notify = process.send.bind(process);
const collectGarbage = globalThis.gc;

const CHANNEL = "c1";
// A memory broker numbers from the clock (16 digits) by default; the floors number their
// messages the same way, so that they write the same bytes.
const EPOCH = Date.now() * 1000;
// The flat-out phase publishes the next message only while every socket has at most this many
// bytes waiting in the process: a server that is behind waits for its clients, never piles up.
const MAX_BUFFERED = 64 * 1024;

/**
 * A realistic small message (about 90 bytes of JSON), the same for every contender.
 * @param {number} n
 */
const dataOf = (n) => ({
  n,
  symbol: "ACME",
  price: 100 + (n % 400) / 4,
  note: "a line of chat, about as long as most",
});

/**
 * @typedef {import("./fanOutClients.js").Dialect} Dialect
 * @typedef {{ dialect: Dialect, publish: (n: number) => void }} Contender
 */

/** @type {Record<string, (http: import("node:http").Server) => Contender>} */
const CONTENDERS = {
  "wirekit-ws": (http) => {
    const broker = createMemoryBroker({ epoch: EPOCH });
    createChannelServer({ broker, server: http, path: "/channels", allowedOrigins: "*" });
    return {
      dialect: {
        transport: "websocket",
        path: "/channels",
        protocol: "wirekit.v1",
        hello: JSON.stringify({ type: "subscribe", channel: CHANNEL }),
      },
      publish: (n) => void broker.publish(CHANNEL, dataOf(n)),
    };
  },
  "socket.io": (http) => {
    const io = new SocketIoServer(http, { transports: ["websocket"], serveClient: false });
    io.on("connection", (socket) => socket.join(CHANNEL));
    return {
      // Engine.IO v4 straight over WebSocket, then "40": connect to the main namespace.
      dialect: {
        transport: "websocket",
        path: "/socket.io/?EIO=4&transport=websocket",
        hello: "40",
      },
      publish: (n) => void io.to(CHANNEL).emit("message", dataOf(n)),
    };
  },
  ws: (http) => {
    const wss = new WebSocketServer({ server: http, path: "/ws" });
    return {
      dialect: { transport: "websocket", path: "/ws" },
      publish: (n) => {
        // The frame wirekit's channel server sends for the same message, encoded once.
        const bytes = Buffer.from(
          JSON.stringify({
            type: "message",
            channel: CHANNEL,
            id: String(EPOCH + n),
            data: dataOf(n),
          }),
        );
        for (const client of wss.clients) client.send(bytes, { binary: false });
      },
    };
  },
  "wirekit-sse": (http) => {
    const broker = createMemoryBroker({ epoch: EPOCH });
    http.on("request", createEventStreamHandler({ broker }));
    return {
      dialect: { transport: "sse", path: `/events?channels=${CHANNEL}` },
      publish: (n) => void broker.publish(CHANNEL, dataOf(n)),
    };
  },
  "better-sse": (http) => {
    const channel = createChannel();
    http.on("request", (request, response) => {
      void createSession(request, response).then((session) => channel.register(session));
    });
    return {
      dialect: { transport: "sse", path: "/events" },
      publish: (n) => void channel.broadcast(dataOf(n), CHANNEL, { eventId: String(EPOCH + n) }),
    };
  },
  "node:http": (http) => {
    /** @type {Set<import("node:http").ServerResponse>} */
    const streams = new Set();
    http.on("request", (_request, response) => {
      response.writeHead(200, {
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-cache",
        Connection: "keep-alive",
      });
      response.flushHeaders();
      streams.add(response);
      response.on("close", () => streams.delete(response));
    });
    return {
      dialect: { transport: "sse", path: "/events" },
      publish: (n) => {
        // The event wirekit's handler writes for the same message, encoded once.
        const bytes = Buffer.from(
          `id: ${EPOCH + n}\nevent: ${CHANNEL}\ndata: ${JSON.stringify(dataOf(n))}\n\n`,
        );
        for (const response of streams) response.write(bytes);
      },
    };
  },
};

const key = process.argv[2] ?? "";
const make = CONTENDERS[key];
if (make === undefined) throw new Error(`unknown contender ${key}`);
const http = createServer();
/** @type {Set<import("node:net").Socket>} */
const sockets = new Set();
http.on("connection", (socket) => {
  sockets.add(socket);
  socket.once("close", () => sockets.delete(socket));
});
const { dialect, publish } = make(http);
let published = 0;
const next = () => publish(++published);
let cpuFrom = process.cpuUsage();

/** The most bytes any socket has waiting in this process. */
function backlog() {
  let most = 0;
  for (const socket of sockets) most = Math.max(most, socket.writableLength);
  return most;
}

/**
 * Publishes `count` messages, each at its own due time `interval` ms apart, so that a late timer
 * does not slow the stream down.
 * @param {number} count
 * @param {number} interval
 */
function paced(count, interval) {
  cpuFrom = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  const tick = () => {
    next();
    sent++;
    if (sent === count) notify({ type: "paced" });
    else setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
  };
  tick();
}

/**
 * Publishes as fast as the process can for `duration` ms, one message per event-loop turn (so
 * that I/O is served between them), waiting whenever a socket has more than MAX_BUFFERED bytes
 * waiting.
 * @param {number} duration
 */
function flatOut(duration) {
  cpuFrom = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  const step = () => {
    if (performance.now() - start >= duration) {
      notify({ type: "flat", published: sent });
      return;
    }
    if (backlog() > MAX_BUFFERED) {
      setTimeout(step, 1);
      return;
    }
    next();
    sent++;
    setImmediate(step);
  };
  step();
}

process.on("message", (raw) => {
  const request =
    /** @type {{ type: "heap" } | { type: "probe" } | { type: "paced", count: number, interval: number } | { type: "flat", duration: number } | { type: "cpu" }} */ (
      raw
    );
  switch (request.type) {
    case "heap":
      collectGarbage();
      collectGarbage();
      notify({ type: "heap", used: process.memoryUsage().heapUsed });
      return;
    case "probe":
      next();
      notify({ type: "probed" });
      return;
    case "paced":
      paced(request.count, request.interval);
      return;
    case "flat":
      flatOut(request.duration);
      return;
    case "cpu": {
      const { user, system } = process.cpuUsage(cpuFrom);
      notify({ type: "cpu", cpu: user + system });
    }
  }
});

http.listen(0, "127.0.0.1");
await once(http, "listening");
process.on("disconnect", () => process.exit(0));
const address = http.address();
if (address === null || typeof address === "string") throw new Error("no TCP address");
notify({ type: "listening", port: address.port, dialect });
