// AiTokenStream — an LLM answer streamed token by token over a POST event stream, with a Stop
// button, and an answer that resumes where it stopped when the connection drops mid-stream.
// A wirekit template: copy this file into your app and change what the README says to change.
// The server answers POST {"prompt":"…","request":"…"} with text/event-stream, an id on every
// event so a reconnect (the same POST, with Last-Event-ID) continues after the last token:
//   id: 1
//   data: {"type":"token","text":"Hel"}
//   id: 2
//   data: {"type":"done"}

import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { FetchEventSource } from "@wirekit/core/event-source";
import { type UseEventStreamOptions, useEventStream } from "@wirekit/react";
import { type FormEvent, useId, useRef, useState } from "react";

/** What one event of the answer says. */
export type AnswerEvent =
  | { readonly type: "token"; readonly text: string }
  | { readonly type: "done" }
  | { readonly type: "error"; readonly message: string };

interface Answer {
  readonly text: string;
  readonly done: boolean;
  readonly error: string | null;
}

export interface AiTokenStreamProps {
  /** The streaming endpoint, e.g. "/api/chat". */
  url: string;
  /** More options for the stream: auth headers, a retry policy, or a test server's `fetch`. */
  options?: Omit<
    UseEventStreamOptions<AnswerEvent, Answer>,
    "FetchEventSource" | "method" | "body" | "parse" | "delivery" | "onMessage"
  >;
}

const EMPTY: Answer = { text: "", done: false, error: null };
/** Headers you pass in `options` replace these: include the Content-Type. */
const JSON_HEADERS = { "Content-Type": "application/json" };

export function AiTokenStream({ url, options }: AiTokenStreamProps) {
  // One request per question: a fresh id makes the same prompt asked twice a new stream.
  const [request, setRequest] = useState<{ prompt: string; id: string } | null>(null);
  const [stopped, setStopped] = useState(false);
  const [draft, setDraft] = useState("");
  const promptId = useId();
  const close = useRef(() => {});

  const stream = useEventStream<AnswerEvent, Answer>(request === null ? null : url, {
    ...options,
    // A POST with a body: the browser's EventSource can only GET.
    FetchEventSource,
    method: "POST",
    headers: options?.headers ?? JSON_HEADERS,
    body: JSON.stringify({ prompt: request?.prompt, request: request?.id }),
    parse: parseAnswerEvent,
    delivery: { mode: "reducer", initialState: EMPTY, reducer: addToAnswer },
    // Close as soon as the answer is complete, before the server ends the response: an ended
    // response would otherwise be retried.
    onMessage: (event) => {
      if (event.type !== "token") close.current();
    },
  });
  close.current = stream.close;
  const answer = stream.state ?? EMPTY;

  const ask = (event: FormEvent) => {
    event.preventDefault();
    const prompt = draft.trim();
    if (prompt === "") return;
    setStopped(false);
    setRequest({ prompt, id: crypto.randomUUID() });
  };
  const stop = () => {
    stream.close();
    setStopped(true);
  };
  const streaming = request !== null && !answer.done && !stopped && answer.error === null;

  return (
    <section aria-label="Assistant" style={frame}>
      <form onSubmit={ask} style={{ display: "grid", gap: 8 }}>
        <label htmlFor={promptId}>Prompt</label>
        <textarea
          id={promptId}
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          rows={2}
        />
        <div style={{ display: "flex", gap: 8 }}>
          <button type="submit" disabled={streaming}>
            Ask
          </button>
          <button type="button" onClick={stop} disabled={!streaming}>
            Stop
          </button>
        </div>
      </form>
      <p role="status" style={{ fontSize: 12, color: "#52525b" }}>
        {statusLabel(request !== null, stream.status, stream.error, answer, stopped)}
      </p>
      {/* Text, never HTML: the model's output is untrusted input. */}
      <div role="log" aria-label="Answer" aria-busy={streaming} style={output}>
        {answer.text}
      </div>
      {answer.error !== null && <p role="alert">{answer.error}</p>}
    </section>
  );
}

function addToAnswer(answer: Answer, event: AnswerEvent): Answer {
  switch (event.type) {
    case "token":
      return { ...answer, text: answer.text + event.text };
    case "done":
      return { ...answer, done: true };
    case "error":
      return { ...answer, done: true, error: event.message };
  }
}

function parseAnswerEvent(data: unknown): AnswerEvent {
  const event = JSON.parse(String(data)) as Record<string, unknown>;
  if (event["type"] === "token" && typeof event["text"] === "string") {
    return { type: "token", text: event["text"] };
  }
  if (event["type"] === "done") return { type: "done" };
  if (event["type"] === "error") return { type: "error", message: String(event["message"]) };
  throw new TypeError("Not an answer event.");
}

/** The status line's words: a `Record`, so a status missing here is a compile error, never a blank. */
const STATUS_LABELS: Record<ConnectionStatus, string> = {
  idle: "Thinking…",
  connecting: "Thinking…",
  open: "Answering…",
  reconnecting: "Connection lost; resuming where the answer stopped…",
  paused: "Paused; the answer resumes when you are back.",
  closed: "Stopped.",
  failed: "Could not reach the assistant",
};

function statusLabel(
  asked: boolean,
  status: ConnectionStatus,
  error: RealtimeError | null,
  answer: Answer,
  stopped: boolean,
): string {
  if (!asked) return "Ask anything.";
  if (answer.error !== null) return "The answer failed.";
  if (answer.done) return "Done.";
  if (stopped) return "Stopped.";
  if (status === "failed") return `${STATUS_LABELS.failed}: ${failureReason(error)}.`;
  return STATUS_LABELS[status];
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
  gap: 4,
  width: 420,
} as const;

const output = {
  whiteSpace: "pre-wrap",
  minHeight: 80,
  padding: 8,
  border: "1px solid #d4d4d8",
  borderRadius: 8,
} as const;
