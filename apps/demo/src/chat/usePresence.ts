import { useRealtime } from "@wirekit/react";
import { useEffect, useRef, useState } from "react";
import { parseSignal, type Signal } from "./messages.js";

export interface Peer {
  readonly cid: string;
  readonly nick: string;
  readonly typing: boolean;
}

/** Heartbeat period; a peer silent for `STALE_AFTER` is gone (closed laptop, killed tab). */
const HEARTBEAT = 10_000;
const STALE_AFTER = 25_000;
const TYPING_FOR = 3000;
const TYPING_EVERY = 2000;

interface Seen {
  readonly nick: string;
  readonly seenAt: number;
  readonly typingUntil: number;
}

/**
 * Who is in the room and who is typing, built on a plain channel (`presence:<room>`): each tab
 * says `join` when its subscription starts (after every reconnect too), everyone answers `here`,
 * heartbeats keep a peer listed, and `leave` or silence removes it.
 */
export function usePresence(room: string, nick: string) {
  const [cid] = useState(() => crypto.randomUUID());
  const [peers, setPeers] = useState<ReadonlyMap<string, Seen>>(new Map());
  const [now, setNow] = useState(() => Date.now());
  const publishRef = useRef<(kind: Signal["kind"]) => void>(() => {});
  const lastTyping = useRef(0);

  // Declared before the channel, so that on unmount it runs while the channel can still publish.
  useEffect(() => () => publishRef.current("leave"), []);

  const signals = useRealtime<Signal>(`presence:${room}`, {
    parse: parseSignal,
    onMessage: (signal) => {
      if (signal.cid === cid || Date.now() - signal.at > STALE_AFTER) return;
      if (signal.kind === "join") publishRef.current("here");
      setPeers((current) => {
        const next = new Map(current);
        if (signal.kind === "leave") next.delete(signal.cid);
        else {
          next.set(signal.cid, {
            nick: signal.nick,
            seenAt: Date.now(),
            typingUntil: signal.kind === "typing" ? Date.now() + TYPING_FOR : 0,
          });
        }
        return next;
      });
    },
  });
  const { publish } = signals;
  useEffect(() => {
    publishRef.current = (kind) => {
      publish({ cid, nick, kind, at: Date.now() } satisfies Signal).catch(() => {
        // Presence is best effort: a lost heartbeat is repeated, a lost `leave` times out.
      });
    };
  });

  const subscription = signals.subscription;
  // A new subscription (the first, or after a reconnect) is when to say hello again.
  useEffect(() => {
    if (subscription === null) return;
    publishRef.current("join");
  }, [subscription]);

  useEffect(() => {
    const heartbeat = setInterval(() => publishRef.current("here"), HEARTBEAT);
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      clearInterval(heartbeat);
      clearInterval(clock);
    };
  }, []);

  // A new room, or a new name: tell the room who this is.
  // biome-ignore lint/correctness/useExhaustiveDependencies: announce on nickname change only.
  useEffect(() => {
    if (subscription !== null) publishRef.current("here");
  }, [nick]);

  const list: Peer[] = [];
  for (const [peer, seen] of peers) {
    if (now - seen.seenAt > STALE_AFTER) continue;
    list.push({ cid: peer, nick: seen.nick, typing: seen.typingUntil > now });
  }
  list.sort((a, b) => a.nick.localeCompare(b.nick));

  return {
    peers: list,
    /** Call on every keystroke; it sends at most one `typing` every two seconds. */
    typing() {
      const at = Date.now();
      if (at - lastTyping.current < TYPING_EVERY) return;
      lastTyping.current = at;
      publishRef.current("typing");
    },
    /** Call after sending: peers stop showing this tab as typing at once. */
    doneTyping() {
      if (lastTyping.current === 0) return;
      lastTyping.current = 0;
      publishRef.current("here");
    },
  };
}
