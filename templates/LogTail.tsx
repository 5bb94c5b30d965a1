// LogTail — a live log over Server-Sent Events: thousands of lines a second, a bounded history,
// a filter, and Pause/Follow so a reader can stop the scrolling without losing lines.
// A wirekit template: copy this file into your app and change what the README says to change.
// The server sends one line per event (plain text in `data`).

import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { type UseEventStreamOptions, useEventStream } from "@wirekit/react";
import { useId, useLayoutEffect, useRef, useState } from "react";

export interface LogTailProps {
  /** The event stream, e.g. "/api/logs?service=api". */
  url: string;
  /**
   * Lines kept; older ones fall off. Every line is received however fast they come, and the
   * page renders at most once per animation frame.
   * @default 500
   */
  lines?: number;
  /**
   * More options for the stream: `FetchEventSource` with headers, a retry policy, or a test
   * server's `EventSource`.
   */
  options?: Omit<UseEventStreamOptions<string, undefined>, "parse" | "delivery">;
}

export function LogTail({ url, lines = 500, options }: LogTailProps) {
  const { status, error, history, received } = useEventStream<string>(url, {
    ...options,
    delivery: { mode: "history", size: lines },
  });
  // Paused: the view holds still on what it showed; lines keep arriving underneath.
  const [paused, setPaused] = useState<{ history: readonly string[]; received: number } | null>(
    null,
  );
  const [filter, setFilter] = useState("");
  const filterId = useId();
  const view = paused?.history ?? history;
  const last = paused?.received ?? received;
  // The line number of the first line in view: lines are numbered from 1 since the page loaded.
  const first = last - view.length + 1;
  const shown = view
    .map((text, index) => ({ number: first + index, text }))
    .filter((line) => filter === "" || line.text.includes(filter));

  const box = useRef<HTMLOListElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll whenever new lines render.
  useLayoutEffect(() => {
    const element = box.current;
    if (paused === null && element !== null) element.scrollTop = element.scrollHeight;
  }, [paused, last]);

  return (
    <section aria-label="Log" style={frame}>
      <div style={{ display: "flex", gap: 8, alignItems: "center" }}>
        <button
          type="button"
          aria-pressed={paused !== null}
          onClick={() => setPaused(paused === null ? { history, received } : null)}
        >
          {paused === null ? "Pause" : "Follow"}
        </button>
        <label htmlFor={filterId}>Filter</label>
        <input id={filterId} value={filter} onChange={(event) => setFilter(event.target.value)} />
        <span role="status" style={{ marginLeft: "auto", fontSize: 12 }}>
          {status === "failed"
            ? `${STATUS_LABELS.failed}: ${failureReason(error)}`
            : STATUS_LABELS[status]}
          {paused !== null && `, paused (${received - paused.received} new)`}
        </span>
      </div>
      <ol ref={box} role="log" aria-label="Log lines" style={log}>
        {shown.map((line) => (
          <li key={line.number} value={line.number}>
            {line.text}
          </li>
        ))}
      </ol>
      <p style={{ margin: 0, fontSize: 12, color: "#52525b" }}>
        {received} lines received, the last {view.length} kept
      </p>
    </section>
  );
}

/** The status line's words: a `Record`, so a status missing here is a compile error, never a blank. */
const STATUS_LABELS: Record<ConnectionStatus, string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  paused: "Paused (tab hidden or offline)",
  closed: "Stopped",
  failed: "Offline",
};

/**
 * Why the connection failed, for the status line: a refusal (a 401 once a session expired, a 400
 * for a bad request) says so instead of a bare "Offline". The browser's EventSource hides the
 * status, so a refusal through it is retried rather than ending here; `options.FetchEventSource`
 * sends the stream over fetch, which sees it.
 */
function failureReason(error: RealtimeError | null): string {
  if (error?.name !== "ConnectionError") return "the connection failed";
  if (error.code === "retries-exhausted") return "the server could not be reached";
  if (error.code === "content-type") return "the server did not answer with an event stream";
  if (error.code !== "http-status") return "the connection failed";
  switch (error.status) {
    case undefined:
      return "the server refused the stream";
    case 400:
      return "the server rejected the request (400)";
    case 401:
      return "sign-in required (401)";
    case 403:
      return "access denied (403)";
    case 404:
      return "no such stream (404)";
    default:
      return `the server answered ${error.status}`;
  }
}

const frame = {
  fontFamily: "system-ui, sans-serif",
  display: "grid",
  gap: 8,
  width: 560,
} as const;

const log = {
  margin: 0,
  paddingLeft: 56,
  height: 240,
  overflowY: "auto",
  fontFamily: "ui-monospace, monospace",
  fontSize: 12,
  background: "#18181b",
  color: "#e4e4e7",
  borderRadius: 8,
} as const;
