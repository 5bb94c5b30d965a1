/**
 * Calls `call` with each of `listeners`, in order, over a copy (a listener may unsubscribe
 * itself or another). One broken listener must not starve the others: what it throws is
 * rethrown from a microtask, where it still surfaces.
 */
export function callEach<Listener>(
  listeners: Iterable<Listener>,
  call: (listener: Listener) => void,
): void {
  for (const listener of [...listeners]) {
    try {
      call(listener);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
