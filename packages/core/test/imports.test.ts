import { afterEach, expect, it, vi } from "vitest";

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

// Every package's entry point; a new package adds itself here.
const entryPoints = {
  "@wirekit/core": () => import("@wirekit/core"),
  "@wirekit/testing": () => import("@wirekit/testing"),
  "@wirekit/react": () => import("@wirekit/react"),
};

const restores: Array<() => void> = [];
afterEach(() => {
  for (const restore of restores.splice(0)) restore();
});

function trapGlobals(touched: Set<string>): void {
  for (const name of guarded) {
    const descriptor = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get() {
        touched.add(name);
        return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
      },
      set(value) {
        touched.add(name);
        Object.defineProperty(globalThis, name, { configurable: true, writable: true, value });
      },
    });
    restores.push(() => {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    });
  }
}

it.each(Object.entries(entryPoints))("importing %s touches no browser global", async (_, load) => {
  vi.resetModules();
  const touched = new Set<string>();
  trapGlobals(touched);
  const module = await load();
  expect(Object.keys(module).length).toBeGreaterThan(0);
  expect([...touched]).toEqual([]);
});

it("the trap sees a global that is touched", () => {
  const touched = new Set<string>();
  trapGlobals(touched);
  void globalThis.fetch;
  expect([...touched]).toEqual(["fetch"]);
});
