// `npm run lint:packages`, part of `npm test`: each package as npm would publish it, checked by
// publint (fields, exports, files) and by Are the Types Wrong (types resolve as the code does).
// Any message fails, suggestions included. It packs what `tsc -b` built, skipping prepack's clean
// build: `npm run test:package` is the one that proves prepack.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { packPackages, ROOT } from "./packPackages.js";

const run = promisify(execFile);
const bin = (/** @type {string} */ name) => join(ROOT, "node_modules", ".bin", name);

await run(bin("tsc"), ["-b", "tsconfig.build.json"], { cwd: ROOT });
const destination = mkdtempSync(join(tmpdir(), "wirekit-lint-packages-"));
try {
  const packed = await packPackages(destination, { ignoreScripts: true });
  const reports = await Promise.all(packed.map(lint));
  const failures = reports.filter((report) => report !== "");
  for (const report of failures) console.error(report);
  if (failures.length > 0) {
    // Not process.exit(): the temporary directory is removed on the way out.
    process.exitCode = 1;
  } else {
    console.log(
      `lint:packages: ${packed.map((entry) => entry.name).join(", ")}: publint and attw ok`,
    );
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}

/**
 * What publint and attw say about one tarball; "" when both have nothing to say.
 * @param {import("./packPackages.js").PackedPackage} entry
 * @returns {Promise<string>}
 */
async function lint({ name, tarball }) {
  const bytes = readFileSync(tarball);
  const { messages, pkg } = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    level: "suggestion",
    strict: true,
  });
  const problems = messages.map(
    (message) => `  publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`,
  );
  // The packages are ESM only, so the esm-only profile: it skips `node10`, which predates
  // `exports` and cannot see subpaths, and `node16` from CommonJS, where attw's TypeScript has
  // require() refuse ESM (Node 20.19+ loads it). Every rule still holds for `node16` from ESM and
  // for `bundler`.
  const attw = await run(bin("attw"), [tarball, "--profile", "esm-only", "--format", "ascii"], {
    cwd: ROOT,
  }).then(
    () => "",
    (error) => /** @type {{ stdout?: string }} */ (error).stdout ?? String(error),
  );
  if (attw !== "") problems.push(`  attw:\n${attw}`);
  return problems.length === 0 ? "" : `${name}:\n${problems.join("\n")}`;
}
