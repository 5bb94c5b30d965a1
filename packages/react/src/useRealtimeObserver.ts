"use client";

import {
  type Delivery,
  IDLE_REALTIME_SNAPSHOT,
  type Parse,
  RealtimeObserver,
  type RealtimeSnapshot,
  type RealtimeSource,
  type StandardSchema,
} from "@wirekit/core";
import { useEffect, useMemo, useSyncExternalStore } from "react";
import { useConnectionManager } from "./realtimeContext.js";

/** Options every realtime hook takes. */
export interface MessageOptions<T, S> {
  /**
   * Connect only while true.
   * @default true
   */
  enabled?: boolean;
  /** How raw data becomes a message. */
  parse?: Parse<T>;
  /** A Standard Schema validator (zod, valibot, arktype, …): a message that fails it is not delivered and becomes `error`. */
  schema?: StandardSchema<T>;
  /**
   * How messages become state: the latest (`data`), a bounded `history`, or a `reducer`.
   * @default { mode: "latest" }
   */
  delivery?: Delivery<T, S>;
  /** Sees every message as it arrives, without rendering. */
  onMessage?: (message: T) => void;
}

const idleSnapshot = () => IDLE_REALTIME_SNAPSHOT;
const noSubscription = () => () => {};

/**
 * One `RealtimeObserver` per hook instance, bridged by `useSyncExternalStore`. The hook holds no
 * socket and no timer: the observer takes its share of a connection when the effect mounts it,
 * and lets go when it unmounts — which under StrictMode's mount–unmount–mount reuses the
 * connection the manager keeps lingering.
 */
export function useRealtimeObserver<T, S>(
  source: RealtimeSource | null,
  sourceKey: string | null,
  options: MessageOptions<T, S>,
): { snapshot: RealtimeSnapshot<T, S>; observer: RealtimeObserver<T, S> | undefined } {
  const manager = useConnectionManager();
  const enabled = options.enabled ?? true;
  const key = enabled && source !== null ? sourceKey : null;
  // biome-ignore lint/correctness/useExhaustiveDependencies: the observer is keyed by what goes on the wire, not by the source object's identity.
  const observer = useMemo(
    () =>
      key === null || source === null
        ? undefined
        : new RealtimeObserver<T, S>(manager, { ...observerOptions(options), source }),
    [manager, key],
  );
  useEffect(() => {
    observer?.setOptions({ ...observerOptions(options), source: source as RealtimeSource });
  });
  useEffect(() => observer?.mount(), [observer]);
  const snapshot = useSyncExternalStore<RealtimeSnapshot<T, S>>(
    observer?.subscribe ?? noSubscription,
    observer?.getSnapshot ?? idleSnapshot,
    observer?.getServerSnapshot ?? idleSnapshot,
  );
  return { snapshot, observer };
}

function observerOptions<T, S>(options: MessageOptions<T, S>) {
  const { parse, schema, delivery, onMessage } = options;
  return {
    ...(parse === undefined ? {} : { parse }),
    ...(schema === undefined ? {} : { schema }),
    ...(delivery === undefined ? {} : { delivery }),
    ...(onMessage === undefined ? {} : { onMessage }),
  };
}
