// JobProgress — the progress of a long task (an export, a build, a video encode) over
// Server-Sent Events, closing the stream once the job is over.
// A wirekit template: copy this file into your app and change what the README says to change.
// The server streams the job's events, each with an id so a dropped connection resumes:
//   id: 7
//   data: {"type":"progress","percent":35,"message":"Encoding"}
//   data: {"type":"done","result":"https://…/export.zip"}   or   {"type":"failed","reason":"…"}

import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { type UseEventStreamOptions, useEventStream } from "@wirekit/react";
import { useId, useRef } from "react";

/** What one event of the job says. */
export type JobEvent =
  | { readonly type: "progress"; readonly percent: number; readonly message?: string }
  | { readonly type: "done"; readonly result?: string }
  | { readonly type: "failed"; readonly reason: string };

interface Job {
  readonly percent: number;
  readonly message: string;
  readonly outcome: "running" | "done" | "failed";
  readonly detail?: string;
}

export interface JobProgressProps {
  /** The job's event stream, e.g. `/api/jobs/${id}/events`. */
  url: string;
  /** What the job is, for the label: "Export". */
  title: string;
  /**
   * More options for the stream: `FetchEventSource` with headers, a retry policy, or a test
   * server's `EventSource`.
   */
  options?: Omit<UseEventStreamOptions<JobEvent, Job>, "parse" | "delivery" | "onMessage">;
}

const QUEUED: Job = { percent: 0, message: "Waiting to start", outcome: "running" };

export function JobProgress({ url, title, options }: JobProgressProps) {
  const close = useRef(() => {});
  const stream = useEventStream<JobEvent, Job>(url, {
    ...options,
    parse: parseJobEvent,
    delivery: { mode: "reducer", initialState: QUEUED, reducer: advance },
    // The job is over: close before the server ends the response, which would be retried.
    onMessage: (event) => {
      if (event.type !== "progress") close.current();
    },
  });
  close.current = stream.close;
  const { status, state, error } = stream;
  const job = state ?? QUEUED;
  const labelId = useId();

  return (
    <section aria-labelledby={labelId} style={frame}>
      <div id={labelId} style={{ fontWeight: 600 }}>
        {title}
      </div>
      <div
        role="progressbar"
        aria-labelledby={labelId}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(job.percent)}
        style={track}
      >
        <div style={{ ...bar(job), width: `${job.percent}%` }} />
      </div>
      <p role="status" style={{ margin: 0, fontSize: 13 }}>
        {statusLabel(job, status, error)}
      </p>
      {job.outcome === "done" && job.detail !== undefined && (
        <a href={job.detail} download>
          Download the result
        </a>
      )}
    </section>
  );
}

function advance(job: Job, event: JobEvent): Job {
  switch (event.type) {
    case "progress":
      // Progress never goes backwards, even if a replay repeats an older event.
      return {
        ...job,
        percent: Math.max(job.percent, Math.min(100, event.percent)),
        message: event.message ?? job.message,
      };
    case "done":
      return {
        percent: 100,
        message: "Done",
        outcome: "done",
        ...(event.result === undefined ? {} : { detail: event.result }),
      };
    case "failed":
      return { ...job, message: event.reason, outcome: "failed", detail: event.reason };
  }
}

function parseJobEvent(data: unknown): JobEvent {
  const event = JSON.parse(String(data)) as Record<string, unknown>;
  const { type, percent, message, result, reason } = event;
  if (type === "progress" && typeof percent === "number") {
    return { type, percent, ...(typeof message === "string" ? { message } : {}) };
  }
  if (type === "done") return { type, ...(typeof result === "string" ? { result } : {}) };
  if (type === "failed") return { type, reason: String(reason ?? "The job failed.") };
  throw new TypeError("Not a job event.");
}

/**
 * What the status line says after the percentage, by connection status: a `Record`, so a status
 * missing here is a compile error, never a blank. `null`: all is well, say the job's own message.
 */
const STATUS_LABELS: Record<ConnectionStatus, string | null> = {
  idle: "not watching the job",
  connecting: null,
  open: null,
  reconnecting: "connection lost, reconnecting…",
  paused: "paused; updates resume when you come back",
  closed: "no longer watching the job",
  failed: "cannot follow the job",
};

function statusLabel(job: Job, status: ConnectionStatus, error: RealtimeError | null): string {
  if (job.outcome === "done") return "Done.";
  if (job.outcome === "failed") return `Failed: ${job.message}`;
  const percent = `${Math.round(job.percent)}%`;
  if (status === "failed") return `${percent} — ${STATUS_LABELS.failed}: ${failureReason(error)}`;
  return `${percent} — ${STATUS_LABELS[status] ?? job.message}`;
}

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
  gap: 6,
  width: 360,
} as const;

const track = {
  height: 10,
  background: "#e4e4e7",
  borderRadius: 5,
  overflow: "hidden",
} as const;

function bar(job: Job) {
  const color =
    job.outcome === "failed" ? "#dc2626" : job.outcome === "done" ? "#16a34a" : "#2563eb";
  return { height: "100%", background: color, transition: "width 200ms" } as const;
}
