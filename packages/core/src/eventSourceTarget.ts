import type { ConnectionError } from "./errors.js";

/** The event `open` listeners get: a plain `Event`, as EventSource's. */
export type FetchEventSourceEvent = Event;

/**
 * A message, for `message` and named-event listeners: a `MessageEvent` whose `data` is the
 * event's text, `lastEventId` the id in force, and `origin` that of the final URL after redirects.
 */
export type FetchEventSourceMessageEvent = MessageEvent<string>;

/** An `error` event: the connection is reconnecting (`CONNECTING`) or gone (`CLOSED`). */
export interface FetchEventSourceErrorEvent extends Event {
  readonly type: "error";
  /** Why the attempt failed. */
  readonly error: ConnectionError;
  /** The HTTP status, when the server answered with one other than 200. */
  readonly status: number | undefined;
}

export interface FetchEventSourceEventMap {
  open: FetchEventSourceEvent;
  message: FetchEventSourceMessageEvent;
  error: FetchEventSourceErrorEvent;
}

/**
 * A listener's `this`: the source, typed by what it shares with the DOM's `EventSource`, so that a
 * FetchEventSource is accepted wherever an `EventSource` is expected.
 */
export interface EventSourceMembers extends EventTarget {
  readonly readyState: number;
  readonly url: string;
  readonly withCredentials: boolean;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSED: 2;
  close(): void;
}

// A method, so that parameters compare bivariantly as the DOM's listener types do: a handler
// written for EventSource's plain `Event` fits, and so does a source where an EventSource goes.
type Callbacks<E> = {
  listener(this: EventSourceMembers, event: E): unknown;
};

export type FetchEventSourceListener<E> =
  | Callbacks<E>["listener"]
  | { handleEvent(event: E): unknown };

type EventHandler<E> = Callbacks<E>["listener"] | null;

interface HandlerSlot {
  handler: (this: EventSourceTarget, event: Event) => unknown;
  readonly listener: (event: Event) => void;
}

type Options = boolean | AddEventListenerOptions;

/**
 * What makes FetchEventSource an EventSource as an EventTarget: listeners typed by event name,
 * and the `onopen`, `onmessage` and `onerror` handler attributes. Dispatch is the platform's own.
 */
export class EventSourceTarget extends EventTarget {
  readonly #handlers = new Map<string, HandlerSlot>();
  readonly #listenedTypes = new Set<string>();

  get onopen(): EventHandler<FetchEventSourceEvent> {
    return this.#handler("open");
  }
  set onopen(handler: EventHandler<FetchEventSourceEvent>) {
    this.#setHandler("open", handler);
  }
  get onmessage(): EventHandler<FetchEventSourceMessageEvent> {
    return this.#handler("message");
  }
  set onmessage(handler: EventHandler<FetchEventSourceMessageEvent>) {
    this.#setHandler("message", handler);
  }
  // Read back as taking any Event, as EventSource's onerror is typed: otherwise a source could
  // not go where an EventSource is expected. The handler is only ever called with error events.
  get onerror(): EventHandler<Event> {
    return this.#handler("error");
  }
  set onerror(handler: EventHandler<FetchEventSourceErrorEvent>) {
    this.#setHandler("error", handler);
  }

  override addEventListener<K extends keyof FetchEventSourceEventMap>(
    type: K,
    listener: FetchEventSourceListener<FetchEventSourceEventMap[K]> | null,
    options?: Options,
  ): void;
  override addEventListener(
    type: string,
    listener: FetchEventSourceListener<FetchEventSourceMessageEvent> | null,
    options?: Options,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: Options,
  ): void;
  override addEventListener(
    type: string,
    listener: FetchEventSourceListener<never> | EventListenerOrEventListenerObject | null,
    options?: Options,
  ): void {
    this.#listenedTypes.add(String(type));
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  override removeEventListener<K extends keyof FetchEventSourceEventMap>(
    type: K,
    listener: FetchEventSourceListener<FetchEventSourceEventMap[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: FetchEventSourceListener<FetchEventSourceMessageEvent> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: FetchEventSourceListener<never> | EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  #handler<E>(type: string): EventHandler<E> {
    return (this.#handlers.get(type)?.handler ?? null) as EventHandler<E>;
  }

  // An event handler attribute is one listener, added where a handler is first set, that calls
  // whichever handler is current; null removes it (HTML "event handler attributes").
  #setHandler(type: string, handler: unknown): void {
    const slot = this.#handlers.get(type);
    if (typeof handler !== "function") {
      if (slot === undefined) return;
      this.#handlers.delete(type);
      this.removeEventListener(type, slot.listener);
      return;
    }
    if (slot !== undefined) {
      slot.handler = handler as HandlerSlot["handler"];
      return;
    }
    const created: HandlerSlot = {
      handler: handler as HandlerSlot["handler"],
      listener: (event) => created.handler.call(this, event),
    };
    this.#handlers.set(type, created);
    this.addEventListener(type, created.listener);
  }

  /** Whether a listener of `type` was ever added: when not, an event of `type` reaches nobody. */
  protected isListenedTo(type: string): boolean {
    return this.#listenedTypes.has(type);
  }
}

/** The `error` event: an `Event` that also says why the attempt failed. */
export class SourceErrorEvent extends Event implements FetchEventSourceErrorEvent {
  declare readonly type: "error";
  readonly error: ConnectionError;

  constructor(error: ConnectionError) {
    super("error");
    this.error = error;
  }

  get status(): number | undefined {
    return this.error.status;
  }
}
