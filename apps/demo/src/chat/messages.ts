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

/** What each tab is present in its room with (PROTOCOL.md section 11). */
export interface PeerData {
  readonly nick: string;
  readonly typing: boolean;
}

export const MAX_TEXT = 2000;
export const MAX_NICK = 32;

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

/** A peer's presence data, or `undefined` when it is not what a demo tab sends. */
export function parsePeerData(data: unknown): { nick: string; typing: boolean } | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const { nick, typing } = data as Record<string, unknown>;
  if (!isText(nick, MAX_NICK) || typeof typing !== "boolean") return undefined;
  return { nick, typing };
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
