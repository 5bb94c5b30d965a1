// The installed versions of the packages a benchmark compares with, read from their own
// package.json files: what the tables name is what ran.

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/**
 * The installed version of package `name`, from the package.json above its entry point: not every
 * package exports its package.json (better-sse does not).
 * @param {string} name
 * @returns {string}
 */
export function versionOf(name) {
  for (let dir = dirname(require.resolve(name)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (!existsSync(file)) continue;
    const manifest = /** @type {{ name?: string, version: string }} */ (
      JSON.parse(readFileSync(file, "utf8"))
    );
    if (manifest.name === name) return manifest.version;
  }
  throw new Error(`no package.json found for ${name}`);
}
