// The server side of the channel throughput benchmark, run as a child process of
// bench/channelThroughput.js (`child_process.fork`) so that its work never shares the client's
// thread. A `ws` server on 127.0.0.1 that speaks just enough of PROTOCOL.md: when a client sends
// `{"type":"subscribe","channel":…}`, it answers `subscribed`, then the channel's BENCH_MESSAGES
// `message` frames (ids "1", "2", …, data `{"n":id}`).
//
// The burst is encoded once, as WebSocket frames, into one buffer that is written to the TCP
// socket in one call. Sending 100k frames one `ws.send` at a time (a write call each) takes the
// server as long as the client takes to receive them, which would time the server; with one
// write, the kernel keeps the client's socket full and the client is the bottleneck.
//
// It tells the parent its port once listening (IPC); it exits when the parent disconnects.

import { once } from "node:events";
import { createServer } from "node:http";
import { WebSocketServer } from "ws";

const messages = Number(process.env["BENCH_MESSAGES"]);
if (!Number.isSafeInteger(messages) || messages < 1 || process.send === undefined) {
  throw new Error("bench/channelServer.js runs as a forked child with BENCH_MESSAGES set");
}
const notify = process.send.bind(process);

/**
 * A server-to-client WebSocket text frame (RFC 6455 section 5.2: FIN, opcode 1, unmasked).
 * @param {string} text
 * @returns {Buffer}
 */
function textFrame(text) {
  const payload = Buffer.from(text);
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([0x81, length])
      : length < 65536
        ? Buffer.from([0x81, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigEndian64(length)]);
  return Buffer.concat([header, payload]);
}

/** @param {number} value */
function bigEndian64(value) {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

/** @type {Map<string, Buffer>} Each channel's burst, encoded once. */
const bursts = new Map();
/** @param {string} channel */
function burstOf(channel) {
  let burst = bursts.get(channel);
  if (burst === undefined) {
    const name = JSON.stringify(channel);
    const frames = [textFrame(JSON.stringify({ type: "subscribed", channel, recovered: true }))];
    for (let n = 1; n <= messages; n++) {
      frames.push(textFrame(`{"type":"message","channel":${name},"id":"${n}","data":{"n":${n}}}`));
    }
    burst = Buffer.concat(frames);
    bursts.set(channel, burst);
  }
  return burst;
}
burstOf("c1");

const sockets = new WebSocketServer({
  noServer: true,
  perMessageDeflate: false,
  handleProtocols: (offered) => (offered.has("wirekit.v1") ? "wirekit.v1" : false),
});
const http = createServer((_, response) => response.writeHead(426).end());
http.on("upgrade", (request, tcp, head) => {
  sockets.handleUpgrade(request, tcp, head, (socket) => {
    socket.on("message", (data, isBinary) => {
      if (isBinary) return;
      const frame = /** @type {{ type?: unknown, channel?: unknown }} */ (JSON.parse(String(data)));
      if (frame.type !== "subscribe" || typeof frame.channel !== "string") return;
      // `ws` writes to this socket only when asked to send, and nothing else is sent here.
      tcp.write(burstOf(frame.channel));
    });
  });
});
http.listen(0, "127.0.0.1");
await once(http, "listening");

process.on("disconnect", () => {
  for (const socket of sockets.clients) socket.terminate();
  http.close();
});

const address = http.address();
if (address === null || typeof address === "string") throw new Error("no TCP address");
notify({ type: "listening", port: address.port, bytes: burstOf("c1").length });
