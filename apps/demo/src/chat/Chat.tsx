import { heartbeat } from "@wirekit/core";
import { RealtimeProvider } from "@wirekit/react";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { ConnectionBadge } from "../ConnectionBadge.js";
import { demoRetryDelay } from "../retry.js";
import { Link, useLocation } from "../router.js";
import { MAX_NICK, MAX_TEXT, type StoredMessage } from "./messages.js";
import { useNickname } from "./nickname.js";
import { type OutgoingMessage, useChatRoom } from "./useChatRoom.js";
import { useRoomPresence } from "./useRoomPresence.js";

const ROOMS = ["general", "random", "help"] as const;
const ROOM_NAME = /^[a-z0-9-]{1,32}$/;

/** The chat socket is on the page's own host: ws: beside http:, wss: beside https:. */
function chatUrl(): string {
  const url = new URL("/api/chat", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.href;
}

export function Chat() {
  const requested = useLocation().searchParams.get("room") ?? "general";
  const room = ROOM_NAME.test(requested) ? requested : "general";
  const [nick, setNick] = useNickname();
  // On a phone the rooms and the nickname fold away behind one button, so the conversation and
  // the message box get the screen.
  const [menuOpen, setMenuOpen] = useState(false);
  const [endpoint] = useState(() => ({
    url: chatUrl(),
    retryDelay: demoRetryDelay,
    // People type while offline: keep their messages for five minutes, then say they were not sent.
    queue: { maxMessages: 200, maxBytes: 256 * 1024, ttl: 5 * 60_000, whenFull: "reject" as const },
    // Rooms stay live in a hidden tab; the heartbeat catches a socket that died in sleep.
    visibility: "keep" as const,
    heartbeat: heartbeat({ interval: 15_000, deadline: 5000, message: '{"type":"ping"}' }),
  }));

  return (
    <RealtimeProvider endpoint={endpoint}>
      <main className="page chat">
        <nav className="rooms" aria-label="Rooms" data-open={menuOpen}>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="chat-menu"
            onClick={() => setMenuOpen((open) => !open)}
          >
            #{room} · {nick ?? "…"}
          </button>
          <div id="chat-menu" className="menu">
            <h2>Rooms</h2>
            <ul>
              {ROOMS.map((name) => (
                <li key={name}>
                  <Link to={`/chat?room=${name}`} current={name === room}>
                    #{name}
                  </Link>
                </li>
              ))}
            </ul>
            {nick === null ? null : <Nickname nick={nick} onChange={setNick} />}
          </div>
        </nav>
        <ChatRoom key={room} room={room} nick={nick} />
      </main>
    </RealtimeProvider>
  );
}

function Nickname({ nick, onChange }: { nick: string; onChange: (nick: string) => void }) {
  const [draft, setDraft] = useState(nick);
  const id = useId();
  const commit = () => {
    const next = draft.trim().slice(0, MAX_NICK);
    if (next === "") setDraft(nick);
    else if (next !== nick) onChange(next);
  };
  return (
    <div className="nickname">
      <label htmlFor={id}>Nickname</label>
      <input
        id={id}
        value={draft}
        maxLength={MAX_NICK}
        autoComplete="nickname"
        onChange={(event) => setDraft(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => event.key === "Enter" && commit()}
      />
    </div>
  );
}

function ChatRoom({ room, nick }: { room: string; nick: string | null }) {
  const chat = useChatRoom(room, nick ?? "");
  const presence = useRoomPresence(room, nick);
  const { status, error, attempt, nextRetryAt } = chat.status;
  const [draft, setDraft] = useState("");
  const log = useRef<HTMLOListElement>(null);
  const mine = new Set(chat.outgoing.map((message) => message.mid));
  const stored = new Set(chat.messages.map((message) => message.mid));
  const inFlight = chat.outgoing.filter((message) => !stored.has(message.mid));
  // The person's own messages not yet accepted: what "waiting" means to them (the connection's
  // queue also holds frames they never typed).
  const queued = inFlight.filter((message) => message.state === "sending").length;
  // Sent from this tab, or under this nickname before a reload (it is kept in localStorage).
  const isMine = (message: StoredMessage) => mine.has(message.mid) || message.nick === nick;
  const typing = presence.peers.filter((peer) => peer.typing).map((peer) => peer.nick);

  // Follow the conversation, as chat apps do.
  const count = chat.messages.length + inFlight.length;
  useEffect(() => {
    const element = log.current;
    if (element !== null && count > 0) element.scrollTop = element.scrollHeight;
  }, [count]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = draft.trim();
    if (text === "" || nick === null) return;
    chat.send(text.slice(0, MAX_TEXT));
    presence.doneTyping();
    setDraft("");
  };

  // Not while the first connection is being made: only once one was lost.
  const down = status === "reconnecting" || status === "failed";
  return (
    <section className="room" aria-labelledby="room-title">
      <header className="page-header">
        <h1 id="room-title">#{room}</h1>
        <ConnectionBadge
          status={status}
          error={error}
          attempt={attempt}
          nextRetryAt={nextRetryAt}
        />
      </header>
      {down ? (
        <div className="banner" role="alert">
          <span>
            {status === "failed"
              ? `Could not reconnect${error === null ? "" : `: ${error.message}`}.`
              : "Connection lost, reconnecting."}{" "}
            Messages you send now are queued{queued > 0 ? ` (${queued} waiting)` : ""} and go out
            when it is back.
          </span>
          <button type="button" onClick={chat.status.reconnect}>
            Retry now
          </button>
        </div>
      ) : null}
      {chat.history.error === null ? null : (
        <p className="error" role="alert">
          Could not load the history: {chat.history.error.message}
        </p>
      )}
      <div className="room-body">
        <ol className="messages" role="log" aria-label={`Messages in #${room}`} ref={log}>
          {chat.history.isPending && chat.messages.length === 0 ? (
            <li className="hint">Loading history…</li>
          ) : null}
          {chat.messages.map((message) => (
            <Message key={message.mid} message={message} mine={isMine(message)} />
          ))}
          {inFlight.map((message) => (
            <Pending
              key={message.mid}
              message={message}
              online={status === "open"}
              onRetry={chat.retry}
            />
          ))}
        </ol>
        <aside className="presence" aria-label="Who is here">
          <h2>Here now</h2>
          <ul>
            <li>
              {nick} <span className="you">(you)</span>
            </li>
            {presence.peers.map((peer) => (
              <li key={peer.id} data-typing={peer.typing}>
                {peer.nick}
                {peer.typing ? <span className="typing-dot"> typing</span> : null}
              </li>
            ))}
          </ul>
        </aside>
      </div>
      <p className="typing" aria-live="polite">
        {typing.length === 0
          ? "\u00a0"
          : `${typing.join(", ")} ${typing.length === 1 ? "is" : "are"} typing…`}
      </p>
      <form className="composer" onSubmit={submit}>
        <label className="visually-hidden" htmlFor="message">
          Message
        </label>
        <input
          id="message"
          value={draft}
          maxLength={MAX_TEXT}
          placeholder={`Message #${room}`}
          autoComplete="off"
          onChange={(event) => {
            setDraft(event.target.value);
            if (event.target.value !== "") presence.typing();
          }}
        />
        <button type="submit" disabled={nick === null}>
          Send
        </button>
      </form>
    </section>
  );
}

function Message({ message, mine }: { message: StoredMessage; mine: boolean }) {
  return (
    <li className={mine ? "message mine" : "message"} data-id={message.id} data-state="sent">
      <span className="author">{message.nick}</span>
      {/* Text, never HTML: whatever was typed is shown as typed. */}
      <span className="text">{message.text}</span>
      <span className="meta">
        <time dateTime={new Date(message.at).toISOString()}>
          {new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
        </time>
        {mine ? <span className="state"> · sent</span> : null}
      </span>
    </li>
  );
}

function Pending({
  message,
  online,
  onRetry,
}: {
  message: OutgoingMessage;
  online: boolean;
  onRetry: (mid: string) => void;
}) {
  const label =
    message.state === "failed"
      ? (message.reason ?? "not sent")
      : message.state === "sent"
        ? "sent"
        : online
          ? "sending…"
          : "queued, sends when reconnected";
  return (
    <li className={`message mine ${message.state}`} data-state={message.state}>
      <span className="author">{message.nick}</span>
      <span className="text">{message.text}</span>
      <span className="meta">
        <span className="state">{label}</span>
        {message.state === "failed" ? (
          <button type="button" className="link" onClick={() => onRetry(message.mid)}>
            Retry
          </button>
        ) : null}
      </span>
    </li>
  );
}
