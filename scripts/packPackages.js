// `npm pack` for every published package of the workspace, for `npm run lint:packages` and
// `npm run test:package`: they check what a user would download, not the working tree.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";

export const ROOT = join(import.meta.dirname, "..");

/**
 * @typedef {object} PackedPackage
 * @property {string} name
 * @property {string} version
 * @property {string} tarball The absolute path of the `.tgz`.
 * @property {string[]} files The paths inside the tarball, without the `package/` prefix.
 */

/**
 * The names of the packages under `packages/` that are published (not `private`).
 * @returns {string[]}
 */
export function publishedPackages() {
  const directory = join(ROOT, "packages");
  return readdirSync(directory, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map(
      (entry) =>
        /** @type {{ name: string, private?: boolean }} */ (
          JSON.parse(readFileSync(join(directory, entry.name, "package.json"), "utf8"))
        ),
    )
    .filter((manifest) => manifest.private !== true)
    .map((manifest) => manifest.name);
}

/**
 * Packs every published package into `destination`. With `ignoreScripts`, `prepack` (a clean
 * build) is skipped and whatever `dist` holds is packed.
 * @param {string} destination
 * @param {{ ignoreScripts?: boolean }} [options]
 * @returns {Promise<PackedPackage[]>}
 */
export async function packPackages(destination, { ignoreScripts = false } = {}) {
  const names = publishedPackages();
  const args = [
    "pack",
    "--json",
    "--pack-destination",
    destination,
    ...names.map((name) => `--workspace=${name}`),
    ...(ignoreScripts ? ["--ignore-scripts"] : []),
  ];
  let stdout;
  try {
    ({ stdout } = await promisify(execFile)("npm", args, {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    }));
  } catch (error) {
    const { stdout = "", stderr = "" } = /** @type {{ stdout?: string, stderr?: string }} */ (
      error
    );
    throw new Error(`npm ${args.join(" ")} failed:\n${stderr}${stdout}`);
  }
  // Lifecycle scripts print to stdout too; the JSON report is the array at the end.
  const report =
    /** @type {{ name: string, version: string, filename: string, files: { path: string }[] }[]} */ (
      JSON.parse(stdout.slice(stdout.lastIndexOf("\n[") + 1))
    );
  return report.map((entry) => ({
    name: entry.name,
    version: entry.version,
    tarball: join(destination, entry.filename),
    files: entry.files.map((file) => file.path),
  }));
}
