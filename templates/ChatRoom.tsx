// ChatRoom — messages, presence and typing over wirekit channels on one WebSocket.
// A wirekit template: copy this file into your app and change what the README says to change.
// One channel per room, on the one connection of <RealtimeProvider endpoint>:
//   chat:<room>  messages: {"key":"…","user":"ada","text":"hi","at":1767225600000}
//                and presence, tracked by the server (PROTOCOL.md section 11): each open room
//                is a member with {"user":"ada","typing":false}, so a newcomer sees everyone at
//                once and a closed tab leaves after the server's grace.

import type { ConnectionStatus } from "@wirekit/core";
import { type RealtimeEndpoint, usePresence, useRealtime } from "@wirekit/react";
import { type FormEvent, useEffect, useId, useState } from "react";

export interface ChatMessage {
  /** Chosen by the sender, so its own copy can be matched to the broadcast. */
  readonly key: string;
  readonly user: string;
  readonly text: string;
  readonly at: number;
}

/** What each open room is present with. */
interface Here {
  readonly user: string;
  readonly typing: boolean;
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

/** Typing shows this long after the last keystroke, unless a send ends it first. */
const TYPING_TTL = 4000;

export function ChatRoom({ room, user, endpoint, historySize = 200 }: ChatRoomProps) {
  const withEndpoint = endpoint === undefined ? {} : { endpoint };
  const chat = useRealtime<ChatMessage>(`chat:${room}`, {
    ...withEndpoint,
    delivery: { mode: "history", size: historySize },
  });
  // When the last keystroke was, while typing: typing ends after a pause or a send.
  const [typedAt, setTypedAt] = useState<number | null>(null);
  const typing = typedAt !== null;
  const presence = usePresence(`chat:${room}`, {
    ...withEndpoint,
    data: { user, typing } satisfies Here,
  });
  useEffect(() => {
    if (typedAt === null) return;
    const timer = setTimeout(() => setTypedAt(null), TYPING_TTL);
    return () => clearTimeout(timer);
  }, [typedAt]);

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

  const [draft, setDraft] = useState("");
  const onDraft = (text: string) => {
    setDraft(text);
    // Only the start is news to the others: the member's data changes once, not per keystroke.
    setTypedAt(text === "" ? null : Date.now());
  };
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (text === "") return;
    send({ key: crypto.randomUUID(), user, text, at: Date.now() });
    setDraft("");
    setTypedAt(null);
  };

  const others = presence.members.filter((member) => member.id !== presence.self);
  const typists = others
    .map((member) => member.data as Partial<Here> | null)
    .filter((here) => here?.typing === true && typeof here.user === "string")
    .map((here) => here?.user as string)
    .sort();
  // One name per user, however many tabs they have open.
  const online = [
    ...new Set(
      presence.members
        .map((member) => (member.data as Partial<Here> | null)?.user)
        .filter((name) => typeof name === "string"),
    ),
  ].sort();
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
