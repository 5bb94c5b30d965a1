import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { useEffect, useState } from "react";
import { describeError } from "./describeError.js";
import { useOnline } from "./useOnline.js";

export interface ConnectionBadgeProps {
  readonly status: ConnectionStatus;
  readonly error: RealtimeError | null;
  readonly attempt: number;
  readonly nextRetryAt: number | null;
  /** What "paused" means on this page. */
  readonly pausedHint?: string;
}

/** What each state looks like. `offline` is the browser's word, not a connection status. */
const LOOK: Record<ConnectionStatus | "offline", { label: string; tone: string }> = {
  idle: { label: "Idle", tone: "muted" },
  connecting: { label: "Connecting…", tone: "pending" },
  open: { label: "Live", tone: "live" },
  reconnecting: { label: "Reconnecting", tone: "pending" },
  paused: { label: "Paused", tone: "muted" },
  closed: { label: "Closed", tone: "muted" },
  failed: { label: "Failed", tone: "bad" },
  offline: { label: "Offline", tone: "bad" },
};

/**
 * The connection's state in words, for everyone: a `role="status"` live region, so screen
 * readers announce changes without taking focus.
 */
export function ConnectionBadge({
  status,
  error,
  attempt,
  nextRetryAt,
  pausedHint,
}: ConnectionBadgeProps) {
  const online = useOnline();
  const state = !online && status !== "open" ? "offline" : status;
  const { label, tone } = LOOK[state];
  const seconds = useSecondsUntil(status === "reconnecting" ? nextRetryAt : null);
  let detail = "";
  if (state === "reconnecting") {
    detail =
      seconds === null || seconds === 0
        ? `attempt ${attempt}`
        : `in ${seconds} s, attempt ${attempt}`;
  } else if (state === "paused") detail = pausedHint ?? "the tab is hidden";
  else if (state === "offline") detail = "waiting for the network";
  else if (state === "failed" && error !== null) detail = describeError(error);
  return (
    <p className={`badge badge-${tone}`} role="status" data-status={state}>
      <span className="badge-dot" aria-hidden="true" />
      <strong>{label}</strong>
      {detail === "" ? null : <span className="badge-detail"> · {detail}</span>}
    </p>
  );
}

/** Whole seconds until `at`, ticking once a second; `null` when there is nothing to count down. */
function useSecondsUntil(at: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
