import { watchGlobals } from "@wirekit/testing";
import { expect, it, vi } from "vitest";

// Globals a browser (or a browser-like runtime) has that a module must not touch while it is
// imported: under SSR they are missing, and touching them at import time is what crashes
// server renders and makes bundles impossible to tree-shake.
const guarded = [
  "window",
  "document",
  "navigator",
  "location",
  "self",
  "localStorage",
  "sessionStorage",
  "addEventListener",
  "removeEventListener",
  "requestAnimationFrame",
  "matchMedia",
  "EventSource",
  "WebSocket",
  "XMLHttpRequest",
  "fetch",
  "Headers",
  "Request",
  "Response",
  "AbortController",
  "ReadableStream",
  "TextDecoder",
  "TextEncoder",
  "Blob",
  "DOMException",
] as const;

// Every entry point that may run in a browser or a server render; a new one adds itself here.
// (@wirekit/server is Node-only: its ws dependency reads Node's globals when loaded.)
const entryPoints = {
  "@wirekit/core": () => import("@wirekit/core"),
  "@wirekit/core/event-source": () => import("@wirekit/core/event-source"),
  "@wirekit/core/protocol": () => import("@wirekit/core/protocol"),
  "@wirekit/testing": () => import("@wirekit/testing"),
  "@wirekit/react": () => import("@wirekit/react"),
};

it.each(Object.entries(entryPoints))("importing %s touches no browser global", async (_, load) => {
  vi.resetModules();
  const watch = watchGlobals(guarded);
  let module: object;
  try {
    module = await load();
  } finally {
    watch.restore();
  }
  expect(Object.keys(module).length).toBeGreaterThan(0);
  expect([...watch.touched]).toEqual([]);
});

it("the watch sees a global that is touched", () => {
  const watch = watchGlobals(guarded);
  void globalThis.fetch;
  watch.restore();
  void globalThis.fetch;
  expect([...watch.touched]).toEqual(["fetch"]);
});
