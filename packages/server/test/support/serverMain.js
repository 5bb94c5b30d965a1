// A @wirekit/server in a process of its own, as users run it: the tests that kill it with
// SIGKILL and start it again drive this file. It serves, on one port:
//   /channels  the WebSocket channel protocol       /stream   Server-Sent Events
//   POST /publish {channel, data}  publishes as the server would (answers {id, seq})
//   GET /history?channel=c&after=id  what the broker holds
//   POST /drop?name=n  cuts every socket of the client that put `client=n` in its URL
//   GET /counts  the channel server's counters, the open streams and the slow readers cut
// The configuration is one JSON argument: { port, journal?, redis?, prefix?, historySize,
// rateLimit?, heartbeat?, presenceTtl? }. It prints "ready <port>" once it listens.
import { createServer } from "node:http";
import {
  createChannelServer,
  createEventStreamHandler,
  createMemoryBroker,
  openJournal,
} from "@wirekit/server";

const config = JSON.parse(process.argv[2] ?? "{}");
const historySize = config.historySize ?? 1000;

async function brokerOf() {
  if (config.redis !== undefined) {
    const { createRedisBroker } = await import("@wirekit/server/redis");
    return createRedisBroker({
      redis: { socket: { path: config.redis, reconnectStrategy: 20 } },
      prefix: config.prefix ?? "wirekit:",
      historySize,
      ...(config.presenceTtl === undefined ? {} : { presenceTtl: config.presenceTtl }),
      onError: () => {},
    });
  }
  if (config.journal === undefined) return createMemoryBroker({ historySize });
  const journal = openJournal(config.journal, { keepPerChannel: historySize });
  return createMemoryBroker({ historySize, restore: journal.restored, persist: journal.append });
}

const broker = await brokerOf();
/** @type {Map<string, Set<import("node:stream").Duplex>>} */
const socketsByClient = new Map();
/**
 * @param {string | undefined} url
 * @param {import("node:stream").Duplex} socket
 */
const track = (url, socket) => {
  const client = new URL(url ?? "/", "http://localhost").searchParams.get("client");
  if (client === null) return;
  const sockets = socketsByClient.get(client) ?? new Set();
  socketsByClient.set(client, sockets);
  sockets.add(socket);
  socket.once("close", () => sockets.delete(socket));
};

const streams = createEventStreamHandler({
  broker,
  retry: 20,
  heartbeatInterval: config.heartbeat ?? 15_000,
});

/** @param {import("node:http").IncomingMessage} request */
const readJson = async (request) => {
  let text = "";
  for await (const chunk of request) text += chunk;
  return JSON.parse(text);
};
/**
 * @param {import("node:http").ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 */
const reply = (response, status, body) => {
  response.writeHead(status, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
};

const http = createServer((request, response) => {
  const url = new URL(request.url ?? "/", "http://localhost");
  track(request.url, request.socket);
  const control = async () => {
    switch (url.pathname) {
      case "/stream":
        streams(request, response);
        return;
      case "/publish": {
        const { channel, data } = await readJson(request);
        reply(response, 200, await broker.publish(channel, data));
        return;
      }
      case "/history": {
        const channel = url.searchParams.get("channel") ?? "";
        const after = url.searchParams.get("after") ?? "0";
        reply(response, 200, await broker.replay(channel, after));
        return;
      }
      case "/drop": {
        const sockets = socketsByClient.get(url.searchParams.get("name") ?? "") ?? new Set();
        const dropped = sockets.size;
        for (const socket of sockets) socket.destroy();
        reply(response, 200, { dropped });
        return;
      }
      case "/counts":
        reply(response, 200, {
          ...channels.counts,
          streams: streams.streams,
          slowClientsCut: streams.slowClientsCut,
        });
        return;
      default:
        reply(response, 404, { error: "no such endpoint" });
    }
  };
  control().catch((error) => reply(response, 500, { error: String(error) }));
});
http.prependListener("upgrade", (request, socket) => track(request.url, socket));

const channels = createChannelServer({
  broker,
  server: http,
  path: "/channels",
  allowedOrigins: "*",
  ...(config.rateLimit === undefined ? {} : { rateLimit: config.rateLimit }),
});

http.listen(config.port ?? 0, "127.0.0.1", () => {
  const address = /** @type {import("node:net").AddressInfo} */ (http.address());
  process.stdout.write(`ready ${address.port}\n`);
});
