// ChatRoom — messages, presence and typing over wirekit channels on one WebSocket.
// A wirekit template: copy this file into your app and change what the README says to change.
// Three channels per room, all on the one connection of <RealtimeProvider endpoint>:
//   chat:<room>      {"key":"…","user":"ada","text":"hi","at":1767225600000}
//   presence:<room>  {"user":"ada","online":true}
//   typing:<room>    {"user":"ada","typing":true}

import type { ConnectionStatus } from "@wirekit/core";
import { type RealtimeEndpoint, useRealtime } from "@wirekit/react";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";

export interface ChatMessage {
  /** Chosen by the sender, so its own copy can be matched to the broadcast. */
  readonly key: string;
  readonly user: string;
  readonly text: string;
  readonly at: number;
}

interface Presence {
  readonly user: string;
  readonly online: boolean;
}

interface Outgoing extends ChatMessage {
  /** Sent: acked, shown here until the broadcast copy arrives in the history. */
  readonly state: "sending" | "sent" | "failed";
}

export interface ChatRoomProps {
  room: string;
  /** Who is typing here; in your app, the signed-in user (the server should check it). */
  user: string;
  /** The channel endpoint, when not the provider's: `{ url }` (it offers the `wirekit.v1` subprotocol). */
  endpoint?: RealtimeEndpoint;
  /**
   * Messages kept on screen.
   * @default 200
   */
  historySize?: number;
}

/** A typing notice shows this long after the last keystroke event. */
const TYPING_TTL = 4000;
/** At most one typing event per this many milliseconds while typing. */
const TYPING_THROTTLE = 2000;

export function ChatRoom({ room, user, endpoint, historySize = 200 }: ChatRoomProps) {
  // Presence is announced by us; a real server would track connections itself and expire the
  // stale ones. "Offline" must go out before the channel lets go, and effects clean up in the
  // order they were declared: so this one comes before the hooks.
  const publishPresence = useRef<(presence: Presence) => Promise<unknown>>(() => Promise.resolve());
  useEffect(
    () => () => {
      publishPresence.current({ user, online: false }).catch(() => {});
    },
    [user],
  );

  const withEndpoint = endpoint === undefined ? {} : { endpoint };
  const chat = useRealtime<ChatMessage>(`chat:${room}`, {
    ...withEndpoint,
    delivery: { mode: "history", size: historySize },
  });
  const presence = useRealtime<Presence, Readonly<Record<string, boolean>>>(`presence:${room}`, {
    ...withEndpoint,
    delivery: {
      mode: "reducer",
      initialState: {},
      reducer: (online, event) => ({ ...online, [event.user]: event.online }),
    },
  });
  const typing = useRealtime<{ user: string; typing: boolean }, Readonly<Record<string, number>>>(
    `typing:${room}`,
    {
      ...withEndpoint,
      delivery: {
        mode: "reducer",
        initialState: {},
        // Stamped on arrival with our own clock: the sender's may be off.
        reducer: (since, event) => {
          const { [event.user]: _, ...others } = since;
          return event.typing ? { ...others, [event.user]: Date.now() } : others;
        },
      },
    },
  );

  publishPresence.current = presence.publish;
  useEffect(() => {
    publishPresence.current({ user, online: true }).catch(() => {});
  }, [user]);

  const [outgoing, setOutgoing] = useState<readonly Outgoing[]>([]);
  const send = (message: ChatMessage) => {
    setOutgoing((list) => [
      ...list.filter((item) => item.key !== message.key),
      { ...message, state: "sending" },
    ]);
    // Resolves on the server's ack; the broadcast copy then replaces the pending one.
    const mark = (state: Outgoing["state"]) =>
      setOutgoing((list) =>
        list.map((item) => (item.key === message.key ? { ...item, state } : item)),
      );
    chat.publish(message).then(
      () => mark("sent"),
      () => mark("failed"),
    );
  };
  const delivered = new Set(chat.history.map((message) => message.key));
  const pending = outgoing.filter((message) => !delivered.has(message.key));
  // biome-ignore lint/correctness/useExhaustiveDependencies: prune when the history changes.
  useEffect(() => {
    if (pending.length < outgoing.length) setOutgoing(pending);
  }, [chat.history]);

  const lastTyped = useRef(0);
  const [draft, setDraft] = useState("");
  const onDraft = (text: string) => {
    setDraft(text);
    const now = Date.now();
    if (text !== "" && now - lastTyped.current > TYPING_THROTTLE) {
      lastTyped.current = now;
      typing.publish({ user, typing: true }).catch(() => {});
    }
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (text === "") return;
    send({ key: crypto.randomUUID(), user, text, at: Date.now() });
    setDraft("");
    lastTyped.current = 0;
    typing.publish({ user, typing: false }).catch(() => {});
  };

  const typists = useFreshTypists(typing.state ?? {}, user);
  const online = Object.entries(presence.state ?? {})
    .filter(([, isOnline]) => isOnline)
    .map(([name]) => name)
    .sort();
  const inputId = useId();

  return (
    <section aria-label={`Chat: ${room}`} style={frame}>
      <header style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
        <h3 style={{ margin: 0, fontSize: 15 }}>#{room}</h3>
        <span role="status">{statusLabel(chat.status)}</span>
      </header>
      <p style={{ margin: "4px 0", fontSize: 12, color: "#52525b" }}>
        Online: {online.length === 0 ? "nobody yet" : online.join(", ")}
      </p>
      {chat.subscription?.recovered === false && (
        <p style={{ margin: 0, fontSize: 12, color: "#b45309" }}>
          Some messages may be missing while you were away.
        </p>
      )}
      <ol role="log" aria-label="Messages" style={log}>
        {chat.history.map((message) => (
          <li key={message.key}>
            <strong>{message.user}</strong> {message.text}
          </li>
        ))}
        {pending.map((message) => (
          <li key={message.key} style={{ opacity: 0.6 }}>
            <strong>{message.user}</strong> {message.text}{" "}
            {message.state === "sending" ? (
              <em>sending…</em>
            ) : message.state === "sent" ? null : (
              <>
                <em>not sent</em>{" "}
                <button type="button" onClick={() => send(message)}>
                  Retry
                </button>
              </>
            )}
          </li>
        ))}
      </ol>
      <p aria-live="polite" style={{ minHeight: 18, margin: 0, fontSize: 12, color: "#52525b" }}>
        {typists.length === 0
          ? ""
          : `${typists.join(", ")} ${typists.length === 1 ? "is" : "are"} typing…`}
      </p>
      <form onSubmit={onSubmit} style={{ display: "flex", gap: 8 }}>
        <label htmlFor={inputId} style={{ position: "absolute", left: -9999 }}>
          Message
        </label>
        <input
          id={inputId}
          value={draft}
          onChange={(event) => onDraft(event.target.value)}
          placeholder="Say something"
          autoComplete="off"
          style={{ flex: 1 }}
        />
        <button type="submit">Send</button>
      </form>
    </section>
  );
}

/** Who else typed within the last `TYPING_TTL`; re-renders when the next notice expires. */
function useFreshTypists(since: Readonly<Record<string, number>>, self: string): string[] {
  const [now, setNow] = useState(() => Date.now());
  const entries = Object.entries(since).filter(([name]) => name !== self);
  const expiries = entries.map(([, at]) => at + TYPING_TTL).filter((at) => at > now);
  const next = expiries.length === 0 ? undefined : Math.min(...expiries);
  useEffect(() => {
    if (next === undefined) return;
    const timer = setTimeout(() => setNow(Date.now()), next - Date.now());
    return () => clearTimeout(timer);
  }, [next]);
  return entries
    .filter(([, at]) => at + TYPING_TTL > now)
    .map(([name]) => name)
    .sort();
}

function statusLabel(status: ConnectionStatus): string {
  switch (status) {
    case "open":
      return "Connected";
    case "reconnecting":
      return "Reconnecting…";
    case "paused":
      return "Paused";
    case "failed":
      return "Disconnected";
    case "closed":
      return "Closed";
    default:
      return "Connecting…";
  }
}

const frame = {
  fontFamily: "system-ui, sans-serif",
  border: "1px solid #d4d4d8",
  borderRadius: 8,
  padding: 12,
  width: 360,
} as const;

const log = {
  listStyle: "none",
  margin: "8px 0",
  padding: 8,
  height: 200,
  overflowY: "auto",
  background: "#fafafa",
  borderRadius: 4,
} as const;
