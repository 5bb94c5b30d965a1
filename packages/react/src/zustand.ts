import type { Connection, ConnectionSnapshot, Parse } from "@wirekit/core";
import type { StateCreator, StoreApi, StoreMutatorIdentifier } from "zustand/vanilla";
import { createStore } from "zustand/vanilla";

/** A connection's snapshot in a zustand store, with what a "retry now" banner calls. */
export interface ConnectionState extends ConnectionSnapshot {
  /** Reconnects now. */
  readonly reconnect: () => void;
  /** Stops following the connection. The connection itself stays as it is. */
  readonly stop: () => void;
}

/**
 * The state creator behind `createConnectionStore`, for stores built with middleware: it starts
 * following the connection when the store is created, and `stop()` in the state ends that.
 *
 * @example
 * const store = createStore<ConnectionState>()(
 *   devtools(connectionState(connection), { name: "connection" }),
 * );
 */
export function connectionState<Mis extends [StoreMutatorIdentifier, unknown][] = []>(
  connection: Connection,
): StateCreator<ConnectionState, Mis, []> {
  return (set) => {
    const stop = connection.subscribe(() => set(snapshotOf(connection)));
    return {
      ...snapshotOf(connection),
      reconnect: () => connection.reconnect(),
      stop,
    };
  };
}

/**
 * A vanilla zustand store that mirrors a connection's snapshot (status, error, attempt,
 * nextRetryAt, queued, dropped), updated on every change of it. It does not connect: acquire the
 * connection (or `connect()` it) as usual. Call `getState().stop()` when done with the store.
 *
 * Use it with zustand's `useStore(store, selector)` in React, or `store.subscribe` anywhere. For
 * middleware (`devtools`, `subscribeWithSelector`), wrap `connectionState(connection)` instead.
 *
 * @example
 * const store = createConnectionStore(lease.connection);
 * const status = useStore(store, (state) => state.status);
 */
export function createConnectionStore(connection: Connection): StoreApi<ConnectionState> {
  return createStore<ConnectionState>()(connectionState(connection));
}

function snapshotOf(connection: Connection): ConnectionSnapshot {
  const { status, error, attempt, nextRetryAt, queued, dropped } = connection.getSnapshot();
  return { status, error, attempt, nextRetryAt, queued, dropped };
}

/** Anything with a connection's `onMessage`: a `Connection`, or your own source of messages. */
export interface MessageSource {
  onMessage(
    listener: (message: {
      readonly data: unknown;
      readonly event?: string;
      readonly lastEventId?: string;
    }) => void,
  ): () => void;
}

export interface PipeToStoreOptions<T> {
  /**
   * How raw data becomes a message.
   * @default "text"
   */
  parse?: Parse<T>;
  /**
   * Event stream: the named events to take besides `message`.
   * @default every event
   */
  events?: readonly string[];
  /**
   * Called with a message `parse` threw on; the message is skipped.
   * @default rethrows the error asynchronously, so the rest of the messages still arrive
   */
  onError?: (error: unknown, data: unknown) => void;
}

/**
 * Pipes a connection's messages into your own zustand store: every message, in order, becomes
 * `store.setState((state) => update(state, message))`. Returns the function that stops.
 *
 * @example
 * const stop = pipeToStore(lease.connection, useChat, (state, message: ChatMessage) => ({
 *   messages: [...state.messages, message],
 * }), { parse: "json" });
 */
export function pipeToStore<S, T = string>(
  source: MessageSource,
  store: Pick<StoreApi<S>, "setState">,
  update: (state: S, message: T) => S | Partial<S>,
  options: PipeToStoreOptions<T> = {},
): () => void {
  const { parse = "text", events, onError = rethrowAsync } = options;
  // A shared event stream delivers every named event any of its users asked for.
  const accepted = new Set(["message", ...(events ?? [])]);
  return source.onMessage((message) => {
    if (!accepted.has(message.event ?? "message")) return;
    let value: T;
    try {
      value = decode(parse, message.data);
    } catch (error) {
      onError(error, message.data);
      return;
    }
    store.setState((state) => update(state, value));
  });
}

function decode<T>(parse: Parse<T>, data: unknown): T {
  if (parse === "json") return (typeof data === "string" ? JSON.parse(data) : data) as T;
  if (typeof parse === "function") return parse(data);
  return data as T;
}

function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
