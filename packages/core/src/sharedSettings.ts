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
const MOST_PERMISSIVE_FIRST: readonly VisibilityPolicy[] = ["keep", "pause", "close"];

/** The policy a shared connection follows: the most permissive one wished. */
export function sharedVisibility(wishes: Iterable<VisibilityPolicy>): VisibilityPolicy {
  const wished = new Set(wishes);
  return MOST_PERMISSIVE_FIRST.find((policy) => wished.has(policy)) ?? "pause";
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
] as const satisfies ReadonlyArray<keyof SharedSettings>;

/** An endpoint's settings, and those its transport reads: a heartbeat, an event id to resume from. */
type SharedSettings = ConnectionSettings & {
  readonly heartbeat?: unknown;
  readonly lastEventId?: string;
};

// Connections whose users were warned already: once is enough.
const warned = new WeakSet<object>();

/**
 * Warns that `next`'s settings lose to `first`'s, once per connection. Development only: the
 * caller guards it with `process.env.NODE_ENV`, which bundlers replace, so that production
 * bundles drop this module's warning altogether.
 */
export function warnIgnoredSettings(
  connection: object,
  url: string,
  first: SharedSettings,
  next: SharedSettings,
): void {
  if (warned.has(connection)) return;
  const ignored = COMPARED.filter((key) => valueKey(first[key]) !== valueKey(next[key]));
  if (ignored.length === 0) return;
  warned.add(connection);
  console.warn(
    `wirekit: ${url} is shared, and keeps the settings of its first user; this one's ` +
      `${ignored.join(", ")} differ and are ignored. Put them on the provider's endpoint, or pass ` +
      "the same ones everywhere (visibility is the exception: the most permissive one wins).",
  );
}

function valueKey(value: unknown): string {
  return (
    JSON.stringify(value, (_key, member: unknown) =>
      typeof member === "function" ? "function" : member,
    ) ?? "undefined"
  );
}
