// A small round-robin TCP proxy: one address in front of several server instances, as a load
// balancer would be, for `npm run demo:cluster` and for the multi-instance tests (which import
// it from here, so the demo never imports test files). Each new client connection goes to the
// next backend; one that refuses (killed, not started yet) is skipped. Bytes pass through
// untouched, so HTTP, Server-Sent Events and WebSocket upgrades all work, and when a backend dies
// its clients' connections are cut as a real balancer's would be.
import { once } from "node:events";
import { createConnection, createServer } from "node:net";

/**
 * @typedef {object} Backend
 * @property {number} port
 * @property {string} [host] Defaults to `"127.0.0.1"`.
 */

/**
 * @typedef {object} RoundRobinProxyOptions
 * @property {readonly Backend[]} backends Where connections go, in turn.
 * @property {number} [port] The port to listen on; 0 picks a free one. Defaults to `0`.
 * @property {string} [host] The interface to listen on. Defaults to `"127.0.0.1"`.
 */

/**
 * @typedef {object} RoundRobinProxy
 * @property {number} port The port it listens on.
 * @property {() => Promise<void>} close Stops listening and cuts every connection.
 */

/**
 * @param {RoundRobinProxyOptions} options
 * @returns {Promise<RoundRobinProxy>}
 */
export async function startRoundRobinProxy(options) {
  const { backends, port = 0, host = "127.0.0.1" } = options;
  if (backends.length === 0)
    throw new RangeError("startRoundRobinProxy: give at least one backend.");
  let next = 0;
  /** @type {Set<import("node:net").Socket>} */
  const sockets = new Set();

  /** @param {import("node:net").Socket} socket */
  const track = (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // A reset from either side is the end of that pair, not the proxy's problem.
    socket.on("error", () => socket.destroy());
  };

  /**
   * Tries the backends in turn from the next one, each at most once.
   * @param {import("node:net").Socket} client
   * @param {number} tries
   */
  const connect = (client, tries) => {
    if (tries === 0 || client.destroyed) {
      client.destroy();
      return;
    }
    const backend = /** @type {Backend} */ (backends[next % backends.length]);
    next = (next + 1) % backends.length;
    const upstream = createConnection({ port: backend.port, host: backend.host ?? "127.0.0.1" });
    const refused = () => {
      upstream.destroy();
      connect(client, tries - 1);
    };
    upstream.once("error", refused);
    upstream.once("connect", () => {
      upstream.off("error", refused);
      track(upstream);
      // Either side going away ends the pair: a dead backend's clients must notice and reconnect.
      upstream.once("close", () => client.destroy());
      client.once("close", () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    connect(client, backends.length);
  });
  server.listen(port, host);
  await once(server, "listening");
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());

  return {
    port: address.port,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
