// Builds the demo app and its server with Vite, for `npm run demo` and `npm run demo:cluster`
// (which builds once for its three instances).
import { join } from "node:path";
import { build } from "vite";

export const DEMO_ROOT = join(import.meta.dirname, "..", "apps", "demo");

export async function buildDemo() {
  const configFile = join(DEMO_ROOT, "vite.config.ts");
  await build({ configFile, logLevel: "warn" });
  await build({
    configFile,
    logLevel: "warn",
    build: { ssr: "server/app.ts", outDir: "dist/server", emptyOutDir: true },
  });
}
