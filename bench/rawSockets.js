// Clients written by hand on TCP sockets, for benchmarks whose client side must cost next to
// nothing: a WebSocket or an event stream needs only a request, a response head and then bytes.
// An attacker needs no library either.

import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { connect } from "node:net";

/**
 * @typedef {object} RawResponse
 * @property {import("node:net").Socket} socket Connected; nothing listens to its `data` yet.
 * @property {string} head The response's status line and headers.
 * @property {Buffer} rest What arrived after the head, in the same reads.
 */

/**
 * Connects, writes `request`, and resolves once the response head has arrived with `status`.
 * @param {string} host
 * @param {number} port
 * @param {string} request The whole HTTP request, blank line included.
 * @param {number} status
 * @returns {Promise<RawResponse>}
 */
export async function requestRaw(host, port, request, status) {
  const socket = connect(port, host);
  socket.setNoDelay(true);
  socket.on("error", () => {});
  await once(socket, "connect");
  socket.write(request);
  return new Promise((resolve, reject) => {
    /** @type {Buffer} */
    let buffered = Buffer.alloc(0);
    /** @param {Buffer} chunk */
    const read = (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", read);
      socket.off("close", closed);
      const head = buffered.subarray(0, end).toString();
      if (!head.startsWith(`HTTP/1.1 ${status}`)) {
        socket.destroy();
        reject(new Error(`expected ${status}, got: ${head.split("\r\n")[0]}`));
        return;
      }
      resolve({ socket, head, rest: buffered.subarray(end + 4) });
    };
    const closed = () => reject(new Error("the server closed the socket before answering"));
    socket.on("data", read);
    socket.once("close", closed);
  });
}

/**
 * Opens a WebSocket by hand: the HTTP upgrade (RFC 6455 section 4.1), offering `protocol` if
 * given, and resolves once the server switched protocols.
 * @param {string} url
 * @param {string} [protocol]
 * @returns {Promise<RawResponse>}
 */
export function openRawWebSocket(url, protocol) {
  const { hostname, port, pathname, search } = new URL(url);
  return requestRaw(
    hostname,
    Number(port),
    `GET ${pathname}${search} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\n` +
      `Sec-WebSocket-Version: 13\r\n${protocol === undefined ? "" : `Sec-WebSocket-Protocol: ${protocol}\r\n`}\r\n`,
    101,
  );
}

/**
 * A client's text frame, masked as a client's must be (RFC 6455 section 5.3) with a zero key,
 * which leaves the payload as it is.
 * @param {string} text At most 125 bytes.
 * @returns {Buffer}
 */
export function maskedTextFrame(text) {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error("a raw client frame must be short");
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/**
 * How a benchmark's subscribers connect to a server, as the server process describes it.
 * @typedef {{ transport: "websocket", path: string, protocol?: string, hello?: string }
 *   | { transport: "sse", path: string }} Dialect
 */

// Connections opened at a time: a thousand SYNs at once overflow the listen backlog, and a
// dropped SYN is retried only a second later.
const OPENING_BATCH = 50;

/**
 * Opens one subscriber on 127.0.0.1:`port` as `dialect` says: the event-stream request, or the
 * WebSocket upgrade followed by the frame its server needs (`hello`), if any.
 * @param {number} port
 * @param {Dialect} dialect
 * @returns {Promise<RawResponse>}
 */
export async function openSubscriber(port, dialect) {
  if (dialect.transport === "sse") {
    return requestRaw(
      "127.0.0.1",
      port,
      `GET ${dialect.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      200,
    );
  }
  const opened = await openRawWebSocket(`ws://127.0.0.1:${port}${dialect.path}`, dialect.protocol);
  if (dialect.hello !== undefined) opened.socket.write(maskedTextFrame(dialect.hello));
  return opened;
}

/**
 * Opens `connections` subscribers, OPENING_BATCH at a time; the `i`th connects to
 * `ports[i % ports.length]` and is handed to `onOpened` (which starts reading it) once open.
 * @param {number[]} ports
 * @param {Dialect} dialect
 * @param {number} connections
 * @param {(opened: RawResponse, index: number) => void} onOpened
 * @returns {Promise<import("node:net").Socket[]>}
 */
export async function openSubscribers(ports, dialect, connections, onOpened) {
  /** @type {import("node:net").Socket[]} */
  const sockets = [];
  for (let first = 0; first < connections; first += OPENING_BATCH) {
    const batch = Array.from({ length: Math.min(OPENING_BATCH, connections - first) }, (_, k) => {
      const index = first + k;
      return openSubscriber(ports[index % ports.length] ?? 0, dialect).then((opened) => {
        onOpened(opened, index);
        return opened.socket;
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  return sockets;
}
