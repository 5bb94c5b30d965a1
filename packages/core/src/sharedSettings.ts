import type { ConnectionSettings } from "./endpoint.js";
import type { VisibilityPolicy } from "./visibility.js";

/**
 * The rule for a connection many users share, when they ask for different behaviour:
 * - visibility: the most permissive policy any current user asked for (`keep` over `pause` over
 *   `close`), so a component that must stay live in a hidden tab is not paused by its neighbour;
 *   it relaxes again when that user lets go;
 * - everything else (retry, heartbeat, watchdog, timeouts, the queue, hello, auth hook, resume
 *   id): the first user's — put them on the provider's endpoint, or on every user alike. In
 *   development, a later user whose settings differ gets a console warning naming them.
 */
const PERMISSIVENESS: Record<VisibilityPolicy, number> = { close: 0, pause: 1, keep: 2 };

/** The policy a shared connection follows: the most permissive one wished. */
export function sharedVisibility(wishes: Iterable<VisibilityPolicy>): VisibilityPolicy {
  let shared: VisibilityPolicy | undefined;
  for (const wish of wishes) {
    if (shared === undefined || PERMISSIVENESS[wish] > PERMISSIVENESS[shared]) shared = wish;
  }
  return shared ?? "pause";
}

// Settings that are values can be compared; functions are written anew by every render of a
// component that passes them inline, so a difference in identity says nothing.
const COMPARED = [
  "maxAttempts",
  "minUptime",
  "connectTimeout",
  "visibilityGrace",
  "heartbeat",
  "watchdog",
  "queue",
  "lastEventId",
] as const satisfies ReadonlyArray<keyof ConnectionSettings>;

/** The settings of `next` that differ from `first`'s, which the connection keeps. */
export function ignoredSettings(first: ConnectionSettings, next: ConnectionSettings): string[] {
  return COMPARED.filter((key) => valueKey(first[key]) !== valueKey(next[key]));
}

function valueKey(value: unknown): string {
  return (
    JSON.stringify(value, (_key, member: unknown) =>
      typeof member === "function" ? "function" : member,
    ) ?? "undefined"
  );
}

declare const process: { env: { NODE_ENV?: string } };

/** Whether the app runs in development: bundlers replace `process.env.NODE_ENV`. */
export function isDevelopment(): boolean {
  try {
    return process.env.NODE_ENV !== "production";
  } catch {
    // No bundler and no Node: an unbundled browser module, where nothing tells us.
    return false;
  }
}
