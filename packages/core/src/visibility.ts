/**
 * What a connection does while the page is hidden:
 * - `keep`: stays connected, and retries as usual;
 * - `pause`: disconnects once the page has been hidden for `visibilityGrace`, reconnects the
 *   moment it is visible again (quick tab switches keep the connection);
 * - `close`: disconnects as soon as the page is hidden, reconnects when it is visible.
 * With `pause` and `close` nothing is retried while the page is hidden.
 */
export type VisibilityPolicy = "keep" | "pause" | "close";

/** Throws a `TypeError` that says what to pass, for anything but a visibility policy. */
export function assertVisibility(visibility: unknown): asserts visibility is VisibilityPolicy {
  if (visibility !== "keep" && visibility !== "pause" && visibility !== "close") {
    throw new TypeError(
      `Connection: \`visibility\` must be "keep", "pause" or "close", got ${JSON.stringify(visibility)}.`,
    );
  }
}
