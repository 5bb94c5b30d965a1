// Renders the app as a server would, in a Node process without browser globals, and prints as
// JSON which of them were there to begin with, which the import or the render read or wrote, and
// the HTML. npm run test:package wants none, none and the app's markup.
import { watchGlobals } from "@wirekit/testing";

const BROWSER_GLOBALS = [
  "window",
  "document",
  "navigator",
  "location",
  "localStorage",
  "sessionStorage",
  "EventSource",
  "WebSocket",
  "requestAnimationFrame",
  "matchMedia",
];

// Node 21 added `navigator` and Node 22 `WebSocket`; a server render must not count on them.
const scope = /** @type {Record<string, unknown>} */ (globalThis);
for (const name of BROWSER_GLOBALS) delete scope[name];
const present = BROWSER_GLOBALS.filter((name) => name in globalThis);

const watch = watchGlobals(BROWSER_GLOBALS);
let html = "";
try {
  // Imported while watched: what runs at import time counts too.
  const { render } = await import("./dist-server/entry-server.js");
  html = render({ api: "http://127.0.0.1:8787", user: "guest" });
} finally {
  watch.restore();
}
console.log(JSON.stringify({ present, touched: [...watch.touched], html }));
