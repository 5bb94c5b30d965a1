"use client";

import { ConnectionManager } from "@wirekit/core";
import { type ReactNode, useMemo, useState } from "react";
import { RealtimeContext, type RealtimeEndpoint, toChannelSource } from "./realtimeContext.js";

export interface RealtimeProviderProps {
  /**
   * The manager that shares connections below. Without one the provider creates its own, once.
   */
  manager?: ConnectionManager;
  /**
   * The channels `useRealtime` shares: `{ url, ... }` for a WebSocket speaking PROTOCOL.md, or a
   * channel source such as `eventStreamChannels({ url })`.
   */
  endpoint?: RealtimeEndpoint;
  children?: ReactNode;
}

/**
 * Gives the hooks below a `ConnectionManager` (yours, or one of its own) and the channels
 * `useRealtime` shares. Hooks also work without a provider, on `getDefaultConnectionManager()`.
 */
export function RealtimeProvider({
  manager,
  endpoint,
  children,
}: RealtimeProviderProps): ReactNode {
  const [own] = useState(() => (manager === undefined ? new ConnectionManager() : undefined));
  const channels = toChannelSource(endpoint);
  const key = channels?.endpoint.key;
  const shared = manager ?? (own as ConnectionManager);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the channels are keyed by what goes on the wire.
  const value = useMemo(() => ({ manager: shared, channels }), [shared, key]);
  return <RealtimeContext.Provider value={value}>{children}</RealtimeContext.Provider>;
}
