import { createBrowserPageLifecycle } from "@wirekit/core";
import { expect, it } from "vitest";

it("is inert without a document: visible, online, and nothing to listen to", () => {
  const lifecycle = createBrowserPageLifecycle({});
  expect(lifecycle.isVisible()).toBe(true);
  expect(lifecycle.isOnline()).toBe(true);
  const stop = lifecycle.subscribe(() => {
    throw new Error("no signal without a page");
  });
  stop();
});

it("attaches its page listeners on the first subscriber and removes them on the last", () => {
  const attached = new Map<string, number>();
  const count = (delta: number) => (type: string) =>
    attached.set(type, (attached.get(type) ?? 0) + delta);
  const target = { addEventListener: count(1), removeEventListener: count(-1) };
  const lifecycle = createBrowserPageLifecycle({
    document: { visibilityState: "visible", ...target },
    navigator: { onLine: false },
    ...target,
  });
  expect(lifecycle.isOnline()).toBe(false);
  const stopA = lifecycle.subscribe(() => {});
  const stopB = lifecycle.subscribe(() => {});
  expect([...attached.values()]).toEqual([1, 1, 1, 1]);
  stopA();
  expect([...attached.values()]).toEqual([1, 1, 1, 1]);
  stopB();
  expect([...attached.entries()]).toEqual([
    ["visibilitychange", 0],
    ["online", 0],
    ["offline", 0],
    ["pageshow", 0],
  ]);
});
