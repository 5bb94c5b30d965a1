// LiveMetricCard — one metric from a Server-Sent Events stream, charted live.
// A wirekit template: copy this file into your app and change what the README says to change.
// The server sends named events, one per sample:
//   event: cpu
//   data: {"t":1767225600000,"value":42.5}

import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { type UseEventStreamOptions, useEventStream } from "@wirekit/react";

export interface MetricSample {
  /** When it was measured, in milliseconds since the epoch. */
  readonly t: number;
  readonly value: number;
}

export interface LiveMetricCardProps {
  /** The event stream, e.g. "/api/metrics". */
  url: string;
  /** The named event that carries this metric, e.g. "cpu". */
  event: string;
  title: string;
  /** Shown after the value, e.g. "%". */
  unit?: string;
  /**
   * Samples kept and charted.
   * @default 60
   */
  points?: number;
  /**
   * More options for the stream: `FetchEventSource` with headers, a retry policy, or a test
   * server's `EventSource`.
   */
  options?: Omit<UseEventStreamOptions<MetricSample, undefined>, "events" | "parse" | "delivery">;
}

const WIDTH = 240;
const HEIGHT = 64;

export function LiveMetricCard({
  url,
  event,
  title,
  unit = "",
  points = 60,
  options,
}: LiveMetricCardProps) {
  const { status, history, data, error } = useEventStream<MetricSample>(url, {
    ...options,
    events: [event],
    parse: parseSample,
    delivery: { mode: "history", size: points },
  });

  return (
    <section aria-label={title} style={{ ...card, opacity: status === "open" ? 1 : 0.7 }}>
      <header style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
        <h3 style={{ margin: 0, fontSize: 14 }}>{title}</h3>
        <span role="status" style={badge(status)}>
          {status === "failed"
            ? `${STATUS_LABELS.failed}: ${failureReason(error)}`
            : STATUS_LABELS[status]}
        </span>
      </header>
      <p style={{ margin: "8px 0", fontSize: 28, fontVariantNumeric: "tabular-nums" }}>
        {data === undefined ? "–" : `${format(data.value)}${unit}`}
      </p>
      <Sparkline samples={history} label={`${title}, the last ${history.length} samples`} />
      {error?.name === "MessageError" && (
        <p style={{ margin: 0, fontSize: 12, color: "#b45309" }}>Skipped a malformed sample.</p>
      )}
    </section>
  );
}

/** The chart, in plain SVG: a polyline scaled to the samples' own range. */
function Sparkline({ samples, label }: { samples: readonly MetricSample[]; label: string }) {
  const values = samples.map((sample) => sample.value);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const span = max - min || 1;
  const step = samples.length > 1 ? WIDTH / (samples.length - 1) : 0;
  const path = values
    .map((value, index) => {
      const x = index * step;
      const y = HEIGHT - 2 - ((value - min) / span) * (HEIGHT - 4);
      return `${x.toFixed(1)},${y.toFixed(1)}`;
    })
    .join(" ");
  return (
    <svg
      role="img"
      aria-label={label}
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width="100%"
      height={HEIGHT}
      preserveAspectRatio="none"
    >
      <polyline points={path} fill="none" stroke="#2563eb" strokeWidth={2} />
    </svg>
  );
}

/** A sample the server got wrong is skipped (and shown as an error), never charted as NaN. */
function parseSample(data: unknown): MetricSample {
  const sample: unknown = JSON.parse(String(data));
  if (
    typeof sample !== "object" ||
    sample === null ||
    typeof (sample as MetricSample).t !== "number" ||
    typeof (sample as MetricSample).value !== "number" ||
    !Number.isFinite((sample as MetricSample).value)
  ) {
    throw new TypeError("A metric sample needs a numeric `t` and `value`.");
  }
  return { t: (sample as MetricSample).t, value: (sample as MetricSample).value };
}

function format(value: number): string {
  return Math.abs(value) >= 100 ? value.toFixed(0) : value.toFixed(1);
}

/** The status line's words: a `Record`, so a status missing here is a compile error, never a blank. */
const STATUS_LABELS: Record<ConnectionStatus, string> = {
  idle: "Not connected",
  connecting: "Connecting…",
  open: "Live",
  reconnecting: "Reconnecting…",
  paused: "Paused",
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

const card = {
  fontFamily: "system-ui, sans-serif",
  border: "1px solid #d4d4d8",
  borderRadius: 8,
  padding: 12,
  width: 280,
} as const;

function badge(status: ConnectionStatus) {
  const color = status === "open" ? "#15803d" : status === "failed" ? "#b91c1c" : "#b45309";
  return { fontSize: 12, color, textAlign: "right" } as const;
}
