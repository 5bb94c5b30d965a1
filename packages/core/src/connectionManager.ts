import { type Clock, systemClock } from "./clock.js";
import type { Connection } from "./connection.js";
import type {
  Attachment,
  ConnectionEnvironment,
  ConnectionSettings,
  Endpoint,
} from "./endpoint.js";
import { createBrowserPageLifecycle, type PageLifecycle } from "./pageLifecycle.js";
import { sharedVisibility, warnIgnoredSettings } from "./sharedSettings.js";
import { startTimer } from "./timers.js";
import type { VisibilityPolicy } from "./visibility.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** A share in a connection. Release it when done; the last release closes it after the linger. */
export interface ConnectionLease {
  readonly connection: Connection;
  /** Gives the share back. Calling it again does nothing. */
  release(): void;
  /**
   * What every user of the connection shares and what lives exactly as long as it (a channel
   * client): made by the first to ask for `key`, disposed when the connection closes.
   */
  attachment<T extends Attachment>(key: object, create: () => T): T;
}

export interface ConnectionManagerOptions {
  /**
   * @default systemClock
   */
  clock?: Clock;
  /**
   * @default createBrowserPageLifecycle()
   */
  lifecycle?: PageLifecycle;
  /**
   * Milliseconds an unused connection stays open, so React StrictMode's mount–unmount–mount
   * and route changes reuse it instead of reconnecting.
   * @default 1000
   */
  linger?: number;
}

interface Entry {
  readonly connection: Connection;
  readonly attachments: Map<object, Attachment>;
  /** The first user's settings, which the connection follows (all but visibility). */
  readonly settings: ConnectionSettings;
  /** Each current share's visibility wish: the most permissive one rules (sharedSettings.ts). */
  readonly visibility: Map<object, VisibilityPolicy>;
  cancelLinger?: (() => void) | undefined;
}

/**
 * Shares connections. Endpoints with the same key — same transport, URL, subprotocols,
 * headers, method, body, credentials: what goes on the wire — get one physical connection,
 * opened on the first `acquire` and closed `linger` milliseconds after the last `release`.
 * Settings that do not change the wire follow one rule (`sharedSettings.ts`): visibility is the
 * most permissive any current user asked for; retry, heartbeat, watchdog and the rest come from
 * the first `acquire`, and in development a later user whose settings differ is warned.
 *
 * It knows no transport: an endpoint makes its own connection, so an app's bundle holds only the
 * transports it uses. Create one per app (or use `getDefaultConnectionManager()`); it holds no
 * global state.
 *
 * @example
 * const manager = new ConnectionManager();
 * const lease = manager.acquire(webSocketEndpoint({ url: "wss://example.com/live" }));
 * const stop = lease.connection.onMessage((message) => console.log(message.data));
 * // later
 * stop();
 * lease.release();
 */
export class ConnectionManager {
  readonly #environment: ConnectionEnvironment;
  readonly #linger: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: ConnectionManagerOptions = {}) {
    const { clock = systemClock, lifecycle, linger = 1000 } = options;
    this.#environment = { clock, lifecycle: lifecycle ?? createBrowserPageLifecycle() };
    this.#linger = linger;
  }

  /** How many connections the manager holds, lingering ones included. */
  get size(): number {
    return this.#entries.size;
  }

  /** A share in the connection to `endpoint`, connecting it if it is the first. */
  acquire(endpoint: Endpoint): ConnectionLease {
    const { key, settings } = endpoint;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const connection = endpoint.connect(this.#environment);
      entry = { connection, attachments: new Map(), settings, visibility: new Map() };
      this.#entries.set(key, entry);
    } else if (typeof process === "object" && process.env.NODE_ENV !== "production") {
      warnIgnoredSettings(entry.connection, endpoint.url, entry.settings, settings);
    }
    const held = entry;
    const { connection, visibility, attachments } = held;
    held.cancelLinger?.();
    held.cancelLinger = undefined;
    const share = {};
    const followWishes = () => connection.setVisibility(sharedVisibility(visibility.values()));
    visibility.set(share, settings.visibility ?? "pause");
    followWishes();
    if (endpoint.join === undefined) connection.connect();
    else endpoint.join(connection);
    return {
      connection,
      release: () => {
        // A second release finds its share gone.
        if (!visibility.delete(share)) return;
        if (visibility.size > 0) followWishes();
        // A connection closeAll let go of is closed already, and its key may name a newer one.
        else if (this.#entries.get(key) === held) {
          // An acquire meanwhile cancels this timer: when it fires, nobody holds the connection.
          held.cancelLinger = startTimer(this.#environment.clock, this.#linger, () => {
            this.#entries.delete(key);
            close(held);
          });
        }
      },
      attachment: (name, create) => {
        let attachment = attachments.get(name);
        if (attachment === undefined) {
          attachment = create();
          attachments.set(name, attachment);
        }
        return attachment as ReturnType<typeof create>;
      },
    };
  }

  /** Closes every connection now, leases or not. */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      entry.cancelLinger?.();
      close(entry);
    }
    this.#entries.clear();
  }
}

function close(entry: Entry): void {
  for (const attachment of entry.attachments.values()) attachment.dispose();
  entry.connection.close();
}

let defaultManager: ConnectionManager | undefined;

/**
 * The manager hooks use when no `<RealtimeProvider>` gives one: created on first use (never at
 * import), with the real clock and page. Apps that want their own settings create their own.
 */
export function getDefaultConnectionManager(): ConnectionManager {
  defaultManager ??= new ConnectionManager();
  return defaultManager;
}
