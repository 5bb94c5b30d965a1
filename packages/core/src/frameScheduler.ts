/**
 * Runs `callback` once, at the next animation frame: many calls before it, one run. Coalescing
 * per frame holds up where coalescing per microtask does not: browsers (and jsdom) deliver each
 * WebSocket or EventSource message in a task of its own, so a microtask runs after every single
 * message, while a frame gathers all the messages of ~16 ms. A hidden page gets no frames, so
 * there a timer stands in. Returns a function that cancels the run.
 */
export function scheduleFrame(callback: () => void): () => void {
  const page = globalThis as {
    requestAnimationFrame?: (callback: () => void) => number;
    cancelAnimationFrame?: (handle: number) => void;
    document?: { visibilityState?: string };
  };
  if (
    typeof page.requestAnimationFrame === "function" &&
    page.document?.visibilityState !== "hidden"
  ) {
    const handle = page.requestAnimationFrame(callback);
    return () => page.cancelAnimationFrame?.(handle);
  }
  const handle = setTimeout(callback, 16);
  return () => clearTimeout(handle);
}
