import { isNewerId } from "@wirekit/core";

/** What a chat message carries on the wire. Anything else from the server is an error. */
export interface ChatMessage {
  /** Made by the sender, so a resend and its echo are recognised as one message. */
  readonly mid: string;
  readonly nick: string;
  readonly text: string;
  /** The sender's clock, in milliseconds. */
  readonly at: number;
}

/** A message the server has stored: its channel id orders the room. */
export interface StoredMessage extends ChatMessage {
  readonly id: string;
}

/** Presence and typing, on the room's `presence:` channel. */
export interface Signal {
  /** One per tab, so two tabs with one nickname are two people in the list. */
  readonly cid: string;
  readonly nick: string;
  /** `join` asks everyone to answer with `here`. */
  readonly kind: "join" | "here" | "typing" | "leave";
  readonly at: number;
}

export const MAX_TEXT = 2000;
export const MAX_NICK = 32;
const KINDS = new Set(["join", "here", "typing", "leave"]);

const record = (data: unknown): Record<string, unknown> => {
  const value: unknown = typeof data === "string" ? JSON.parse(data) : data;
  if (typeof value !== "object" || value === null) throw new TypeError("not an object");
  return value as Record<string, unknown>;
};

const isText = (value: unknown, max: number): value is string =>
  typeof value === "string" && value.length > 0 && value.length <= max;

export function parseChatMessage(data: unknown): ChatMessage {
  const { mid, nick, text, at } = record(data);
  if (
    !isText(mid, 64) ||
    !isText(nick, MAX_NICK) ||
    !isText(text, MAX_TEXT) ||
    typeof at !== "number"
  ) {
    throw new TypeError("not a chat message");
  }
  return { mid, nick, text, at };
}

export function parseSignal(data: unknown): Signal {
  const { cid, nick, kind, at } = record(data);
  if (
    !isText(cid, 64) ||
    !isText(nick, MAX_NICK) ||
    !KINDS.has(kind as string) ||
    typeof at !== "number"
  ) {
    throw new TypeError("not a presence signal");
  }
  return { cid, nick, kind: kind as Signal["kind"], at };
}

/**
 * One room's messages in id order, each once: fetched history and live messages overlap around
 * the moment the subscription started, and a resend may have been stored twice (same `mid`).
 */
export function mergeMessages(...lists: ReadonlyArray<readonly StoredMessage[]>): StoredMessage[] {
  const byId = new Map<string, StoredMessage>();
  for (const list of lists) for (const message of list) byId.set(message.id, message);
  const seen = new Set<string>();
  return [...byId.values()]
    .sort((a, b) => (isNewerId(a.id, b.id) ? 1 : isNewerId(b.id, a.id) ? -1 : 0))
    .filter((message) => !seen.has(message.mid) && seen.add(message.mid));
}
