// `npm test`: builds the packages, then runs Vitest and the static checks side by side.
//
// The build comes first because tests run the built server (packages/server/test/support) and
// measure the built bundles (hookBundles.test.ts). Then Vitest spends most of its time waiting on
// sockets, child processes and Chromium, not on the CPU, while the type checks and lints are all
// CPU: run one after the other they took a minute and a half before Vitest even started, and side
// by side they fit in the CPU Vitest leaves idle. Their output is kept until they end, so Vitest's
// report stays readable; a failing check prints everything it said.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * Runs a command from the repository root; resolves with its exit code and, when `quiet`, what
 * it printed.
 * @param {string} command
 * @param {string[]} args
 * @param {{ quiet: boolean }} options
 * @returns {Promise<{ code: number, output: string }>}
 */
function run(command, args, { quiet }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    });
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", (error) => resolve({ code: 1, output: `${output}${error.message}\n` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

/** The static checks, in order: each is an npm script of its own, runnable alone. */
const CHECKS = ["typecheck", "lint", "lint:packages"];

const built = await run(NPM, ["run", "-s", "build"], { quiet: false });
if (built.code !== 0) process.exit(built.code);

const checks = (async () => {
  /** @type {Array<{ name: string, code: number, output: string, seconds: number }>} */
  const results = [];
  for (const name of CHECKS) {
    const started = performance.now();
    const { code, output } = await run(NPM, ["run", "-s", name], { quiet: true });
    results.push({ name, code, output, seconds: (performance.now() - started) / 1000 });
  }
  return results;
})();
const vitest = run(NPM, ["exec", "--", "vitest", "run", ...process.argv.slice(2)], {
  quiet: false,
});

const [results, tests] = await Promise.all([checks, vitest]);
console.log("");
for (const { name, code, output, seconds } of results) {
  if (code !== 0) process.stdout.write(`\n${name} failed:\n${output}`);
  console.log(`${code === 0 ? "✓" : "✗"} ${name} (${seconds.toFixed(0)} s)`);
}
const failed = [...results.map(({ code }) => code), tests.code].find((code) => code !== 0);
process.exitCode = failed ?? 0;
