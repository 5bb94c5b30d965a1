import { ChannelServerError } from "./channelErrors.js";
import type { ChannelEvent, ChannelSource } from "./channelSource.js";
import { type Clock, systemClock } from "./clock.js";
import { Connection } from "./connection.js";
import { type ConnectionOptions, isAtRest } from "./connectionOptions.js";
import { credentialRefresher, reconnectWithFreshCredentials } from "./credentialRefresh.js";
import { documentUrl } from "./documentUrl.js";
import { type Endpoint, wireKey } from "./endpoint.js";
import {
  type EventSourceTransport,
  type EventSourceTransportOptions,
  eventSourceTransport,
} from "./eventSourceTransport.js";
import { type EventStreamEndpointOptions, eventStreamEndpoint } from "./eventStreamEndpoint.js";
import {
  STREAM_ERROR_EVENT,
  STREAM_EXPIRED_EVENT,
  STREAM_EXPIRING_EVENT,
  STREAM_GAP_EVENT,
  STREAM_POSITION_EVENT,
} from "./protocol.js";
import { callEach, callSafely } from "./rethrowAsync.js";
import { startTimer } from "./timers.js";

export interface EventStreamChannelsOptions
  extends Omit<ConnectionOptions, "transport">,
    Omit<EventSourceTransportOptions, "url" | "events"> {
  /** The stream's URL, without the channels: they are added as a query parameter. */
  url: string;
  /**
   * The query parameter that carries the subscribed channels, comma-separated.
   * @default "channels"
   */
  channelsParam?: string;
  /**
   * Milliseconds to gather subscription changes into one reconnect.
   * @default 50
   */
  debounce?: number;
}

/**
 * Channels over one Server-Sent Events stream (PROTOCOL.md section 9): each channel is a named
 * event, the set of channels travels in the URL, and a change of the set reconnects once —
 * debounced — resuming from `Last-Event-ID`. One-way: publish with an HTTP request.
 *
 * @example
 * const channels = new EventStreamChannels({ url: "/api/stream" });
 * const stop = channels.subscribe("prices", (event) => event.type === "message" && show(event.data));
 */
export class EventStreamChannels {
  /** The connection under the channels: its status, its error, its last event id. */
  declare readonly connection: Connection;
  readonly #debounce: number;
  readonly #clock: Clock;
  readonly #listeners = new Map<string, Set<(event: ChannelEvent) => void>>();
  // The channel set the next physical stream asks for, and the channels the current stream
  // carries: those it asked for, less those the server does not serve.
  #wired: string[] = [];
  #carried = new Set<string>();
  // What the server said about the current stream: a gap, and whether its channels were told.
  #gap = false;
  #announced = false;
  #cancelRewire: (() => void) | undefined;
  readonly #stopMessages: () => void;
  readonly #transport: EventSourceTransport;
  // Streams opened so far: a refresh leaves alone a stream opened since its notice.
  #opens = 0;

  constructor(options: EventStreamChannelsOptions) {
    const { url, channelsParam = "channels", debounce = 50 } = options;
    this.#debounce = debounce;
    this.#clock = options.clock ?? systemClock;
    const transport = eventSourceTransport({
      ...options,
      url: () => {
        this.#opens++;
        this.#carried = new Set(this.#wired);
        this.#gap = false;
        this.#announced = false;
        const resolved = documentUrl(url);
        resolved.searchParams.set(channelsParam, this.#wired.join(","));
        return resolved.href;
      },
      // The reserved events too: where a fresh stream stands, a stream that could not resume,
      // channels not served, credentials expiring.
      events: () => [...this.#wired, ...RESERVED_EVENTS],
    });
    this.#transport = transport;
    this.connection = new Connection({ ...options, transport });
    const refreshCredentials = credentialRefresher(options.onAuthFailure);
    this.#stopMessages = this.connection.onMessage((message) => {
      const channel = message.event ?? "message";
      if (channel === STREAM_GAP_EVENT) {
        // At the stream's opening the position follows and says where it goes on from; later,
        // the server lost events while the stream was open: say so now.
        if (this.#announced) this.#tell(false, undefined);
        else this.#gap = true;
        return;
      }
      if (channel === STREAM_ERROR_EVENT) {
        this.#refuse(message.data);
        return;
      }
      if (channel === STREAM_EXPIRING_EVENT || channel === STREAM_EXPIRED_EVENT) {
        // A stream takes no credentials in band: refresh them, and reconnect by Last-Event-ID,
        // unless a stream opened since the notice, with them.
        const opens = this.#opens;
        void refreshCredentials(() => {
          if (this.#opens === opens) reconnectWithFreshCredentials(this.connection);
        });
        return;
      }
      if (channel === STREAM_POSITION_EVENT) {
        if (!this.#announced) {
          this.#announced = true;
          this.#tell(!this.#gap, message.lastEventId);
        }
        return;
      }
      // A channel left a moment ago has no listeners; its events arrive until the stream reconnects.
      callEach(this.#listeners.get(channel) ?? [], {
        type: "message",
        channel,
        id: message.lastEventId ?? "",
        data: message.data,
      });
    });
  }

  /** Listens to `channel`; the stream reconnects (once, debounced) when the set of channels changes. */
  subscribe(channel: string, listener: (event: ChannelEvent) => void): () => void {
    if (typeof channel !== "string" || channel === "" || channel.includes(",")) {
      throw new TypeError(
        "EventStreamChannels.subscribe: `channel` must be a non-empty string without commas.",
      );
    }
    let listeners = this.#listeners.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      this.#listeners.set(channel, listeners);
      this.#scheduleRewire();
    }
    const held = listeners;
    held.add(listener);
    // A listener joining a channel the stream already carries hears where it stands now.
    if (this.#announced && this.#carried.has(channel)) {
      const position = this.#transport.lastEventId;
      callSafely(listener, { type: "subscribed", channel, recovered: true, position });
    }
    return () => {
      if (!held.delete(listener) || held.size > 0 || this.#listeners.get(channel) !== held) return;
      this.#listeners.delete(channel);
      this.#scheduleRewire();
    };
  }

  /** Where the stream stands (one position for all its channels): the id a reconnect resumes from. */
  lastId(_channel?: string): string | undefined {
    return this.#transport.lastEventId || undefined;
  }

  /** Closes the stream. */
  dispose(): void {
    this.#cancelRewire?.();
    this.#cancelRewire = undefined;
    this.#stopMessages();
    this.#listeners.clear();
    this.connection.close();
  }

  /**
   * Tells the current stream's channels where they stand, as a WebSocket server would: once per
   * stream at its opening (the server's `wirekit-position`; `recovered: false` when a
   * `wirekit-gap` came first), and again with `recovered: false` when the server later reports
   * events lost while the stream was open. Refetch on a gap.
   */
  #tell(recovered: boolean, position: string | undefined): void {
    for (const channel of this.#carried) {
      callEach(this.#listeners.get(channel) ?? [], {
        type: "subscribed",
        channel,
        recovered,
        position,
      });
    }
  }

  /** A channel the server does not serve on this stream: its listeners hear why. */
  #refuse(data: unknown): void {
    let frame: Partial<Record<string, unknown>> | null = null;
    try {
      frame = JSON.parse(String(data));
    } catch {
      // Not an error event this client can read: the channel's listeners hear nothing.
    }
    const channel = frame?.["channel"];
    const code = frame?.["code"];
    if (typeof channel !== "string" || typeof code !== "string") return;
    this.#carried.delete(channel);
    const error = new ChannelServerError({
      type: "error",
      code,
      reason: String(frame?.["reason"] ?? code),
      frame: "subscribe",
      channel,
    });
    callEach(this.#listeners.get(channel) ?? [], { type: "error", channel, error });
  }

  #scheduleRewire(): void {
    if (this.#cancelRewire !== undefined) return;
    this.#cancelRewire = startTimer(this.#clock, this.#debounce, () => {
      this.#cancelRewire = undefined;
      this.#rewire();
    });
  }

  #rewire(): void {
    const wanted = [...this.#listeners.keys()].sort();
    if (wanted.join(",") === this.#wired.join(",")) return;
    this.#wired = wanted;
    if (wanted.length === 0) {
      this.connection.close();
      return;
    }
    const { status, nextRetryAt } = this.connection.getSnapshot();
    if (isAtRest(status)) this.connection.connect();
    // A stream that is up, or an attempt on its way (connecting, or reconnecting with no retry
    // pending), asked for the old set: reopen it. A paused stream, or one waiting out a retry
    // delay, reads the new set when it next connects.
    else if (status !== "paused" && nextRetryAt === null) this.connection.reconnect();
  }
}

const RESERVED_EVENTS = [
  STREAM_POSITION_EVENT,
  STREAM_GAP_EVENT,
  STREAM_ERROR_EVENT,
  STREAM_EXPIRING_EVENT,
  STREAM_EXPIRED_EVENT,
];

const channelsOfConnection = new WeakMap<Connection, EventStreamChannels>();

/**
 * Channels over one shared event stream, as `<RealtimeProvider endpoint>` and `useRealtime`
 * take them: everyone who shares the endpoint adds to one channel set, and the stream connects
 * once it has a channel. One-way: publish with an HTTP request.
 *
 * @example
 * <RealtimeProvider endpoint={eventStreamChannels({ url: "/api/stream" })}>
 */
export function eventStreamChannels(
  options: EventStreamEndpointOptions &
    Pick<EventStreamChannelsOptions, "channelsParam" | "debounce">,
): ChannelSource {
  const stream = eventStreamEndpoint(options);
  const endpoint: Endpoint = {
    key: wireKey(["channels", stream.key, options.channelsParam ?? "channels"]),
    url: options.url,
    // The options hold the settings; the connection reads only those.
    settings: options,
    connect(environment) {
      const channels = new EventStreamChannels({ ...options, ...environment });
      channelsOfConnection.set(channels.connection, channels);
      return channels.connection;
    },
    // The stream connects when it has a channel, and reconnects when the set changes.
    join() {},
  };
  return {
    endpoint,
    // An attachment, so that the channels are disposed with the connection.
    channelsOf: (lease) =>
      lease.attachment(
        EventStreamChannels,
        () => channelsOfConnection.get(lease.connection) as EventStreamChannels,
      ),
  };
}
