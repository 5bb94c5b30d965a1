"use client";

import { EMPTY_PRESENCE_VIEW, PresenceObserver, type PresenceView } from "@wirekit/core";
import { useEffect, useMemo, useSyncExternalStore } from "react";
import {
  type RealtimeEndpoint,
  toChannelSource,
  useConnectionManager,
  useRealtimeChannels,
} from "./realtimeContext.js";

export interface UsePresenceOptions {
  /**
   * What this member carries, seen by everyone present: a nickname, an avatar, `typing`. Any
   * small JSON value (the reference server refuses more than 1 KiB); a change is sent at once.
   * @default null
   */
  data?: unknown;
  /**
   * What makes this participant the same member on every connection: one kept in
   * `sessionStorage` makes a reload the same member, so others see no leave and join. The
   * connection's first user sets it.
   * @default a random key for as long as the shared connection lives
   */
  key?: string;
  /** The channels, when not the provider's: WebSocket channels. */
  endpoint?: RealtimeEndpoint;
  /**
   * Present only while true.
   * @default true
   */
  enabled?: boolean;
}

const empty = () => EMPTY_PRESENCE_VIEW;
const noSubscription = () => () => {};

/**
 * Who is present in `channel`, as the server tracks it (PROTOCOL.md section 11): this component
 * is present while mounted, with `data`; `members` holds everyone, `self` names this member.
 * A late joiner sees everyone at once, a closed tab leaves after the server's grace, and a
 * reconnect within it is not seen as a leave. Its own module: `useRealtime` does not carry it.
 *
 * @example
 * const { members, self } = usePresence("room:42", { data: { nick } });
 * const others = members.filter((member) => member.id !== self);
 */
export function usePresence(
  channel: string | null,
  options: UsePresenceOptions = {},
): PresenceView {
  const { data = null, key: memberKey, endpoint, enabled = true } = options;
  const manager = useConnectionManager();
  const provided = useRealtimeChannels();
  const source = endpoint === undefined ? provided : toChannelSource(endpoint);
  if (source === undefined && channel !== null && enabled) {
    throw new TypeError(
      "usePresence: no endpoint. Wrap the tree in <RealtimeProvider endpoint={{ url }}> or pass `endpoint`.",
    );
  }
  const active = enabled && channel !== null && source !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by what goes on the wire; data follows in an effect.
  const observer = useMemo(
    () =>
      active ? new PresenceObserver(manager, { source, channel, data, key: memberKey }) : undefined,
    [manager, active && source.endpoint.key, channel, memberKey],
  );
  useEffect(() => observer?.mount(), [observer]);
  const json = JSON.stringify(data);
  // biome-ignore lint/correctness/useExhaustiveDependencies: sent when its JSON changes, not its identity.
  useEffect(() => observer?.setData(data), [observer, json]);
  // The server snapshot is empty whether or not there is an observer.
  return useSyncExternalStore(
    observer?.subscribe ?? noSubscription,
    observer?.getSnapshot ?? empty,
    empty,
  );
}
