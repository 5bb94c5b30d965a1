"use client";

import {
  type ChannelSource,
  ConnectionManager,
  getDefaultConnectionManager,
  type WebSocketChannelsOptions,
  webSocketChannels,
} from "@wirekit/core";
import { createContext, type ReactNode, useContext, useMemo, useState } from "react";

/**
 * The channels `useRealtime` rides on: the options of a WebSocket speaking PROTOCOL.md (the
 * default), or any channel source — `eventStreamChannels({ url })` for channels as named events
 * of one stream.
 */
export type RealtimeEndpoint = WebSocketChannelsOptions | ChannelSource;

interface RealtimeContextValue {
  readonly manager: ConnectionManager;
  readonly channels: ChannelSource | undefined;
}

const RealtimeContext = createContext<RealtimeContextValue | null>(null);

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

/** The provider's manager, or the default one. */
export function useConnectionManager(): ConnectionManager {
  return useContext(RealtimeContext)?.manager ?? getDefaultConnectionManager();
}

/** The provider's channels, if it has them. */
export function useRealtimeChannels(): ChannelSource | undefined {
  return useContext(RealtimeContext)?.channels;
}

/** Channel options as a channel source: a WebSocket one unless it is a source already. */
export function toChannelSource(endpoint: RealtimeEndpoint | undefined): ChannelSource | undefined {
  if (endpoint === undefined) return undefined;
  return "channelsOf" in endpoint ? endpoint : webSocketChannels(endpoint);
}
