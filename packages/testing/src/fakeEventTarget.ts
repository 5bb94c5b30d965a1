/**
 * What every event from the fakes carries. Events are plain objects, so the fakes run where the
 * platform has no `Event`, `MessageEvent` or `CloseEvent`.
 */
export interface FakeEvent {
  readonly type: string;
  /** The fake that fired the event. */
  readonly target: unknown;
  readonly currentTarget: unknown;
}

/** A message: `message` and named events (the fields of a `MessageEvent`). */
export interface FakeMessageEvent<Data = string> extends FakeEvent {
  readonly data: Data;
  readonly origin: string;
  /** The event id in force: the last `id` an event stream sent; always "" on a WebSocket. */
  readonly lastEventId: string;
}

/** A WebSocket's `close` event (the fields of a `CloseEvent`). */
export interface FakeCloseEvent extends FakeEvent {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

export type FakeListener<E> = ((event: E) => unknown) | { handleEvent(event: E): unknown };

/** An `on<type>` property: one handler, or null. */
export type FakeEventHandler<E> = ((event: E) => unknown) | null;

interface Registration {
  readonly listener: FakeListener<never>;
  readonly once: boolean;
  removed: boolean;
}

interface HandlerSlot {
  handler: FakeEventHandler<never>;
  readonly listener: (event: never) => void;
}

/**
 * The `EventTarget` part of the fakes: `addEventListener` (with `once` and `signal`),
 * `removeEventListener`, `dispatchEvent`, and the `on<type>` properties. `Events` types the
 * known event names; `Other` is the event any other name gets (an event stream's named events).
 */
export class FakeEventTarget<Events extends object, Other> {
  readonly #listeners = new Map<string, readonly Registration[]>();
  readonly #handlers = new Map<string, HandlerSlot>();

  addEventListener<K extends keyof Events & string>(
    type: K,
    listener: FakeListener<Events[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: FakeListener<Other> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: FakeListener<never> | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    if (listener === null) return;
    const settings: AddEventListenerOptions = typeof options === "object" ? options : {};
    if (settings.signal?.aborted) return;
    const list = this.#listeners.get(type) ?? [];
    if (list.some((entry) => entry.listener === listener)) return;
    const registration: Registration = { listener, once: settings.once === true, removed: false };
    // Copy on write: a dispatch under way goes on with the list it started with.
    this.#listeners.set(type, [...list, registration]);
    settings.signal?.addEventListener("abort", () => this.#remove(type, registration), {
      once: true,
    });
  }

  removeEventListener<K extends keyof Events & string>(
    type: K,
    listener: FakeListener<Events[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: FakeListener<Other> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(type: string, listener: FakeListener<never> | null): void {
    const registration = this.#listeners.get(type)?.find((entry) => entry.listener === listener);
    if (registration !== undefined) this.#remove(type, registration);
  }

  /** Runs the listeners of `event.type` with `event`, as `EventTarget.dispatchEvent` does. */
  dispatchEvent(event: { readonly type: string }): boolean {
    for (const registration of this.#listeners.get(event.type) ?? []) {
      if (registration.removed) continue;
      if (registration.once) this.#remove(event.type, registration);
      const listener = registration.listener as FakeListener<unknown>;
      try {
        if (typeof listener === "function") listener.call(this, event);
        else listener.handleEvent(event);
      } catch (error) {
        // As in browsers: the error is reported, uncaught, and the other listeners still run.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
    return true;
  }

  /** Fires an event of `type`, with `fields`, at this target. */
  protected fire(type: string, fields: object = {}): void {
    const event: FakeEvent = { type, target: this, currentTarget: this, ...fields };
    this.dispatchEvent(event);
  }

  protected getHandler<E>(type: string): FakeEventHandler<E> {
    return (this.#handlers.get(type)?.handler as FakeEventHandler<E> | undefined) ?? null;
  }

  // An `on<type>` property is one listener, registered where the first handler was set, that
  // calls whichever handler is current (HTML "event handler attributes").
  protected setHandler(type: string, handler: FakeEventHandler<never>): void {
    const slot = this.#handlers.get(type);
    if (typeof handler !== "function") {
      if (slot === undefined) return;
      this.#handlers.delete(type);
      (this as FakeEventTarget<object, never>).removeEventListener(type, slot.listener);
      return;
    }
    if (slot !== undefined) {
      slot.handler = handler;
      return;
    }
    const created: HandlerSlot = {
      handler,
      listener: (event) => (created.handler as FakeEventHandler<unknown>)?.call(this, event),
    };
    this.#handlers.set(type, created);
    (this as FakeEventTarget<object, never>).addEventListener(type, created.listener);
  }

  #remove(type: string, registration: Registration): void {
    registration.removed = true;
    const remaining = this.#listeners.get(type)?.filter((entry) => entry !== registration) ?? [];
    if (remaining.length === 0) this.#listeners.delete(type);
    else this.#listeners.set(type, remaining);
  }
}
