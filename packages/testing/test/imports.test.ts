import { afterEach, expect, it, vi } from "vitest";

// Globals the package uses only when called; touching one while it is imported would break
// server rendering. Timers are left out: Vitest's module loader swaps them while it imports.
const guarded = [
  "window",
  "document",
  "location",
  "WebSocket",
  "EventSource",
  "Blob",
  "DOMException",
  "TextEncoder",
  "queueMicrotask",
] as const;

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
    });
    restores.push(() => {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else delete (globalThis as Record<string, unknown>)[name];
    });
  }
}

it("importing @wirekit/testing touches no global", async () => {
  vi.resetModules();
  const touched = new Set<string>();
  trapGlobals(touched);
  const module = await import("@wirekit/testing");
  const names = [...touched];
  for (const restore of restores.splice(0)) restore();
  expect(Object.keys(module)).toContain("createFakeServer");
  expect(names).toEqual([]);
});

it("the trap sees a global that is touched", () => {
  const touched = new Set<string>();
  trapGlobals(touched);
  void globalThis.Blob;
  expect([...touched]).toEqual(["Blob"]);
});
