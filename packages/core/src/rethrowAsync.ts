/**
 * Reports an exception thrown by user code (a handler or listener) the way a DOM event listener's is
 * reported: asynchronously, as an uncaught error, so the caller's state is never torn and the
 * error is never swallowed.
 */
export function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Calls `handler`, if there is one, with `args`; an exception it throws is reported as `rethrowAsync` does. */
export function callSafely<A extends unknown[]>(
  handler: ((...args: A) => unknown) | undefined,
  ...args: A
): void {
  try {
    handler?.(...args);
  } catch (error) {
    rethrowAsync(error);
  }
}

/**
 * Calls every listener with `args`, in order, each on its own: one that throws is reported (as
 * `rethrowAsync` does) and the rest still run. Listeners added or removed meanwhile take effect
 * from the next call.
 */
export function callEach<A extends unknown[]>(
  listeners: Iterable<(...args: A) => void>,
  ...args: A
): void {
  for (const listener of [...listeners]) callSafely(listener, ...args);
}
