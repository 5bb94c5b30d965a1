"use client";

import {
  CHANNEL_SUBPROTOCOL,
  ConnectionManager,
  type EventStreamEndpoint,
  getDefaultConnectionManager,
  type WebSocketEndpoint,
} from "@wirekit/core";
import { createContext, type ReactNode, useContext, useState } from "react";

/** The shared connection `useRealtime` channels ride on: a WebSocket (the default) or an event stream. */
export type RealtimeEndpoint =
  | (Omit<WebSocketEndpoint, "transport"> & { transport?: "websocket" })
  | (Omit<EventStreamEndpoint, "transport"> & { transport: "sse" });

interface RealtimeContextValue {
  readonly manager: ConnectionManager;
  readonly endpoint: WebSocketEndpoint | EventStreamEndpoint | undefined;
}

const RealtimeContext = createContext<RealtimeContextValue | null>(null);

export interface RealtimeProviderProps {
  /**
   * The manager that shares connections below. Without one the provider creates its own, once.
   */
  manager?: ConnectionManager;
  /**
   * The endpoint `useRealtime` channels share: a WebSocket speaking PROTOCOL.md (the default
   * transport), or `transport: "sse"` for channels as named events of one stream.
   */
  endpoint?: RealtimeEndpoint;
  children?: ReactNode;
}

/**
 * Gives the hooks below a `ConnectionManager` (yours, or one of its own) and the endpoint
 * `useRealtime` channels share. Hooks also work without a provider, on
 * `getDefaultConnectionManager()`.
 */
export function RealtimeProvider({
  manager,
  endpoint,
  children,
}: RealtimeProviderProps): ReactNode {
  const [own] = useState(() => (manager === undefined ? new ConnectionManager() : undefined));
  const value: RealtimeContextValue = {
    manager: manager ?? (own as ConnectionManager),
    endpoint: toEndpoint(endpoint),
  };
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

/** The provider's manager, or the default one. */
export function useConnectionManager(): ConnectionManager {
  return useContext(RealtimeContext)?.manager ?? getDefaultConnectionManager();
}

/** The provider's channel endpoint, if any. */
export function useRealtimeEndpoint(): WebSocketEndpoint | EventStreamEndpoint | undefined {
  return useContext(RealtimeContext)?.endpoint;
}

/**
 * A channel endpoint as the manager keys it. A WebSocket offers the channel subprotocol unless it
 * names its own, as `acquireChannels` would, so that `useConnectionStatus()` and `useRealtime`
 * on the provider's endpoint share one socket.
 */
export function toEndpoint(
  endpoint: RealtimeEndpoint | undefined,
): WebSocketEndpoint | EventStreamEndpoint | undefined {
  if (endpoint === undefined) return undefined;
  return endpoint.transport === "sse"
    ? { ...endpoint, transport: "sse" }
    : {
        ...endpoint,
        transport: "websocket",
        protocols: endpoint.protocols ?? [CHANNEL_SUBPROTOCOL],
      };
}
