"use client";

import {
  ConnectionManager,
  getDefaultConnectionManager,
  type WebSocketEndpoint,
} from "@wirekit/core";
import { createContext, type ReactNode, useContext, useState } from "react";

interface RealtimeContextValue {
  readonly manager: ConnectionManager;
  readonly endpoint: WebSocketEndpoint | undefined;
}

const RealtimeContext = createContext<RealtimeContextValue | null>(null);

export interface RealtimeProviderProps {
  /**
   * The manager that shares connections below. Without one the provider creates its own, once.
   */
  manager?: ConnectionManager;
  /** The WebSocket endpoint `useRealtime` channels share (PROTOCOL.md). */
  endpoint?: Omit<WebSocketEndpoint, "transport"> & Partial<Pick<WebSocketEndpoint, "transport">>;
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
    endpoint: endpoint === undefined ? undefined : { ...endpoint, transport: "websocket" },
  };
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}

/** The provider's manager, or the default one. */
export function useConnectionManager(): ConnectionManager {
  return useContext(RealtimeContext)?.manager ?? getDefaultConnectionManager();
}

/** The provider's channel endpoint, if any. */
export function useRealtimeEndpoint(): WebSocketEndpoint | undefined {
  return useContext(RealtimeContext)?.endpoint;
}
