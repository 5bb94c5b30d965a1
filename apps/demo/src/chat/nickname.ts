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

/** The saved nickname, or a fresh random one: nobody is asked before they can look around. */
export function initialNickname(): string {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved !== null && saved.trim() !== "") return saved.slice(0, MAX_NICK);
  } catch {
    // Storage may be disabled; a random name for this visit is fine.
  }
  const animal = ANIMALS[Math.floor(Math.random() * ANIMALS.length)] ?? "otter";
  return `${animal}-${Math.floor(Math.random() * 90 + 10)}`;
}

export function saveNickname(nick: string): void {
  try {
    localStorage.setItem(KEY, nick);
  } catch {
    // Not saved: it still applies to this tab.
  }
}
