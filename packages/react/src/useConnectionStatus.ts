"use client";

import {
  type Connection,
  type ConnectionStatus,
  type Endpoint,
  IDLE_CONNECTION_SNAPSHOT,
  type RealtimeError,
} from "@wirekit/core";
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
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
  const target = endpoint === undefined ? provided : endpoint;
  const [connection, setConnection] = useState<Connection>();
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the endpoint's wire identity.
  useEffect(() => {
    if (!target) return;
    const lease = manager.acquire(target);
    setConnection(lease.connection);
    return () => {
      lease.release();
      setConnection(undefined);
    };
  }, [manager, target?.key]);
  const { status, error, attempt, nextRetryAt, queued } = useSyncExternalStore(
    connection?.subscribe ?? noSubscription,
    connection?.getSnapshot ?? idle,
    idle,
  );
  // The same function while the connection is, as every hook's `reconnect`.
  const reconnect = useCallback(() => connection?.reconnect(), [connection]);
  return { status, error, attempt, nextRetryAt, queued, reconnect };
}
