import { callEach } from "./rethrowAsync.js";

// Every observer waiting for a frame, run together in one callback. A browser runs pending
// promise callbacks between two frame callbacks, so React commits after each of them: 100
// components on one stream, each with its own frame callback, would commit 100 times a frame
// instead of once.
const waiting = new Set<() => void>();
let cancelFrame: (() => void) | undefined;

function runFrame(): void {
  // The frame, or the timer standing in for it: whichever came first, the other will not run.
  cancelFrame?.();
  cancelFrame = undefined;
  const callbacks = [...waiting];
  waiting.clear();
  callEach(callbacks);
}

/**
 * Runs `callback` once, at the next animation frame, together with every other callback
 * scheduled for it: many calls before it, one run each, all in one frame callback. Coalescing
 * per frame holds up where coalescing per microtask does not: browsers (and jsdom) deliver each
 * WebSocket or EventSource message in a task of its own, so a microtask runs after every single
 * message, while a frame gathers all the messages of ~16 ms. A hidden page gets no frames, so
 * there a timer stands in, also for a frame asked for just before the page was hidden. Returns a
 * function that cancels the run.
 */
export function scheduleFrame(callback: () => void): () => void {
  waiting.add(callback);
  cancelFrame ??= requestFrame(runFrame);
  return () => {
    waiting.delete(callback);
    if (waiting.size === 0) {
      cancelFrame?.();
      cancelFrame = undefined;
    }
  };
}

function requestFrame(callback: () => void): () => void {
  const page = globalThis as {
    requestAnimationFrame?: (callback: () => void) => number;
    cancelAnimationFrame?: (handle?: number) => void;
    document?: { visibilityState?: string };
  };
  const frame =
    page.document?.visibilityState === "hidden"
      ? undefined
      : page.requestAnimationFrame?.(callback);
  // A hidden page gets no frames, also none asked for just before it was hidden: a timer stands
  // by, late enough to lose to a frame that comes, or stands in where none will.
  const timer = setTimeout(callback, frame === undefined ? 16 : 100);
  return () => {
    clearTimeout(timer);
    page.cancelAnimationFrame?.(frame);
  };
}
