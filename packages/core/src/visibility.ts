import { type ConnectionStatus, isAtRest } from "./connectionOptions.js";
import type { PageLifecycle, PageSignal } from "./pageLifecycle.js";

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

/** Whether a connection must stay down now: offline, or hidden under a policy that lets go. */
export function mustPause(policy: VisibilityPolicy, page: PageLifecycle): boolean {
  return !page.isOnline() || (policy !== "keep" && !page.isVisible());
}

/**
 * What a connection does about a signal from the page:
 * - `pause`: disconnect now (offline, or hidden under `close`);
 * - `grace`: disconnect if the page is still hidden after the grace period (`pause`);
 * - `check`: it is back and open: make sure the connection survived (a sleep, a network change);
 * - `resume`: it is back and down: connect now, skipping any backoff wait;
 * - `stay`: nothing to do.
 */
export type PageAction = "pause" | "grace" | "check" | "resume" | "stay";

/** The page policy as a pure decision: what `signal` means for a connection that is `status`. */
export function pageAction(
  signal: PageSignal,
  policy: VisibilityPolicy,
  status: ConnectionStatus,
  page: PageLifecycle,
): PageAction {
  if (isAtRest(status)) return "stay";
  switch (signal) {
    case "hidden":
      if (policy === "close") return "pause";
      return policy === "pause" && status !== "paused" ? "grace" : "stay";
    case "offline":
      return "pause";
    case "visible":
    case "resumed":
    case "online":
      if (mustPause(policy, page)) return "stay";
      return status === "open" ? "check" : "resume";
  }
}
