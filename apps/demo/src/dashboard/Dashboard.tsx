import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { MessageInfo } from "@wirekit/core";
import { useEventStream } from "@wirekit/react";
import { useEffect, useState } from "react";
import { ConnectionBadge } from "../ConnectionBadge.js";
import { describeError } from "../describeError.js";
import { demoRetryDelay } from "../retry.js";
import { emptyLogText } from "./emptyLog.js";
import { LiveChart } from "./LiveChart.js";
import { createLiveSeries, type LiveSeries } from "./liveSeries.js";

const METRICS = [
  { event: "load", label: "Load average", unit: "", color: "#2563eb" },
  { event: "memory", label: "Memory (RSS)", unit: " MiB", color: "#9333ea" },
  { event: "requests", label: "Requests per second", unit: "/s", color: "#ea580c" },
  { event: "events", label: "Event rate", unit: "/s", color: "#16a34a" },
] as const;
type MetricEvent = (typeof METRICS)[number]["event"];
const EVENTS = METRICS.map((metric) => metric.event);
const STREAM_URL = `/api/events?channels=${EVENTS.join(",")}`;
const LOG_SIZE = 200;
const HIDDEN_GRACE = 3000;
const RATE_KEY = ["rate"];

interface Sample {
  readonly t: number;
  readonly value: number;
}

interface LogEntry extends Sample {
  readonly id: string;
  readonly event: string;
}

/** What the stream has shown: the newest events, and whether any id was skipped or repeated. */
interface StreamLog {
  readonly entries: readonly LogEntry[];
  readonly latest: Partial<Record<MetricEvent, number>>;
  readonly lastId: number | undefined;
  readonly missed: number;
  readonly duplicates: number;
}

const EMPTY_LOG: StreamLog = {
  entries: [],
  latest: {},
  lastId: undefined,
  missed: 0,
  duplicates: 0,
};

/** Server data is not trusted: anything but `{ t, value }` numbers is an error, not a sample. */
function parseSample(data: unknown): Sample {
  const value: unknown = JSON.parse(String(data));
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as Sample).t !== "number" ||
    typeof (value as Sample).value !== "number"
  ) {
    throw new TypeError("not a metric sample");
  }
  return value as Sample;
}

/**
 * Ids are the server's stream sequence, and this stream carries every channel of it, so each id
 * must be the previous plus one: across reconnects, pauses and server restarts alike.
 */
function record(log: StreamLog, sample: Sample, { id, event }: MessageInfo): StreamLog {
  const number = Number(id);
  if (log.lastId !== undefined && number <= log.lastId) {
    return { ...log, duplicates: log.duplicates + 1 };
  }
  const missed = log.lastId === undefined ? 0 : number - log.lastId - 1;
  return {
    entries: [...log.entries.slice(-(LOG_SIZE - 1)), { ...sample, id: id ?? "", event }],
    latest: { ...log.latest, [event]: sample.value },
    lastId: number,
    missed: log.missed + missed,
    duplicates: log.duplicates,
  };
}

export function Dashboard() {
  const [series] = useState(
    () =>
      Object.fromEntries(METRICS.map(({ event }) => [event, createLiveSeries(60)])) as Record<
        MetricEvent,
        LiveSeries
      >,
  );
  const stream = useEventStream<Sample, StreamLog>(STREAM_URL, {
    events: EVENTS,
    parse: parseSample,
    delivery: { mode: "reducer", reducer: record, initialState: EMPTY_LOG },
    // Straight to the charts, no render per point.
    onMessage: (sample, { event }) =>
      series[event as MetricEvent]?.push(sample.t / 1000, sample.value),
    visibility: "pause",
    visibilityGrace: HIDDEN_GRACE,
    retryDelay: demoRetryDelay,
  });
  const log = stream.state ?? EMPTY_LOG;
  const live = stream.status === "open";
  const queryClient = useQueryClient();
  // The rate lives in the server: a restarted one runs at its default, another visitor may have
  // changed it. Every time the stream (re)opens, ask again.
  useEffect(() => {
    if (live) void queryClient.invalidateQueries({ queryKey: RATE_KEY });
  }, [live, queryClient]);

  return (
    <main className="page dashboard">
      <header className="page-header">
        <div>
          <h1>Server dashboard</h1>
          <p className="lede">
            One Server-Sent Events stream, four named events. It pauses {HIDDEN_GRACE / 1000} s
            after you hide the tab and resumes from the last event id when you come back.
          </p>
        </div>
        <ConnectionBadge
          status={stream.status}
          error={stream.error}
          attempt={stream.attempt}
          nextRetryAt={stream.nextRetryAt}
          pausedHint="tab hidden, resumes when you return"
        />
      </header>

      <section className="stream-facts" aria-label="Stream">
        <dl>
          <div>
            <dt>Last event id</dt>
            <dd data-testid="last-event-id">{stream.lastEventId || "–"}</dd>
          </div>
          <div>
            <dt>Received</dt>
            <dd data-testid="received">{stream.received}</dd>
          </div>
          <div>
            <dt>Missed ids</dt>
            <dd data-testid="missed">{log.missed}</dd>
          </div>
          <div>
            <dt>Duplicates</dt>
            <dd data-testid="duplicates">{log.duplicates}</dd>
          </div>
        </dl>
        <Controls live={live} onReconnect={stream.reconnect} />
        {stream.error === null ? null : (
          <p className="error" role="alert">
            {describeError(stream.error)}
          </p>
        )}
      </section>

      <section className="cards" aria-label="Metrics">
        {METRICS.map((metric) => (
          <article className="card" key={metric.event} aria-labelledby={`metric-${metric.event}`}>
            <h2 id={`metric-${metric.event}`}>{metric.label}</h2>
            <p className="metric-value" data-testid={`metric-${metric.event}`}>
              {log.latest[metric.event] === undefined
                ? "–"
                : `${log.latest[metric.event]}${metric.unit}`}
            </p>
            <LiveChart series={series[metric.event]} label={metric.label} color={metric.color} />
          </article>
        ))}
      </section>

      <section className="event-log" aria-labelledby="event-log-title">
        <h2 id="event-log-title">Event log</h2>
        {log.entries.length === 0 && (
          <p className="empty" data-testid="event-log-empty">
            {emptyLogText(stream.status, stream.error)}
          </p>
        )}
        <ol role="log" aria-live="off" aria-label="Events, newest first" reversed>
          {[...log.entries].reverse().map((entry) => (
            <li key={entry.id} data-id={entry.id}>
              <code>#{entry.id}</code> <span className="event-name">{entry.event}</span>{" "}
              <span>{entry.value}</span>{" "}
              <time dateTime={new Date(entry.t).toISOString()}>
                {new Date(entry.t).toLocaleTimeString()}
              </time>
            </li>
          ))}
        </ol>
      </section>
    </main>
  );
}

interface Rate {
  readonly perSecond: number;
  readonly choices: readonly number[];
}

const json = async <T,>(response: Response): Promise<T> => {
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return (await response.json()) as T;
};

/**
 * Server-side controls: drop every stream from the server, and change how often it ticks. The
 * rate shown is the server's, so it can only be changed while the stream is live.
 */
function Controls({ live, onReconnect }: { live: boolean; onReconnect: () => void }) {
  const queryClient = useQueryClient();
  const rate = useQuery({
    queryKey: RATE_KEY,
    queryFn: () => fetch("/api/rate").then((response) => json<Rate>(response)),
  });
  const setRate = useMutation({
    mutationFn: (perSecond: number) =>
      fetch("/api/rate", {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ perSecond }),
      }).then((response) => json<Rate>(response)),
    onSuccess: (data) => queryClient.setQueryData(RATE_KEY, data),
  });
  const drop = useMutation({
    mutationFn: () =>
      fetch("/api/drop", { method: "POST" }).then((response) => json<unknown>(response)),
  });
  return (
    <div className="controls">
      <label>
        Ticks per second{" "}
        <select
          value={rate.data?.perSecond ?? ""}
          disabled={!live || rate.data === undefined || setRate.isPending}
          onChange={(event) => setRate.mutate(Number(event.target.value))}
        >
          {(rate.data?.choices ?? []).map((choice) => (
            <option key={choice} value={choice}>
              {choice}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={() => drop.mutate()} disabled={drop.isPending}>
        Drop connection (server side)
      </button>
      <button type="button" onClick={onReconnect}>
        Reconnect now
      </button>
      {(setRate.isError || drop.isError) && (
        <p className="error" role="alert">
          {setRate.isError ? "The rate was not changed" : "The stream was not dropped"}: the server
          did not answer. Try again once the stream is live.
        </p>
      )}
    </div>
  );
}
