// Byte budgets for what an app pays to import parts of @wirekit/core: deterministic (one bundler
// version, minified, gzip level 9), so they are tests; speed is measured in `npm run bench`.
// Measured on the built package, as an app would import it: `npm test` builds it first.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundleSizes } from "../../../bench/bundleSize.js";

/**
 * Min+gzip bytes each bundle may weigh; BENCHMARKS.md has the figures and the per-module split.
 * Issue #11 grew them: the paced outbox and the server's limits (WebSocket), the shared settings
 * rule (the manager), a FetchEventSource that is a real EventTarget and the stream position
 * (SSE). The per-hook budgets of issue #12 replace these.
 */
const BUDGETS: Record<string, number> = {
  "SSE parser": 2_500,
  FetchEventSource: 5_000,
  "SSE connection": 10_000,
  "WebSocket + channels": 8_500,
  ConnectionManager: 15_000,
  Everything: 17_000,
};

describe("bundle size", () => {
  it("keeps every import within its budget, and each transport's bundle free of the other's code", async () => {
    const dist = new URL("../dist/index.js", import.meta.url);
    if (!existsSync(dist)) throw new Error("packages/core/dist is missing: run `npm run build`.");
    const results = await bundleSizes();
    expect(results.map((result) => result.spec.label)).toEqual(Object.keys(BUDGETS));
    for (const { spec, gzipBytes } of results) {
      expect(gzipBytes, spec.label).toBeLessThanOrEqual(BUDGETS[spec.label] ?? 0);
    }
    const foreign = Object.fromEntries(results.map(({ spec, foreign }) => [spec.label, foreign]));
    expect(foreign["WebSocket + channels"]).toEqual([]);
    // The outbox comes with the transport that can send, so an event stream carries none of it.
    expect(foreign["SSE connection"]).toEqual([]);
  }, 60_000);
});
