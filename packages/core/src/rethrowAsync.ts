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
