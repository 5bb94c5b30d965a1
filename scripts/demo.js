// `npm run demo`: builds the demo app and its server with Vite, then serves both from this one
// process at http://localhost:$PORT (5173 when unset). DEMO_DATA_DIR is where the server keeps
// its journal, so a restarted demo resumes its clients (default: apps/demo/.data).
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "vite";

const root = join(import.meta.dirname, "..", "apps", "demo");
const configFile = join(root, "vite.config.ts");
const port = process.env["PORT"] === undefined ? 5173 : Number(process.env["PORT"]);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`demo: PORT must be a port number, got "${process.env["PORT"]}".`);
  process.exit(1);
}

console.log("demo: building the app and the server…");
await build({ configFile, logLevel: "warn" });
await build({
  configFile,
  logLevel: "warn",
  build: { ssr: "server/app.ts", outDir: "dist/server", emptyOutDir: true },
});

const { startDemoServer } = await import(
  pathToFileURL(join(root, "dist", "server", "app.js")).href
);
const server = await startDemoServer({
  port,
  dataDir: process.env["DEMO_DATA_DIR"] ?? join(root, ".data"),
  clientDir: join(root, "dist", "client"),
});
console.log(
  `demo: ready at ${server.url}  (dashboard: ${server.url}/dashboard, chat: ${server.url}/chat)`,
);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    server.close().finally(() => process.exit(0));
  });
}
