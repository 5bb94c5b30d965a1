// The real page in Chromium: the lifecycle source must hear what the browser says, and let go.
import { createBrowserPageLifecycle, type PageSignal } from "@wirekit/core";
import { afterEach, describe, expect, it } from "vitest";

function setVisibility(state: "visible" | "hidden"): void {
  // Headless Chromium never hides a page by itself; override what the page reads, then announce it.
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => state });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => state === "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}

afterEach(() => {
  setVisibility("visible");
});

describe("createBrowserPageLifecycle in Chromium", () => {
  it("turns visibility, network and back/forward-cache events into signals", () => {
    const lifecycle = createBrowserPageLifecycle();
    const signals: PageSignal[] = [];
    const stop = lifecycle.subscribe((signal) => signals.push(signal));
    setVisibility("hidden");
    expect(lifecycle.isVisible()).toBe(false);
    setVisibility("visible");
    window.dispatchEvent(new Event("offline"));
    window.dispatchEvent(new Event("online"));
    window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: false }));
    window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }));
    expect(signals).toEqual(["hidden", "visible", "offline", "online", "resumed"]);
    expect(lifecycle.isOnline()).toBe(navigator.onLine);
    stop();
  });

  it("removes its listeners when the last subscriber leaves", () => {
    const lifecycle = createBrowserPageLifecycle();
    const first: PageSignal[] = [];
    const second: PageSignal[] = [];
    const stopFirst = lifecycle.subscribe((signal) => first.push(signal));
    const stopSecond = lifecycle.subscribe((signal) => second.push(signal));
    stopFirst();
    window.dispatchEvent(new Event("offline"));
    stopSecond();
    window.dispatchEvent(new Event("online"));
    expect(first).toEqual([]);
    expect(second).toEqual(["offline"]);
  });
});
