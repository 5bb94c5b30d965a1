// Small UI pieces the stories share and document: a status badge, a reconnecting banner with
// a countdown and "Retry now", and an event log.

import type { ConnectionStatus, Endpoint } from "@wirekit/core";
import { useConnectionStatus } from "@wirekit/react";
import { useEffect, useState } from "react";
import { useFollowNewest } from "./followNewest.js";

const LABELS: Record<ConnectionStatus, string> = {
  idle: "Idle",
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  paused: "Paused",
  closed: "Closed",
  failed: "Failed",
};

const COLORS: Record<ConnectionStatus, string> = {
  idle: "#71717a",
  connecting: "#b45309",
  open: "#15803d",
  reconnecting: "#b45309",
  paused: "#52525b",
  closed: "#52525b",
  failed: "#b91c1c",
};

export interface ConnectionStatusBadgeProps {
  /** A connection status, as every hook returns it. */
  status: ConnectionStatus;
}

/** A connection's status as a colored, announced badge. */
export function ConnectionStatusBadge({ status }: ConnectionStatusBadgeProps) {
  return (
    <span
      role="status"
      aria-label="Connection"
      style={{ color: COLORS[status], fontSize: 13, display: "inline-flex", gap: 6 }}
    >
      <span aria-hidden="true">●</span>
      {LABELS[status]}
    </span>
  );
}

export interface ReconnectingBannerProps {
  /** The connection to watch; the provider's channel endpoint when omitted. */
  endpoint?: Endpoint;
}

/**
 * Says so while a connection is down — "Reconnecting in 3 s" with a "Retry now" button, or why
 * it is paused — and nothing while it is fine.
 */
export function ReconnectingBanner({ endpoint }: ReconnectingBannerProps) {
  const { status, nextRetryAt, attempt, error, reconnect } = useConnectionStatus(endpoint);
  const seconds = useSecondsUntil(nextRetryAt);
  const message =
    status === "reconnecting"
      ? `Reconnecting${seconds === null ? "…" : ` in ${seconds} s`} (attempt ${attempt})`
      : status === "paused"
        ? "Paused while the page is hidden or offline; it resumes by itself."
        : status === "failed"
          ? `Disconnected: ${error?.message ?? "the server refused the connection"}`
          : null;
  return (
    <div role="status" aria-label="Connection banner" style={{ minHeight: 32 }}>
      {message !== null && (
        <div style={banner}>
          {message}
          {(status === "reconnecting" || status === "failed") && (
            <button type="button" onClick={reconnect}>
              Retry now
            </button>
          )}
        </div>
      )}
    </div>
  );
}

/** Whole seconds until `at`, ticking; null when there is no `at`. */
function useSecondsUntil(at: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export interface EventLogProps {
  /** The messages, oldest first. */
  entries: readonly string[];
  label?: string;
}

/**
 * Messages as an accessible log, as text, newest at the bottom and kept in view while they
 * arrive (unless the reader scrolls up).
 */
export function EventLog({ entries, label = "Events" }: EventLogProps) {
  const { ref, onScroll } = useFollowNewest<HTMLOListElement>(entries);
  return (
    <ol ref={ref} onScroll={onScroll} role="log" aria-label={label} style={log}>
      {entries.map((entry, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a log only appends; the position is stable.
        <li key={index}>{entry}</li>
      ))}
    </ol>
  );
}

const banner = {
  display: "flex",
  gap: 12,
  alignItems: "center",
  padding: "6px 10px",
  background: "#fef3c7",
  border: "1px solid #f59e0b",
  borderRadius: 6,
  fontSize: 13,
} as const;

const log = {
  margin: 0,
  paddingLeft: 40,
  height: 160,
  overflowY: "auto",
  fontFamily: "ui-monospace, monospace",
  fontSize: 12,
  border: "1px solid #d4d4d8",
  borderRadius: 6,
  width: 360,
} as const;
