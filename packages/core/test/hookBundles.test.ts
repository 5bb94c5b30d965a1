// What an app's bundle holds for each hook, measured on the built packages with esbuild
// (bench/hookBundles.js): deterministic, so a test. `npm test` builds the packages first.
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { fetchEventSourceAdds, hookBundleSizes } from "../../../bench/hookBundles.js";

type Sizes = Awaited<ReturnType<typeof hookBundleSizes>>;

describe("hook bundles", () => {
  let sizes: Sizes;
  beforeAll(async () => {
    for (const built of ["../dist/index.js", "../../react/dist/index.js"]) {
      if (!existsSync(new URL(built, import.meta.url))) {
        throw new Error("the packages are not built: run `npm run build`.");
      }
    }
    sizes = await hookBundleSizes();
  }, 60_000);

  it("hold only what each hook runs: no event-stream code with a socket, no channels with a stream", () => {
    const { results } = sizes;
    const loaded = Object.fromEntries(results.map(({ spec, modules }) => [spec.label, modules]));
    for (const { spec, forbidden } of results) expect(forbidden, spec.label).toEqual([]);
    // The hooks' own modules, to show the lists are real.
    expect(loaded["useSocket"]).toContain("webSocketTransport.js");
    expect(loaded["useEventStream (the browser's EventSource)"]).toContain(
      "eventSourceTransport.js",
    );
    expect(loaded["useRealtime + RealtimeProvider"]).toContain("channelClient.js");
    expect(loaded["usePresence + RealtimeProvider"]).toContain("presenceClient.js");
    expect(loaded["useRealtime + RealtimeProvider with binaryChannelProtocol"]).toContain(
      "binaryChannelProtocol.js",
    );
  });

  // Issue 12's budgets, in absolute bytes, for every import that meets its budget today; the
  // other (useRealtime) joins this list with the change that meets it.
  it.each([
    ["useSocket", 6144],
    ["useEventStream (the browser's EventSource)", 6144],
    ["every hook, both transports and channels", 12288],
  ] as const)("keep %s within its budget of %i B", (label, budget) => {
    const result = sizes.results.find(({ spec }) => spec.label === label);
    expect(result?.spec.budget).toBe(budget);
    expect(result?.gzipBytes).toBeLessThanOrEqual(budget);
  });

  it("add FetchEventSource only where the app passes it, for no more than it costs alone", () => {
    const { results, fetchEventSourceBytes } = sizes;
    const loaded = Object.fromEntries(results.map(({ spec, modules }) => [spec.label, modules]));
    expect(loaded["useEventStream with FetchEventSource"]).toContain("fetchEventSource.js");
    const added = fetchEventSourceAdds(results);
    expect(added).toBeGreaterThan(0);
    expect(added).toBeLessThanOrEqual(fetchEventSourceBytes);
  });
});
