"use client";

import {
  type Delivery,
  IDLE_REALTIME_SNAPSHOT,
  type MessageInfo,
  type Parse,
  RealtimeObserver,
  type RealtimeSnapshot,
  type RealtimeSource,
} from "@wirekit/core";
import { useEffect, useMemo, useRef, useSyncExternalStore } from "react";
import { useConnectionManager } from "./realtimeContext.js";

/** Options every realtime hook takes. */
export interface MessageOptions<T, S, U = undefined> {
  /**
   * Connect only while true.
   * @default true
   */
  enabled?: boolean;
  /**
   * How raw data becomes a message: `"json"`, a function, or `json(schema)` from `@wirekit/core`
   * to validate it with a Standard Schema (zod, valibot, arktype, …) — a message that fails is
   * not delivered and becomes `error`.
   * @default "text"
   */
  parse?: Parse<T>;
  /**
   * How messages become state: the latest (`data`), a bounded `history`, or a `reducer`.
   * @default { mode: "latest" }
   */
  delivery?: Delivery<T, S>;
  /** Sees every message as it arrives, with its id and event name, without rendering. */
  onMessage?: (message: T, info: MessageInfo) => void;
  /**
   * Re-render only when this slice of the state changes (compared by `equals`); the hook
   * returns it as `selected`. The other fields are as of the component's last render.
   */
  select?: (snapshot: RealtimeSnapshot<T, S>) => U;
  /**
   * How `select`'s results compare.
   * @default Object.is
   */
  equals?: (a: U, b: U) => boolean;
}

/** What every realtime hook returns besides its own extras (`send`, `publish`). */
export interface RealtimeResult<T, S, U = undefined> extends RealtimeSnapshot<T, S> {
  /** The `select`ed slice, when `select` is given. */
  selected: U | undefined;
  /** Reconnects now: the "retry now" button. */
  reconnect: () => void;
  /**
   * Closes the connection, for every component sharing it (status `closed`): a finished token
   * stream, a "stop" button. `reconnect()` opens it again.
   */
  close: () => void;
}

interface Selection<T, S, U> {
  /** The snapshot `value` was selected from, and by which selector. */
  from?: RealtimeSnapshot<T, S>;
  by?: (snapshot: RealtimeSnapshot<T, S>) => U;
  value?: U;
}

const idleSnapshot = () => IDLE_REALTIME_SNAPSHOT;
const nothing = () => {};
const noSubscription = () => nothing;

/**
 * One `RealtimeObserver` per hook instance, bridged by `useSyncExternalStore`. The hook holds no
 * socket and no timer: the observer takes its share of a connection when the effect mounts it,
 * and lets go when it unmounts — which under StrictMode's mount–unmount–mount reuses the
 * connection the manager keeps lingering.
 */
export function useRealtimeObserver<T, S, U = undefined>(
  source: RealtimeSource | null,
  options: MessageOptions<T, S, U>,
): { result: RealtimeResult<T, S, U>; observer: RealtimeObserver<T, S> | undefined } {
  const manager = useConnectionManager();
  const active = (options.enabled ?? true) ? source : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the observer is keyed by what goes on the wire, not by the source object's identity.
  const observer = useMemo(
    () =>
      active === null
        ? undefined
        : new RealtimeObserver<T, S>(manager, { ...options, source: active }),
    [manager, active?.key],
  );
  useEffect(() => {
    observer?.setOptions(options);
  });
  useEffect(() => observer?.mount(), [observer]);

  const getSnapshot = observer?.getSnapshot ?? idleSnapshot;
  const getServerSnapshot = observer?.getServerSnapshot ?? idleSnapshot;
  // With a selector the component subscribes to the slice: a message that leaves it equal renders
  // nothing. Selected anew only when the snapshot or the selector changed (a selector closing
  // over props): within a render the same inline selector hands React the cached result it needs.
  const selection = useRef<Selection<T, S, U>>({});
  const { select, equals = Object.is } = options;
  const read = (snapshot: RealtimeSnapshot<T, S>): RealtimeSnapshot<T, S> | U => {
    if (select === undefined) return snapshot;
    const cached = selection.current;
    if (cached.from !== snapshot || cached.by !== select) {
      const value = select(snapshot);
      if (cached.from === undefined || !equals(cached.value as U, value)) cached.value = value;
      cached.from = snapshot;
      cached.by = select;
    }
    return cached.value as U;
  };
  const current = useSyncExternalStore(
    observer?.subscribe ?? noSubscription,
    () => read(getSnapshot()),
    () => read(getServerSnapshot()),
  );
  const selecting = select !== undefined;
  return {
    result: {
      ...(selecting ? getSnapshot() : (current as RealtimeSnapshot<T, S>)),
      selected: selecting ? (current as U) : undefined,
      reconnect: observer?.reconnect ?? nothing,
      close: observer?.close ?? nothing,
    },
    observer,
  };
}
