import { ChannelClient, type ChannelClientOptions } from "./channelClient.js";
import { jsonChannelProtocol } from "./channelProtocol.js";
import type { Clock } from "./clock.js";
import { systemClock } from "./clock.js";
import { Connection } from "./connection.js";
import { CONNECTION_SETTING_KEYS, type ConnectionOptions } from "./connectionOptions.js";
import { pick } from "./defined.js";
import {
  EVENT_STREAM_TRANSPORT_KEYS,
  type EventStreamTransportOptions,
  eventStreamTransport,
} from "./eventSourceTransport.js";
import { EventStreamChannels } from "./eventStreamChannels.js";
import type { FetchEventSourceInit } from "./fetchEventSource.js";
import { createBrowserPageLifecycle, type PageLifecycle } from "./pageLifecycle.js";
import { ignoredSettings, isDevelopment, sharedVisibility } from "./sharedSettings.js";
import { startTimer } from "./timers.js";
import type { Transport } from "./transport.js";
import type { VisibilityPolicy } from "./visibility.js";
import { type WebSocketConstructor, webSocketTransport } from "./webSocketTransport.js";

/** How a connection behaves, beyond what goes on the wire. */
export type ConnectionSettings = Omit<ConnectionOptions, "transport" | "clock" | "lifecycle">;

export interface WebSocketEndpoint extends ConnectionSettings {
  transport: "websocket";
  url: string;
  protocols?: string | string[];
  binaryType?: "arraybuffer" | "blob";
  WebSocket?: WebSocketConstructor;
}

export interface EventStreamEndpoint
  extends ConnectionSettings,
    Omit<EventStreamTransportOptions, "url" | "events"> {
  transport: "sse";
  url: string;
  /** Named events to deliver besides `message`. */
  events?: readonly string[];
}

/** A server endpoint and how to talk to it. */
export type Endpoint = WebSocketEndpoint | EventStreamEndpoint;

/** A share in a connection. Release it when done; the last release closes it after the linger. */
export interface ConnectionLease {
  readonly connection: Connection;
  /** Gives the share back. Calling it again does nothing. */
  release(): void;
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

/** A share in a connection and in the channel client every user of that connection shares. */
export interface ChannelLease extends ConnectionLease {
  readonly channels: ChannelClient;
}

/** A share in the channels of one shared event stream. */
export interface StreamChannelLease extends ConnectionLease {
  readonly channels: EventStreamChannels;
}

interface Entry {
  readonly connection: Connection;
  /** An event stream's named events: every one any of its users asked for. */
  readonly events: Set<string>;
  leases: number;
  /** The first user's settings, which the connection follows (all but visibility). */
  readonly settings: ConnectionSettings;
  /** Each current lease's visibility wish: the most permissive one rules (sharedSettings.ts). */
  readonly visibility: Map<object, VisibilityPolicy>;
  cancelLinger: (() => void) | undefined;
  channels: ChannelClient | undefined;
  readonly streamChannels: EventStreamChannels | undefined;
}

function close(entry: Entry): void {
  entry.channels?.dispose();
  entry.streamChannels?.dispose();
  entry.connection.close();
}

const EVENT_STREAM_CHANNELS_KEYS = [
  ...CONNECTION_SETTING_KEYS,
  ...EVENT_STREAM_TRANSPORT_KEYS.filter(
    (key): key is Exclude<typeof key, "events"> => key !== "events",
  ),
] as const;

/**
 * Shares connections. Endpoints that put the same thing on the wire — same transport, URL,
 * subprotocols, headers, method, body, credentials — get one physical connection, opened on the
 * first `acquire` and closed `linger` milliseconds after the last `release`. Settings that do not
 * change the wire follow one rule (`sharedSettings.ts`): visibility is the most permissive any
 * current user asked for; retry, heartbeat, watchdog and the rest come from the first `acquire`,
 * and in development a later user whose settings differ is warned.
 *
 * Create one per app (or use `getDefaultConnectionManager()`); it holds no global state.
 *
 * @example
 * const manager = new ConnectionManager();
 * const lease = manager.acquire({ transport: "websocket", url: "wss://example.com/live" });
 * const stop = lease.connection.onMessage((message) => console.log(message.data));
 * // later
 * stop();
 * lease.release();
 */
export class ConnectionManager {
  readonly #clock: Clock;
  readonly #lifecycle: PageLifecycle;
  readonly #linger: number;
  readonly #entries = new Map<string, Entry>();
  // Entries whose users were warned about ignored settings: once is enough.
  readonly #warned = new WeakSet<Entry>();
  // Functions and other objects in an endpoint (a headers function, an injected fetch) are
  // compared by identity: each gets a number, kept only as long as the object lives.
  readonly #identities = new WeakMap<object, number>();
  #nextIdentity = 1;

  constructor(options: ConnectionManagerOptions = {}) {
    const { clock = systemClock, lifecycle, linger = 1000 } = options;
    this.#clock = clock;
    this.#lifecycle = lifecycle ?? createBrowserPageLifecycle();
    this.#linger = linger;
  }

  /** How many connections the manager holds, lingering ones included. */
  get size(): number {
    return this.#entries.size;
  }

  /** A share in the connection to `endpoint`, connecting it if it is the first. */
  acquire(endpoint: Endpoint): ConnectionLease {
    const { entry, release } = this.#lease(this.#keyOf(endpoint), endpoint, () => {
      const events = new Set<string>();
      return {
        connection: this.#create(endpoint, events),
        events,
        cancelLinger: undefined,
        channels: undefined,
        streamChannels: undefined,
      };
    });
    // Users of one stream who want different named events share it: it listens to them all
    // (each user keeps its own), now on the live session and on every connect after.
    const wanted = endpoint.transport === "sse" ? (endpoint.events ?? []) : [];
    const added = wanted.filter((event) => !entry.events.has(event));
    for (const event of added) entry.events.add(event);
    if (added.length > 0) entry.connection.listen(added);
    entry.connection.connect();
    return { connection: entry.connection, release };
  }

  /**
   * A share in the one `EventStreamChannels` for `endpoint` (channels as named events of one
   * stream, PROTOCOL.md section 9): everyone sharing it adds to one channel set, and the stream
   * connects once it has a channel.
   */
  acquireStreamChannels(endpoint: EventStreamEndpoint): StreamChannelLease {
    const key = `channels:${this.#keyOf(endpoint)}`;
    const { entry, release } = this.#lease(key, endpoint, () => {
      const streamChannels = new EventStreamChannels({
        ...pick(endpoint, EVENT_STREAM_CHANNELS_KEYS),
        url: endpoint.url,
        clock: this.#clock,
        lifecycle: this.#lifecycle,
      });
      return {
        connection: streamChannels.connection,
        events: new Set<string>(),
        cancelLinger: undefined,
        channels: undefined,
        streamChannels,
      };
    });
    return {
      connection: entry.connection,
      channels: entry.streamChannels as EventStreamChannels,
      release,
    };
  }

  /**
   * Counts a share in the entry at `key`, creating it if needed, and applies the sharing rule to
   * `endpoint`'s settings; the last release lingers, then closes.
   */
  #lease(
    key: string,
    endpoint: Endpoint,
    create: () => Omit<Entry, "leases" | "settings" | "visibility">,
  ): { entry: Entry; release: () => void } {
    const settings = settingsOf(endpoint);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { ...create(), leases: 0, settings, visibility: new Map() };
      this.#entries.set(key, entry);
    } else if (!this.#warned.has(entry) && warnIgnored(endpoint, entry.settings, settings)) {
      this.#warned.add(entry);
    }
    const held = entry;
    held.cancelLinger?.();
    held.cancelLinger = undefined;
    held.leases += 1;
    const share = {};
    held.visibility.set(share, endpoint.visibility ?? "pause");
    held.connection.setVisibility(sharedVisibility(held.visibility.values()));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.leases -= 1;
      held.visibility.delete(share);
      if (held.leases > 0) {
        held.connection.setVisibility(sharedVisibility(held.visibility.values()));
        return;
      }
      held.cancelLinger = startTimer(this.#clock, this.#linger, () => {
        held.cancelLinger = undefined;
        if (held.leases > 0) return;
        this.#entries.delete(key);
        close(held);
      });
    };
    return { entry: held, release };
  }

  /**
   * A share in the connection to `endpoint` and in its one `ChannelClient`: channel
   * subscriptions are counted across everyone sharing the connection, so one user leaving a
   * channel does not unsubscribe it under another. The client's options come from the first call.
   * Without `protocols`, the socket offers the channel protocol's subprotocol (`wirekit.v1`),
   * which servers speaking PROTOCOL.md require.
   */
  acquireChannels(endpoint: WebSocketEndpoint, options: ChannelClientOptions = {}): ChannelLease {
    const subprotocol = (options.protocol ?? jsonChannelProtocol).subprotocol;
    const wire =
      endpoint.protocols === undefined && subprotocol !== undefined
        ? { ...endpoint, protocols: [subprotocol] }
        : endpoint;
    const lease = this.acquire(wire);
    const entry = this.#entries.get(this.#keyOf(wire)) as Entry;
    entry.channels ??= new ChannelClient(lease.connection, { clock: this.#clock, ...options });
    return { ...lease, channels: entry.channels };
  }

  /** Closes every connection now, leases or not. */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      entry.cancelLinger?.();
      close(entry);
    }
    this.#entries.clear();
  }

  #create(endpoint: Endpoint, events: ReadonlySet<string>): Connection {
    return new Connection({
      ...settingsOf(endpoint),
      transport: transportFor(endpoint, events),
      clock: this.#clock,
      lifecycle: this.#lifecycle,
    });
  }

  #keyOf(endpoint: Endpoint): string {
    const identity = (value: unknown): unknown => {
      if ((typeof value !== "object" && typeof value !== "function") || value === null)
        return value;
      let id = this.#identities.get(value);
      if (id === undefined) {
        id = this.#nextIdentity++;
        this.#identities.set(value, id);
      }
      return `#${id}`;
    };
    if (endpoint.transport === "websocket") {
      const { url, protocols, binaryType, WebSocket } = endpoint;
      return JSON.stringify([
        "websocket",
        url,
        protocols ?? null,
        binaryType ?? null,
        identity(WebSocket),
      ]);
    }
    const { url, method, body, withCredentials, fetch, EventSource, lastEventIdParam } = endpoint;
    return JSON.stringify([
      "sse",
      url,
      endpoint.implementation ?? "auto",
      headersKey(endpoint.headers),
      method ?? "GET",
      typeof body === "string" || body === undefined || body === null
        ? (body ?? null)
        : identity(body),
      withCredentials ?? false,
      identity(fetch),
      identity(EventSource),
      lastEventIdParam ?? null,
    ]);
  }
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

function transportFor(endpoint: Endpoint, events: ReadonlySet<string>): Transport {
  if (endpoint.transport === "websocket") {
    return webSocketTransport({
      url: endpoint.url,
      ...pick(endpoint, ["protocols", "binaryType", "WebSocket"]),
    });
  }
  return eventStreamTransport({
    url: endpoint.url,
    ...pick(endpoint, EVENT_STREAM_TRANSPORT_KEYS),
    events: () => [...events],
  });
}

function settingsOf(endpoint: Endpoint): ConnectionSettings {
  return pick(endpoint, CONNECTION_SETTING_KEYS);
}

/** Warns, in development, that `next`'s settings lose to `first`'s; true if it did. */
function warnIgnored(
  endpoint: Endpoint,
  first: ConnectionSettings,
  next: ConnectionSettings,
): boolean {
  if (!isDevelopment()) return false;
  const ignored = ignoredSettings(first, next);
  if (ignored.length === 0) return false;
  console.warn(
    `wirekit: ${endpoint.url} is shared, and keeps the settings of its first user; this one's ` +
      `${ignored.join(", ")} differ and are ignored. Put them on the provider's endpoint, or pass ` +
      "the same ones everywhere (visibility is the exception: the most permissive one wins).",
  );
  return true;
}

function headersKey(headers: FetchEventSourceInit["headers"]): unknown {
  if (headers === undefined) return null;
  // A headers function is a way of computing headers (a token getter), written anew by every
  // component that passes one inline: keying it by identity would give each its own connection.
  // Equal endpoints with headers functions share a connection and call the first one's.
  if (typeof headers === "function") return "computed";
  const entries =
    headers instanceof Headers
      ? [...headers]
      : Array.isArray(headers)
        ? headers
        : Object.entries(headers);
  return entries.map(([name, value]) => [name.toLowerCase(), value]).sort();
}
