"use client";

import {
  type ChannelSource,
  type ConnectionManager,
  getDefaultConnectionManager,
  type WebSocketChannelsOptions,
  webSocketChannels,
} from "@wirekit/core";
import { createContext, useContext } from "react";

// The context and the hooks that read it, apart from the provider's component: a hook's bundle
// then holds neither the component nor the JSX runtime it renders with.

/**
 * The channels `useRealtime` rides on: the options of a WebSocket speaking PROTOCOL.md (the
 * default), or any channel source — `eventStreamChannels({ url })` for channels as named events
 * of one stream.
 */
export type RealtimeEndpoint = WebSocketChannelsOptions | ChannelSource;

export interface RealtimeContextValue {
  readonly manager: ConnectionManager;
  readonly channels: ChannelSource | undefined;
}

export const RealtimeContext = createContext<RealtimeContextValue | null>(null);

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
