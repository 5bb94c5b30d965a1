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
// application's server code would, with `dataOf(n, t)`: its data starts with `{"n":<n>,"t":<t>`,
// where t is the time the message was due on the monotonic clock, in microseconds: when the
// publisher falls behind its schedule, the lag counts in the latency the clients
// (bench/scaleOutClients.js) measure on the same clock, rather than hiding in a lower rate.
//
// IPC, parent → child: { type: "probe", n } | { type: "stream", from, count, rate } |
// { type: "progress" };
// child → parent: { type: "listening", port, dialects } | { type: "probed" } |
// { type: "streaming", start, interval } as it starts publishing `count` messages from
// n = `from`, `rate` a second: message from + k is due at start + k × interval (microseconds on
// the monotonic clock) | { type: "progress", failed, behind, atLeast }: failed publishes, and how
// late the stream's last message went out, in ms (atLeast: it has not yet; how long it has been
// due). The harness reads the instance's CPU and memory from /proc (bench/schedStat.js). It exits
// when the parent disconnects.

import { once } from "node:events";
import { createServer } from "node:http";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createChannelServer, createEventStreamHandler, createMemoryBroker } from "@wirekit/server";
import { createRedisBroker } from "@wirekit/server/redis";
import { createClient } from "redis";
import { Server as SocketIoServer } from "socket.io";

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
 * @param {number} t When it was due, in microseconds on the monotonic clock.
 */
const dataOf = (n, t) => ({
  n,
  t,
  symbol: "ACME",
  price: 100 + (n % 400) / 4,
  note: "a line of chat, about as long as most",
});

/**
 * @typedef {import("./rawSockets.js").Dialect} Dialect
 * @typedef {{ dialects: Partial<Record<"websocket" | "sse", Dialect>>,
 *   publish: (n: number, t: number) => Promise<unknown> }} Instance
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
      publish: async (n, t) => io.to(CHANNEL).emit("message", dataOf(n, t)),
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
    publish: (n, t) => broker.publish(CHANNEL, dataOf(n, t)),
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
// The stream: message from + k is due at start + k × interval; `published` have gone out, the
// last of them `late` ms after its due time.
const schedule = { start: 0, interval: 0, count: 0, published: 0, late: 0 };
/** @param {number} n @param {number} t */
const publishOne = (n, t) => {
  publish(n, t).catch(() => failed++);
};

/**
 * Publishes `count` messages from n = `from`, `rate` a second, each stamped with its due time.
 * One publish per turn of the event loop, as events arriving on sockets would come: a publish
 * made late is followed by the next at once, but only after the I/O that queued meanwhile (a
 * burst within one turn would also hold back the event streams' writes, which node:http corks
 * until the turn ends).
 * @param {number} from
 * @param {number} count
 * @param {number} rate
 */
function stream(from, count, rate) {
  const interval = 1e6 / rate;
  const start = microseconds();
  Object.assign(schedule, { start, interval, count, published: 0, late: 0 });
  const tick = () => {
    const due = start + schedule.published * interval;
    const late = microseconds() - due;
    if (late < 0) {
      setTimeout(tick, -late / 1000);
      return;
    }
    schedule.late = late / 1000;
    publishOne(from + schedule.published, Math.round(due));
    if (++schedule.published < count) setImmediate(tick);
  };
  notify({ type: "streaming", start, interval });
  tick();
}

/**
 * Milliseconds after its due time the stream's last message went out; if it has not yet, how
 * long it has been due, a lower bound.
 */
function behind() {
  const { start, interval, count, published, late } = schedule;
  if (published === count) return { behind: late, atLeast: false };
  const due = start + (count - 1) * interval;
  return { behind: Math.max(0, microseconds() - due) / 1000, atLeast: true };
}

process.on("message", (raw) => {
  const request =
    /** @type {{ type: "probe", n: number } | { type: "stream", from: number, count: number, rate: number } | { type: "progress" }} */ (
      raw
    );
  switch (request.type) {
    case "probe":
      publishOne(request.n, microseconds());
      notify({ type: "probed" });
      return;
    case "stream":
      stream(request.from, request.count, request.rate);
      return;
    case "progress":
      notify({ type: "progress", failed, ...behind() });
  }
});

http.listen(0, "127.0.0.1");
await once(http, "listening");
process.on("disconnect", () => process.exit(0));
const address = http.address();
if (address === null || typeof address === "string") throw new Error("no TCP address");
notify({ type: "listening", port: address.port, dialects });
