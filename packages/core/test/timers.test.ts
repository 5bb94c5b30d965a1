// Every timer in core goes through startTimer (timers.ts): the one place that caps delays, so a
// server's month-long `retry:` or Retry-After never becomes a retry loop, and the one place a
// clock is asked, so a virtual clock intercepts every wait.
import { readdirSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

const SOURCE = new URL("../src/", import.meta.url);

// clock.ts is the system clock itself, timers.ts the scheduler; frameScheduler.ts stands a timer
// in for a frame a page will not paint (no requestAnimationFrame, or hidden), which no server
// controls.
const ALLOWED = new Set(["clock.ts", "timers.ts", "frameScheduler.ts"]);

/** The code of a source file, without its comments (a comment may name a timer function). */
function code(file: string): string {
  return readFileSync(new URL(file, SOURCE), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

it("no core source calls setTimeout or clearTimeout but the clock and the scheduler", () => {
  const files = readdirSync(SOURCE).filter((file) => file.endsWith(".ts"));
  expect(files).toEqual(expect.arrayContaining(["fetchEventSource.ts", ...ALLOWED]));
  const offenders = files.filter(
    (file) => !ALLOWED.has(file) && /\b(?:setTimeout|clearTimeout)\s*\(/.test(code(file)),
  );
  expect(offenders).toEqual([]);
});

it("the check sees a call, and not a comment", () => {
  const call = /\b(?:setTimeout|clearTimeout)\s*\(/;
  expect(call.test("this.#timer = setTimeout(() => {}, 5);")).toBe(true);
  expect(call.test("clock.clearTimeout (handle);")).toBe(true);
  expect(call.test(code("timers.ts"))).toBe(true);
  expect(call.test("// setTimeout( in a comment".replace(/(^|[^:"'`])\/\/.*$/gm, "$1"))).toBe(
    false,
  );
});
