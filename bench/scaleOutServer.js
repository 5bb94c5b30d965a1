// One server instance of the scale-out benchmark, run as a forked child of bench/scaleOut.js: on
// 127.0.0.1 port 0, in a process of its own, so that the process's CPU time is the instance's.
// argv[2] is JSON: { kind, redis? } where kind is
//   "wirekit-memory"    @wirekit/server's channel server and SSE handler on createMemoryBroker()
//   "wirekit-redis"     the same on createRedisBroker() over the unix socket `redis`
//   "socket.io-redis"   socket.io with @socket.io/redis-streams-adapter over the same
// with their default options. A wirekit instance serves both transports on one port: WebSocket
// subscribers on /channels, event streams on /events.
//
// The instance the harness makes the publisher publishes message n of channel `c1` itself, as an
// application's server code would, with `dataOf(n)`: its data starts with `{"n":<n>,"t":<t>`,
// where t is the monotonic clock in microseconds just before the publish call. The clients
// (bench/scaleOutClients.js) read the same clock on arrival.
//
// IPC, parent → child: { type: "probe", n } | { type: "stream", from, count, rate } |
// { type: "mark" } | { type: "cpu" };
// child → parent: { type: "listening", port, dialects } | { type: "probed" } |
// { type: "streamed", published, failed, lateMax } once `count` messages, from n = `from`, went
// out `rate` a second, each at its own due time | { type: "marked" } | { type: "cpu", cpu, ran,
// waited, rss }: microseconds of CPU, user plus system, since the last `mark`, and of the main
// thread's time on a core and waiting for one (bench/schedStat.js), and the bytes of the
// process's resident set now. It exits when the parent disconnects.

import { once } from "node:events";
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createChannelServer, createEventStreamHandler, createMemoryBroker } from "@wirekit/server";
import { createRedisBroker } from "@wirekit/server/redis";
import { createClient } from "redis";
import { Server as SocketIoServer } from "socket.io";
import { scheduling } from "./schedStat.js";

if (process.send === undefined) {
  throw new Error("bench/scaleOutServer.js runs as a forked child of bench/scaleOut.js");
}
const notify = process.send.bind(process);

const CHANNEL = "c1";

/**
 * The monotonic clock (CLOCK_MONOTONIC, one for the whole machine), in microseconds: every
 * process reads the same one, so a difference between two processes' readings needs no
 * correction. bench/scaleOutClients.js reads it the same way.
 */
const microseconds = () => Number(process.hrtime.bigint() / 1000n);

/**
 * A realistic small message (about 110 bytes of JSON), the fan-out benchmark's with the stamp.
 * @param {number} n
 */
const dataOf = (n) => ({
  n,
  t: microseconds(),
  symbol: "ACME",
  price: 100 + (n % 400) / 4,
  note: "a line of chat, about as long as most",
});

/**
 * @typedef {import("./rawSockets.js").Dialect} Dialect
 * @typedef {{ dialects: Partial<Record<"websocket" | "sse", Dialect>>,
 *   publish: (n: number) => Promise<unknown> }} Instance
 */

/** @type {Record<string, (http: import("node:http").Server, redis: string) => Promise<Instance>>} */
const KINDS = {
  "wirekit-memory": async (http) => wirekit(http, createMemoryBroker()),
  "wirekit-redis": async (http, redis) => {
    const broker = createRedisBroker({ redis: { socket: { path: redis, tls: false } } });
    // Connected before it takes subscribers, as the socket.io instance's client is.
    await broker.streamPosition();
    return wirekit(http, broker);
  },
  "socket.io-redis": async (http, redis) => {
    const client = createClient({ socket: { path: redis, tls: false } });
    await client.connect();
    const io = new SocketIoServer(http, {
      transports: ["websocket"],
      serveClient: false,
      adapter: createAdapter(client),
    });
    io.on("connection", (socket) => socket.join(CHANNEL));
    return {
      // Engine.IO v4 straight over WebSocket, then "40": connect to the main namespace.
      dialects: {
        websocket: {
          transport: "websocket",
          path: "/socket.io/?EIO=4&transport=websocket",
          hello: "40",
        },
      },
      // The adapter appends the broadcast to the stream (XADD), then delivers it to this
      // instance's sockets; the other instances read it with XREAD BLOCK.
      publish: async (n) => io.to(CHANNEL).emit("message", dataOf(n)),
    };
  },
};

/**
 * @param {import("node:http").Server} http
 * @param {import("@wirekit/server").Broker} broker
 * @returns {Instance}
 */
function wirekit(http, broker) {
  createChannelServer({ broker, server: http, path: "/channels", allowedOrigins: "*" });
  http.on("request", createEventStreamHandler({ broker }));
  return {
    dialects: {
      websocket: {
        transport: "websocket",
        path: "/channels",
        protocol: "wirekit.v1",
        hello: JSON.stringify({ type: "subscribe", channel: CHANNEL }),
      },
      sse: { transport: "sse", path: `/events?channels=${CHANNEL}` },
    },
    publish: (n) => broker.publish(CHANNEL, dataOf(n)),
  };
}

const { kind, redis = "" } = /** @type {{ kind: string, redis?: string }} */ (
  JSON.parse(process.argv[2] ?? "{}")
);
const make = KINDS[kind];
if (make === undefined) throw new Error(`unknown kind ${kind}`);
const http = createServer();
const { dialects, publish } = await make(http, redis);
let failed = 0;
/** @param {number} n */
const publishOne = (n) => {
  publish(n).catch(() => failed++);
};

/**
 * Publishes `count` messages from n = `from`, `rate` a second, each at its own due time so that a
 * late timer does not slow the stream down; how late the latest publish was is reported.
 * @param {number} from
 * @param {number} count
 * @param {number} rate
 */
function stream(from, count, rate) {
  const interval = 1000 / rate;
  const start = performance.now();
  let sent = 0;
  let lateMax = 0;
  const tick = () => {
    const late = performance.now() - (start + sent * interval);
    if (late < 0) {
      setTimeout(tick, -late);
      return;
    }
    lateMax = Math.max(lateMax, late);
    publishOne(from + sent);
    sent++;
    if (sent === count) notify({ type: "streamed", published: sent, failed, lateMax });
    else setTimeout(tick, start + sent * interval - performance.now());
  };
  tick();
}

let cpuFrom = process.cpuUsage();
let scheduledFrom = scheduling();
process.on("message", (raw) => {
  const request =
    /** @type {{ type: "probe", n: number } | { type: "stream", from: number, count: number, rate: number } | { type: "mark" } | { type: "cpu" }} */ (
      raw
    );
  switch (request.type) {
    case "probe":
      publishOne(request.n);
      notify({ type: "probed" });
      return;
    case "stream":
      stream(request.from, request.count, request.rate);
      return;
    case "mark":
      cpuFrom = process.cpuUsage();
      scheduledFrom = scheduling();
      notify({ type: "marked" });
      return;
    case "cpu": {
      const { user, system } = process.cpuUsage(cpuFrom);
      const { ran, waited } = scheduling();
      notify({
        type: "cpu",
        cpu: user + system,
        ran: ran - scheduledFrom.ran,
        waited: waited - scheduledFrom.waited,
        rss: process.memoryUsage.rss(),
      });
    }
  }
});

http.listen(0, "127.0.0.1");
await once(http, "listening");
process.on("disconnect", () => process.exit(0));
const address = http.address();
if (address === null || typeof address === "string") throw new Error("no TCP address");
notify({ type: "listening", port: address.port, dialects });
