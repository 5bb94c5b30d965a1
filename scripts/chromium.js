// The one place that says which Chromium the browser test projects, the demo's end-to-end tests
// and `npm run test:package` drive. Plain JavaScript, so Node scripts import it as they are.
// Nothing here downloads a browser.
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";

/** Set it to a Chromium or Chrome executable to use that one. */
export const CHROMIUM_ENV = "WIREKIT_CHROMIUM";

/** What `.ci/run` installs (`apt-get install chromium`). */
export const DEBIAN_CHROMIUM = "/usr/bin/chromium";

// Without the background-networking flags Chromium floods a closed network with connections that
// are refused.
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * The Chromium to drive, first match wins: `$WIREKIT_CHROMIUM`; Playwright's own Chromium when
 * `npx playwright install chromium` has put it in place; Debian's `/usr/bin/chromium`.
 * @param {NodeJS.ProcessEnv} [env]
 * @returns {string}
 */
export function findChromium(env = process.env) {
  const chosen = env[CHROMIUM_ENV];
  if (chosen !== undefined && chosen !== "") {
    // Asked for by name: a typo must not quietly fall through to another browser.
    if (!existsSync(chosen)) throw new Error(`${CHROMIUM_ENV}=${chosen}: no such file.`);
    return chosen;
  }
  const playwrights = playwrightChromium();
  if (playwrights !== undefined && existsSync(playwrights)) return playwrights;
  return DEBIAN_CHROMIUM;
}

/** @returns {string | undefined} */
function playwrightChromium() {
  try {
    return chromium.executablePath();
  } catch {
    // Playwright throws on a platform it has no build for; that only means "not installed".
    return undefined;
  }
}

export const CHROMIUM_PATH = findChromium();

/**
 * A headless Chromium from {@link CHROMIUM_PATH}, for playwright-core scripts and tests.
 * @returns {Promise<import("playwright-core").Browser>}
 */
export function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
