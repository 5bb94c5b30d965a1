import type { Clock } from "./clock.js";
import type { Connection } from "./connection.js";
import type { ConnectionOptions } from "./connectionOptions.js";
import type { PageLifecycle } from "./pageLifecycle.js";

/** How a connection behaves, beyond what goes on the wire. */
export type ConnectionSettings = Omit<ConnectionOptions, "transport" | "clock" | "lifecycle">;

/** What a connection is made in: the manager's clock and page. */
export interface ConnectionEnvironment {
  readonly clock: Clock;
  readonly lifecycle: PageLifecycle;
}

/** Something that lives exactly as long as a shared connection: a channel client. */
export interface Attachment {
  dispose(): void;
}

/**
 * A server and how to talk to it, as `webSocketEndpoint`, `eventStreamEndpoint` and the channel
 * sources make them. An endpoint owns its wire: the key that says which users can share one
 * connection, the settings that shape it, and the transport it is made with. The
 * `ConnectionManager` only counts shares, so an app's bundle holds the transports it uses.
 */
export interface Endpoint {
  /** What goes on the wire: endpoints with equal keys share one connection. */
  readonly key: string;
  /** Where the server is. */
  readonly url: string;
  /** How the connection behaves; see the manager for how sharers' settings combine. */
  readonly settings: ConnectionSettings;
  /** Makes the shared connection, for its first user. */
  connect(environment: ConnectionEnvironment): Connection;
  /**
   * Every user, the first included, joins the shared connection through this; without it, a
   * user's joining connects it. (An event stream listens to the user's named events too; channels
   * over one stream connect when they have a channel.)
   */
  join?(connection: Connection): void;
}

// Objects and functions in a key (a headers function, an injected fetch) compare by identity:
// each gets a number, kept only as long as the object lives. Arrays (subprotocols) compare by
// their items, since they are written anew wherever options are.
const identities = new WeakMap<object, number>();
let nextIdentity = 1;

function keyPart(part: unknown): unknown {
  if (Array.isArray(part)) return part.map(keyPart);
  if ((typeof part !== "object" && typeof part !== "function") || part === null) return part;
  let id = identities.get(part);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(part, id);
  }
  return `#${id}`;
}

/**
 * A key from the parts of an endpoint that go on the wire: values and arrays as they are, other
 * objects and functions by identity.
 */
export function wireKey(parts: readonly unknown[]): string {
  return JSON.stringify(parts.map(keyPart));
}
