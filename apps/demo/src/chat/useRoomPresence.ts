import { usePresence } from "@wirekit/react";
import { useEffect, useState } from "react";
import { type PeerData, parsePeerData } from "./messages.js";
import { loadTabKey } from "./tabKey.js";

export interface Peer {
  /** The server's member id: one per tab, so two tabs with one nickname are two people. */
  readonly id: string;
  readonly nick: string;
  readonly typing: boolean;
}

/** Typing shows this long after the last keystroke, unless a send ends it first. */
const TYPING_FOR = 3000;

/**
 * Who is in the room and who is typing, as the server tracks it (PROTOCOL.md section 11): this
 * tab is present in the room's channel with its nickname and whether it is typing. The server
 * shows a newcomer everyone at once and drops a closed tab after its grace; nothing here
 * heartbeats or times peers out.
 */
export function useRoomPresence(room: string, nick: string | null) {
  const [typingSince, setTypingSince] = useState<number | null>(null);
  // Read after mount, like the nickname: a server render has no storage. `null` until then.
  const [key, setKey] = useState<string | undefined | null>(null);
  useEffect(() => setKey(loadTabKey(globalThis.sessionStorage)), []);
  const typing = typingSince !== null;
  const { members, self } = usePresence(`room:${room}`, {
    data: { nick: nick ?? "", typing } satisfies PeerData,
    ...(key == null ? {} : { key }),
    enabled: nick !== null && key !== null,
  });

  useEffect(() => {
    if (typingSince === null) return;
    const timer = setTimeout(() => setTypingSince(null), TYPING_FOR);
    return () => clearTimeout(timer);
  }, [typingSince]);

  const peers: Peer[] = [];
  for (const member of members) {
    const data = parsePeerData(member.data);
    if (member.id !== self && data !== undefined) peers.push({ id: member.id, ...data });
  }
  peers.sort((a, b) => a.nick.localeCompare(b.nick) || a.id.localeCompare(b.id));

  return {
    peers,
    /** Call on every keystroke: typing starts, and lasts until a pause or a send. */
    typing() {
      // Only the start is news to the server: the data changes once, not per keystroke.
      setTypingSince(Date.now());
    },
    /** Call after sending: peers stop showing this tab as typing at once. */
    doneTyping() {
      setTypingSince(null);
    },
  };
}
