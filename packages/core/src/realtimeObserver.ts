import type { ChannelProtocolError, ChannelServerError } from "./channelErrors.js";
import type { Connection } from "./connection.js";
import type { ConnectionLease, ConnectionManager } from "./connectionManager.js";
import { type ConnectionStatus, IDLE_CONNECTION_SNAPSHOT } from "./connectionOptions.js";
import type { ConnectionError } from "./errors.js";
import type { EventStreamParseError } from "./eventStreamParseError.js";
import { scheduleFrame } from "./frameScheduler.js";
import { MessageError } from "./messageError.js";
import { callSafely } from "./rethrowAsync.js";
import { SnapshotStore } from "./snapshotStore.js";

/**
 * How messages become state:
 * - `latest`: the newest message (`data`);
 * - `history`: the newest `size` messages, oldest first (`history`), and `data`;
 * - `reducer`: every message folded into `state`, from `initialState`.
 * In every mode each message is taken into account as it arrives, however fast they come; only
 * the notification is batched (once per animation frame).
 */
export type Delivery<T, S> =
  | { readonly mode: "latest" }
  | { readonly mode: "history"; readonly size: number }
  | {
      readonly mode: "reducer";
      readonly reducer: (state: S, message: T, info: MessageInfo) => S;
      readonly initialState: S;
    };

/** Where a delivered message came from: for event logs, dedupe and resume bookkeeping. */
export interface MessageInfo {
  /** The message's id: the event's `id:` (the stream's last event id), or the channel message id. */
  readonly id: string | undefined;
  /** The stream's event name (`"message"` when unnamed), or the channel's name. */
  readonly event: string;
}

/**
 * How a message's raw data becomes a value: as is (`text`), `JSON.parse`d, or by a function —
 * `json(schema)` for one that validates it too.
 */
export type Parse<T> = "text" | "json" | ((data: unknown) => T);

export type RealtimeError =
  | ConnectionError
  | EventStreamParseError
  | ChannelProtocolError
  | ChannelServerError
  | MessageError;

/** What a realtime hook renders from: the connection's state and the messages' state, together. */
export interface RealtimeSnapshot<T, S = undefined> {
  readonly status: ConnectionStatus;
  /** The latest error: the connection's, or a message's that was not delivered. */
  readonly error: RealtimeError | null;
  readonly attempt: number;
  readonly nextRetryAt: number | null;
  readonly queued: number;
  /** Outgoing messages that never went out (full queue, expired, cleared). */
  readonly dropped: number;
  /** The newest message. */
  readonly data: T | undefined;
  /** The newest messages, oldest first, with `delivery: { mode: "history" }`. */
  readonly history: readonly T[];
  /** The folded state, with `delivery: { mode: "reducer" }`. */
  readonly state: S | undefined;
  /**
   * Where the messages stand, to store and resume from after a page load: the event stream's
   * last event id, or for a channel the id of its newest message — before any, where its
   * subscription started (`useRealtime`'s `resumeFrom` takes it back).
   */
  readonly lastEventId: string;
  /** Messages delivered so far. */
  readonly received: number;
  /** For a channel: the server's latest answer to the subscription (`recovered: false` is a gap). */
  readonly subscription: Subscription | null;
}

/** A channel's subscription, as the server last answered it. */
export interface Subscription {
  /** False when the server could not resume from where the channel stood: a gap. */
  readonly recovered: boolean;
  /** Where the subscription starts: the newest message id before it. */
  readonly position: string | undefined;
}

/** What messages have made so far: the members of a snapshot an observer builds itself. */
interface MessageState<T, S> {
  data: T | undefined;
  state: S | undefined;
  lastEventId: string;
  received: number;
  subscription: Subscription | null;
}

/** What a source tells the observer it was opened for. */
export interface SourceSink {
  message(data: unknown, info: MessageInfo): void;
  /** The server answered a channel's subscription; `lastId` is where the channel stands now. */
  subscribed(subscription: Subscription, lastId: string | undefined): void;
  error(error: RealtimeError): void;
}

/** A source while an observer has it open: the share it holds, and what it can do. */
export interface OpenSource {
  readonly lease: ConnectionLease;
  /** Publishes with the server's ack, for a channel on a connection that can send. */
  publish?(data: unknown): Promise<{ id: string | undefined }>;
  /** Stops delivering to the sink and releases the share. */
  close(): void;
}

/**
 * Where messages come from — a connection's stream (`streamSource`) or one channel of a shared
 * connection (`channelSubscription`) — so that an observer holds only the code of the sources
 * an app uses.
 */
export interface RealtimeSource {
  /** Sources with equal keys read the same messages: hooks keep one observer per key. */
  readonly key: string;
  open(manager: ConnectionManager, sink: SourceSink): OpenSource;
}

export interface RealtimeObserverOptions<T, S> {
  source: RealtimeSource;
  /** @default "text" */
  parse?: Parse<T> | undefined;
  /** @default { mode: "latest" } */
  delivery?: Delivery<T, S> | undefined;
  /** Called with every delivered message, without waiting for a frame. */
  onMessage?: ((message: T, info: MessageInfo) => void) | undefined;
  /** Batches notifications. @default scheduleFrame */
  schedule?: ((callback: () => void) => () => void) | undefined;
}

/** The snapshot of an observer that is not connected: disabled, unmounted, or on a server. */
export const IDLE_REALTIME_SNAPSHOT: RealtimeSnapshot<never, never> = Object.freeze({
  ...IDLE_CONNECTION_SNAPSHOT,
  data: undefined,
  history: Object.freeze([]),
  state: undefined,
  lastEventId: "",
  received: 0,
  subscription: null,
});

/**
 * The observer behind wirekit's React hooks, usable without React: it takes a share in a
 * connection (or a channel) while mounted, turns messages into state by a delivery mode, and
 * exposes it through `subscribe` + `getSnapshot` (for `useSyncExternalStore`), notifying at most
 * once per animation frame however fast messages arrive. Creating one does nothing; `mount()`
 * connects and returns the function that lets go.
 */
export class RealtimeObserver<T, S = undefined> {
  readonly #manager: ConnectionManager;
  readonly #source: RealtimeSource;
  readonly #schedule: (callback: () => void) => () => void;
  #options: Partial<RealtimeObserverOptions<T, S>>;
  readonly #store: SnapshotStore<RealtimeSnapshot<T, S>>;
  readonly #serverSnapshot: RealtimeSnapshot<T, S>;
  #open: OpenSource | undefined;
  #stopStatus: (() => void) | undefined;
  #cancelFrame: (() => void) | undefined;
  // Published to the snapshot once per frame, spread whole.
  readonly #messages: MessageState<T, S>;
  #ring: T[] = [];
  #error: RealtimeError | null = null;

  constructor(manager: ConnectionManager, options: RealtimeObserverOptions<T, S>) {
    this.#manager = manager;
    this.#source = options.source;
    this.#options = options;
    this.#schedule = options.schedule ?? scheduleFrame;
    const delivery = options.delivery;
    const state = delivery?.mode === "reducer" ? delivery.initialState : undefined;
    this.#messages = { data: undefined, state, lastEventId: "", received: 0, subscription: null };
    this.#serverSnapshot = Object.freeze({ ...IDLE_REALTIME_SNAPSHOT, state });
    this.#store = new SnapshotStore(this.#serverSnapshot);
    this.getSnapshot = this.#store.get;
    this.subscribe = this.#store.subscribe;
  }

  /**
   * Takes the latest callbacks (parse, reducer, onMessage) without reconnecting; the source and
   * `schedule` stay the ones it was made with.
   */
  setOptions(options: Partial<RealtimeObserverOptions<T, S>>): void {
    this.#options = options;
  }

  declare readonly getSnapshot: () => RealtimeSnapshot<T, S>;

  /** The snapshot rendered on a server: idle, with the initial state. */
  getServerSnapshot = (): RealtimeSnapshot<T, S> => this.#serverSnapshot;

  declare readonly subscribe: (listener: () => void) => () => void;

  /** The connection, while mounted. */
  get connection(): Connection | undefined {
    return this.#open?.lease.connection;
  }

  /** The source, while mounted: a channel that can send brings its `publish`. */
  get openSource(): OpenSource | undefined {
    return this.#open;
  }

  /** Connects (sharing through the manager) and returns the function that lets go. */
  mount(): () => void {
    if (this.#open === undefined) {
      const open = this.#source.open(this.#manager, {
        message: (data, info) => this.#take(data, info),
        subscribed: (subscription, lastId) => {
          // Before a channel's first message, where it stands is where its subscription started.
          this.#messages.lastEventId = lastId ?? this.#messages.lastEventId;
          this.#messages.subscription = subscription;
          this.#publish();
        },
        error: (error) => this.#fail(error),
      });
      this.#open = open;
      this.#stopStatus = open.lease.connection.subscribe(() => this.#publish());
      this.#publish();
    }
    return () => this.#unmount();
  }

  // Bound, so that a hook hands out the same function for as long as the observer lives: one
  // listed in an effect's dependencies does not run the effect on every message.
  /** Reconnects at once, resetting the attempt counter. */
  reconnect = (): void => {
    this.connection?.reconnect();
  };

  /** Closes the connection (for everyone sharing it); `reconnect()` opens it again. */
  close = (): void => {
    this.connection?.close();
  };

  #unmount(): void {
    this.#stopStatus?.();
    this.#stopStatus = undefined;
    this.#cancelFrame?.();
    this.#cancelFrame = undefined;
    this.#open?.close();
    this.#open = undefined;
  }

  #take(data: unknown, info: MessageInfo): void {
    const value = this.#decode(data);
    if (value instanceof MessageError) {
      this.#fail(value);
      return;
    }
    const { delivery, onMessage } = this.#options;
    const messages = this.#messages;
    messages.data = value;
    if (delivery?.mode === "history") {
      this.#ring.push(value);
      if (this.#ring.length > delivery.size) {
        this.#ring.splice(0, this.#ring.length - delivery.size);
      }
    } else if (delivery?.mode === "reducer") {
      messages.state = delivery.reducer(messages.state as S, value, info);
    }
    if (info.id !== undefined) messages.lastEventId = info.id;
    messages.received += 1;
    this.#error = null;
    callSafely(onMessage, value, info);
    this.#cancelFrame ??= this.#schedule(() => this.#publish());
  }

  #decode(data: unknown): T | MessageError {
    const { parse = "text" } = this.#options;
    try {
      return typeof parse === "function"
        ? parse(data)
        : parse === "json" && typeof data === "string"
          ? JSON.parse(data)
          : (data as T);
    } catch (cause) {
      // A parse that validates (`json(schema)`) says why itself.
      return cause instanceof MessageError
        ? cause
        : new MessageError("parse", "A message could not be parsed.", { cause });
    }
  }

  /** A message or channel error: shown until the next message is delivered. */
  #fail(error: RealtimeError): void {
    this.#error = error;
    this.#publish();
  }

  /**
   * Builds a new snapshot from the connection and the messages, and tells the listeners. Called
   * early, it makes the pending frame moot; called by the frame, the cancel comes after the run
   * and does nothing.
   */
  #publish(): void {
    this.#cancelFrame?.();
    this.#cancelFrame = undefined;
    const connection = this.connection?.getSnapshot();
    const previous = this.#store.get();
    this.#store.update({
      ...connection,
      ...this.#messages,
      error: connection?.error ?? this.#error,
      // A new array only when a message came since (only a message moves the ring), so that a
      // selector of it sees a change only then.
      history:
        this.#options.delivery?.mode === "history" && previous.received !== this.#messages.received
          ? Object.freeze([...this.#ring])
          : previous.history,
    });
  }
}
