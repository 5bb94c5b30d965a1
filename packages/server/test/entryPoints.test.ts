import { createRequire } from "node:module";
import { expect, it } from "vitest";

// node-redis is CommonJS: whatever loads it shows in the require cache of this test's process.
const redisLoaded = () =>
  Object.keys(createRequire(import.meta.url).cache).some((path) =>
    /[\\/]node_modules[\\/](redis|@redis[\\/]client)[\\/]/.test(path),
  );

it("loads node-redis only through @wirekit/server/redis", async () => {
  await import("@wirekit/server");
  expect(redisLoaded()).toBe(false);
  await import("@wirekit/server/redis");
  expect(redisLoaded()).toBe(true);
});
