import { scheduleFrame } from "@wirekit/core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

/** A browser's frames, by hand: they run when the page paints, and a hidden page does not. */
function page() {
  const frames = new Map<number, () => void>();
  let handles = 0;
  const document = { visibilityState: "visible" };
  vi.stubGlobal("document", document);
  vi.stubGlobal("requestAnimationFrame", (callback: () => void) => {
    frames.set(++handles, callback);
    return handles;
  });
  vi.stubGlobal("cancelAnimationFrame", (handle: number) => frames.delete(handle));
  const paint = () => {
    const due = [...frames.values()];
    frames.clear();
    for (const callback of due) callback();
  };
  return { frames, paint, hide: () => (document.visibilityState = "hidden") };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("scheduleFrame", () => {
  it("runs every callback asked for before a frame in that one frame, once", () => {
    const { frames, paint } = page();
    const ran: string[] = [];
    scheduleFrame(() => ran.push("a"));
    scheduleFrame(() => ran.push("b"));
    expect(frames.size).toBe(1);
    paint();
    expect(ran).toEqual(["a", "b"]);
    // The timer that stood by for the frame went with it.
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual(["a", "b"]);
  });

  it("runs a callback whose frame a page hidden meanwhile will never paint", () => {
    const { frames, paint, hide } = page();
    const ran: string[] = [];
    scheduleFrame(() => ran.push("before"));
    expect(frames.size).toBe(1);
    hide();
    scheduleFrame(() => ran.push("while hidden"));
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(["before", "while hidden"]);
    // The frame asked for is given up; a later paint runs nothing twice.
    expect(frames.size).toBe(0);
    paint();
    expect(ran).toEqual(["before", "while hidden"]);
  });

  it("asks a hidden page for no frame, and runs on a timer", () => {
    const { frames, hide } = page();
    hide();
    const ran: string[] = [];
    const cancel = scheduleFrame(() => ran.push("cancelled"));
    cancel();
    scheduleFrame(() => ran.push("run"));
    expect(frames.size).toBe(0);
    vi.advanceTimersByTime(16);
    expect(ran).toEqual(["run"]);
  });
});
