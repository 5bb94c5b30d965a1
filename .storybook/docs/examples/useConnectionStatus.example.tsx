import { useConnectionStatus } from "@wirekit/react";

/** A banner over the provider's connection: nothing while it is fine, why and "retry" when not. */
export function ConnectionBanner() {
  const { status, attempt, error, reconnect } = useConnectionStatus();
  if (status === "open" || status === "idle") return null;
  return (
    <p role="status">
      {status === "reconnecting" ? `Reconnecting (attempt ${attempt})…` : status}
      {error === null ? "" : ` — ${error.message}`}{" "}
      <button type="button" onClick={reconnect}>
        Retry now
      </button>
    </p>
  );
}
