// `npm run demo`: builds the demo app and its server with Vite, then serves both from this one
// process at http://localhost:$PORT (5173 when unset). DEMO_DATA_DIR is where the server keeps
// its journal, so a restarted demo resumes its clients (default: apps/demo/.data).
// REDIS_URL (redis://…) puts its brokers on Redis instead, so several of these can serve the
// same pages; DEMO_ORIGINS (comma-separated) adds origins it accepts, a proxy's in front of it.
// DEMO_BUILT=1 skips the build: `npm run demo:cluster` builds once for all its instances.
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { buildDemo, DEMO_ROOT } from "./buildDemo.js";

const port = process.env["PORT"] === undefined ? 5173 : Number(process.env["PORT"]);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: PORT must be a port number, got "${process.env["PORT"]}".`);
  process.exit(1);
}
const redisUrl = process.env["REDIS_URL"] || undefined;

if (process.env["DEMO_BUILT"] !== "1") {
  console.log("demo: building the app and the server…");
  await buildDemo();
}

const { startDemoServer } = await import(
  pathToFileURL(join(DEMO_ROOT, "dist", "server", "app.js")).href
);
const server = await startDemoServer({
  port,
  dataDir: process.env["DEMO_DATA_DIR"] ?? join(DEMO_ROOT, ".data"),
  clientDir: join(DEMO_ROOT, "dist", "client"),
  redisUrl,
  extraOrigins: (process.env["DEMO_ORIGINS"] ?? "").split(",").filter(Boolean),
});
console.log(
  `demo: ready at ${server.url}  (dashboard: ${server.url}/dashboard, chat: ${server.url}/chat)` +
    (redisUrl === undefined ? "" : "  on Redis"),
);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close().finally(() => process.exit(0));
  });
}
