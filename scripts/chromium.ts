// Debian's Chromium, never a downloaded browser, for the browser test projects and the demo's
// end-to-end tests. Without the background-networking flags it floods a closed network with
// connections that are refused.
export const CHROMIUM_PATH = "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
