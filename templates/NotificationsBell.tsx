// NotificationsBell — a bell with an unread count, fed by Server-Sent Events, that picks up after
// a reload where it left off: nothing missed, nothing twice.
// A wirekit template: copy this file into your app and change what the README says to change.
// The server sends one event per notification, with an id it can replay from (Last-Event-ID);
// the event id is the notification's id:
//   event: notification
//   id: 42
//   data: {"title":"Build passed","body":"main is green"}

import type { ConnectionStatus, RealtimeError } from "@wirekit/core";
import { type UseEventStreamOptions, useEventStream } from "@wirekit/react";
import { useEffect, useId, useState } from "react";

/** What the server sends in `data`. */
interface NotificationData {
  readonly title: string;
  readonly body?: string;
}

export interface Notification extends NotificationData {
  /** Unique per notification: the event id. */
  readonly id: string;
}

const NONE: readonly Notification[] = [];

interface Saved {
  readonly items: readonly Notification[];
  /** The stream position to resume from: sent as Last-Event-ID on the first request. */
  readonly lastEventId: string;
  /** The newest notification the user has seen. */
  readonly readThrough: string;
}

export interface NotificationsBellProps {
  /** The event stream, e.g. "/api/notifications". */
  url: string;
  /**
   * Where the list and the stream position are kept between page loads (localStorage).
   * @default "notifications"
   */
  storageKey?: string;
  /**
   * Notifications kept.
   * @default 50
   */
  limit?: number;
  /**
   * More options for the stream: `FetchEventSource` with headers (auth), a retry policy, or a
   * test server's `EventSource`.
   */
  options?: Omit<
    UseEventStreamOptions<NotificationData, readonly Notification[]>,
    "events" | "parse" | "delivery" | "lastEventId"
  >;
}

export function NotificationsBell({
  url,
  storageKey = "notifications",
  limit = 50,
  options,
}: NotificationsBellProps) {
  // Read after mounting, never while rendering: a server has no localStorage, and the first
  // render in the browser must match the server's HTML. The stream starts once it is read, after
  // the newest notification we already have.
  const [saved, setSaved] = useState<Saved | null>(null);
  const [readThrough, setReadThrough] = useState("");
  const [open, setOpen] = useState(false);
  const panelId = useId();
  useEffect(() => {
    const loaded = load(storageKey);
    setSaved(loaded);
    setReadThrough(loaded.readThrough);
  }, [storageKey]);

  const { status, error, state, lastEventId } = useEventStream<
    NotificationData,
    readonly Notification[]
  >(saved === null ? null : url, {
    ...options,
    events: ["notification"],
    lastEventId: saved?.lastEventId ?? "",
    parse: parseNotification,
    delivery: {
      mode: "reducer",
      initialState: saved?.items ?? NONE,
      // The reducer also gets each event's id: the notification's identity, and no repeat.
      reducer: (items, data, { id = "" }) =>
        items.some((item) => item.id === id) ? items : [{ id, ...data }, ...items].slice(0, limit),
    },
  });
  const items = state ?? saved?.items ?? NONE;

  // Before the first new event the position is the one we resumed from.
  const position = lastEventId || (saved?.lastEventId ?? "");
  useEffect(() => {
    // Not before it was read: that would overwrite what is saved with nothing.
    if (saved !== null) save(storageKey, { items, lastEventId: position, readThrough });
  }, [saved, storageKey, items, position, readThrough]);

  const readIndex = items.findIndex((item) => item.id === readThrough);
  const unread = readIndex === -1 ? items.length : readIndex;
  const toggle = () => {
    setOpen(!open);
    if (!open && items[0] !== undefined) setReadThrough(items[0].id);
  };

  return (
    <div style={{ fontFamily: "system-ui, sans-serif", position: "relative", width: 320 }}>
      <button
        type="button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={unread === 0 ? "Notifications" : `Notifications, ${unread} unread`}
        onClick={toggle}
        style={{ fontSize: 20, position: "relative" }}
      >
        <span aria-hidden="true">🔔</span>
        {unread > 0 && (
          <span aria-hidden="true" style={count}>
            {unread > 99 ? "99+" : unread}
          </span>
        )}
      </button>{" "}
      <span role="status" style={{ fontSize: 12, color: "#52525b" }}>
        {status === "failed"
          ? `${STATUS_LABELS.failed}: ${failureReason(error)}`
          : STATUS_LABELS[status]}
      </span>
      <ul id={panelId} hidden={!open} aria-label="Notifications" style={panel}>
        {items.length === 0 && <li>Nothing yet.</li>}
        {items.map((item) => (
          <li key={item.id} style={{ padding: "6px 0", borderBottom: "1px solid #e4e4e7" }}>
            <strong>{item.title}</strong>
            {item.body !== undefined && <div style={{ fontSize: 13 }}>{item.body}</div>}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A malformed notification is skipped, and the stream goes on. */
function parseNotification(data: unknown): NotificationData {
  const { title, body } = JSON.parse(String(data)) as Record<string, unknown>;
  if (typeof title !== "string") throw new TypeError("A notification needs a `title`.");
  return { title, ...(typeof body === "string" ? { body } : {}) };
}

function load(key: string): Saved {
  const empty: Saved = { items: [], lastEventId: "", readThrough: "" };
  try {
    const raw = globalThis.localStorage?.getItem(key);
    return raw ? { ...empty, ...(JSON.parse(raw) as Partial<Saved>) } : empty;
  } catch {
    return empty; // storage disabled, or a value from an older version of this component
  }
}

function save(key: string, saved: Saved): void {
  try {
    globalThis.localStorage?.setItem(key, JSON.stringify(saved));
  } catch {
    // Full or disabled storage: the bell still works, it just starts over after a reload.
  }
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

const count = {
  position: "absolute",
  top: -6,
  right: -8,
  minWidth: 18,
  borderRadius: 9,
  background: "#dc2626",
  color: "white",
  fontSize: 11,
  padding: "1px 4px",
} as const;

const panel = {
  listStyle: "none",
  margin: "8px 0 0",
  padding: 8,
  border: "1px solid #d4d4d8",
  borderRadius: 8,
  maxHeight: 240,
  overflowY: "auto",
} as const;
