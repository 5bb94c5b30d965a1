"use client";

import {
  type ConnectionLease,
  type ConnectionStatus,
  type Endpoint,
  IDLE_CONNECTION_SNAPSHOT,
  type RealtimeError,
} from "@wirekit/core";
import { useEffect, useState, useSyncExternalStore } from "react";
import { useConnectionManager, useRealtimeChannels } from "./realtimeContext.js";

/** What a "reconnecting in 3 s… retry now" banner needs. */
export interface ConnectionStatusView {
  readonly status: ConnectionStatus;
  readonly error: RealtimeError | null;
  readonly attempt: number;
  /** When the next retry is due (milliseconds since the epoch), or null. */
  readonly nextRetryAt: number | null;
  /** Messages waiting to be sent. */
  readonly queued: number;
  /** Reconnects now. */
  readonly reconnect: () => void;
}

const idle = () => IDLE_CONNECTION_SNAPSHOT;
const noSubscription = () => () => {};

/**
 * The status of a shared connection — the provider's channels' connection, or the endpoint
 * given (`webSocketEndpoint(…)`, `eventStreamEndpoint(…)`) — without its
 * messages: it re-renders when the status changes, never per message. It takes a share in the
 * connection while mounted, like any other user of it.
 *
 * @example
 * const { status, nextRetryAt, reconnect } = useConnectionStatus();
 * if (status === "reconnecting") return <Banner at={nextRetryAt} onRetry={reconnect} />;
 */
export function useConnectionStatus(endpoint?: Endpoint | null): ConnectionStatusView {
  const manager = useConnectionManager();
  const provided = useRealtimeChannels()?.endpoint;
  const target = endpoint === undefined ? provided : (endpoint ?? undefined);
  const key = target?.key;
  const [lease, setLease] = useState<ConnectionLease | undefined>(undefined);
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the endpoint's wire identity.
  useEffect(() => {
    if (target === undefined) return;
    const acquired = manager.acquire(target);
    setLease(acquired);
    return () => {
      acquired.release();
      setLease(undefined);
    };
  }, [manager, key]);
  const connection = lease?.connection;
  const snapshot = useSyncExternalStore(
    connection?.subscribe ?? noSubscription,
    connection?.getSnapshot ?? idle,
    idle,
  );
  const { status, error, attempt, nextRetryAt, queued } = snapshot;
  return { status, error, attempt, nextRetryAt, queued, reconnect: () => connection?.reconnect() };
}
