// The app's backend: @wirekit/server as installed from its tarball. The CPU metric is a
// Server-Sent Events stream at /events?channels=cpu, chat runs on channels over WebSocket at
// /channels, both on the memory broker.
// PORT (0 picks a free one), ORIGIN (the page's origin, the only one let in) and GENERATION
// (which start of the server this is): samples count up from GENERATION × 100000, so a page
// shows which server process sent what it shows.
import { createServer } from "node:http";
import { createChannelServer, createEventStreamHandler, createMemoryBroker } from "@wirekit/server";

const port = Number(process.env.PORT ?? 0);
const origin = process.env.ORIGIN ?? "http://localhost:5173";
const generation = Number(process.env.GENERATION ?? 1);

const broker = createMemoryBroker();
const events = createEventStreamHandler({ broker, allowedOrigins: [origin] });
const http = createServer((request, response) => {
  if (request.url?.startsWith("/events")) events(request, response);
  else response.writeHead(404).end();
});
createChannelServer({ broker, server: http, path: "/channels", allowedOrigins: [origin] });

let sample = 0;
setInterval(() => {
  sample += 1;
  void broker.publish("cpu", { t: Date.now(), value: generation * 100_000 + sample });
}, 100);

http.listen(port, "127.0.0.1", () => {
  const address = /** @type {import("node:net").AddressInfo} */ (http.address());
  console.log(`listening on ${address.port}`);
});
