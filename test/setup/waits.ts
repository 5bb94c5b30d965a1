// Every project loads this: `vi.waitFor` and `vi.waitUntil` written without a timeout wait up to
// PATIENCE instead of Vitest's 1 s.
import { vi } from "vitest";
import { PATIENCE } from "../patience.js";

type WaitOptions = number | { timeout?: number; interval?: number } | undefined;

function patient(options: WaitOptions): { timeout?: number; interval?: number } {
  if (typeof options === "number") return { timeout: options };
  return { timeout: PATIENCE, ...options };
}

// Vitest may keep one `vi` for several test files of a worker: wrap its waits once.
const WRAPPED = Symbol.for("wirekit.test.patience");
const waits = vi as typeof vi & { [WRAPPED]?: true };
if (waits[WRAPPED] !== true) {
  const { waitFor, waitUntil } = vi;
  waits.waitFor = (callback, options) => waitFor(callback, patient(options));
  waits.waitUntil = (callback, options) => waitUntil(callback, patient(options));
  waits[WRAPPED] = true;
}
