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
