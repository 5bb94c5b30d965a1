import { useEffect, useState } from "react";
import { MAX_NICK } from "./messages.js";

const ANIMALS = [
  "otter",
  "heron",
  "lynx",
  "panda",
  "gecko",
  "koala",
  "bison",
  "raven",
  "tapir",
  "quokka",
];
const KEY = "wirekit-demo:nickname";

/** The part of `localStorage` a nickname needs; injected so tests need no browser. */
export type NicknameStorage = Pick<Storage, "getItem" | "setItem">;

/**
 * The saved nickname, or a random one that is saved at once: a reload keeps it, so the messages
 * this person sent earlier are still recognised as theirs. Nobody is asked for a name before
 * they can look around.
 */
export function loadNickname(storage: NicknameStorage | undefined, random = Math.random): string {
  try {
    const saved = storage?.getItem(KEY);
    if (saved != null && saved.trim() !== "") return saved.slice(0, MAX_NICK);
  } catch {
    // Storage may be disabled: a random name for this visit is fine.
  }
  const animal = ANIMALS[Math.floor(random() * ANIMALS.length)] ?? "otter";
  const nick = `${animal}-${Math.floor(random() * 90 + 10)}`;
  saveNickname(nick, storage);
  return nick;
}

export function saveNickname(nick: string, storage: NicknameStorage | undefined): void {
  try {
    storage?.setItem(KEY, nick);
  } catch {
    // Not saved: it still applies to this tab.
  }
}

/**
 * The nickname and a way to change it, read from `localStorage` after mount, so a server render
 * (which has no storage) and the first client render agree: `null` until then.
 */
export function useNickname(): [string | null, (nick: string) => void] {
  const [nick, setNick] = useState<string | null>(null);
  useEffect(() => setNick(loadNickname(globalThis.localStorage)), []);
  const change = (next: string) => {
    saveNickname(next, globalThis.localStorage);
    setNick(next);
  };
  return [nick, change];
}
