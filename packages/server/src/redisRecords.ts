import type { BrokerMessage } from "./broker.js";

/**
 * A message as the Redis broker keeps it: a stream entry `<id>-0` with the fields `seq`, `prev`,
 * `prevSeq` and `data`, and the same values in the pub/sub note that announces it.
 */
export interface StoredMessage extends BrokerMessage {
  /**
   * The id of the channel's message before this one, or the point its first message followed.
   * A reader that finds each message's `prev` equal to the id it holds has missed nothing; any
   * other value is a gap (trimmed history, a restart that lost data).
   */
  readonly prev: string;
  /** The same link for `seq`, so the merged stream can prove a replay complete too. */
  readonly prevSeq: number;
}

/** JSON as `j<json>`, bytes as `b<base64>`: Redis strings carry both, and the tag tells them apart. */
export function encodeData(data: unknown): string {
  if (data instanceof Uint8Array) {
    return `b${Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64")}`;
  }
  return `j${JSON.stringify(data) ?? "null"}`;
}

export function decodeData(text: string): unknown {
  if (text.startsWith("b")) return new Uint8Array(Buffer.from(text.slice(1), "base64"));
  if (text.startsWith("j")) return JSON.parse(text.slice(1));
  throw new TypeError(`wirekit redis broker: unknown data encoding ${JSON.stringify(text[0])}`);
}

/** Decodes an entry of `XRANGE`/`XREVRANGE`: `[<id>-0, [field, value, …]]`. */
export function decodeEntry(channel: string, entry: unknown): StoredMessage {
  if (!Array.isArray(entry) || typeof entry[0] !== "string" || !Array.isArray(entry[1])) {
    throw new TypeError("wirekit redis broker: a stream entry of an unexpected shape");
  }
  const fields = new Map<string, string>();
  const list: unknown[] = entry[1];
  for (let i = 0; i + 1 < list.length; i += 2) fields.set(String(list[i]), String(list[i + 1]));
  return {
    channel,
    id: entry[0].slice(0, entry[0].indexOf("-")),
    seq: Number(fields.get("seq")),
    data: decodeData(fields.get("data") ?? ""),
    prev: fields.get("prev") ?? "",
    prevSeq: Number(fields.get("prevSeq")),
  };
}

/** Decodes a pub/sub note: `id`, `seq`, `prev`, `prevSeq` and the data, one per line. */
export function decodeNote(channel: string, note: string): StoredMessage {
  const parts = note.split("\n", 4);
  const [id = "", seq, prev = "", prevSeq] = parts;
  const data = note.slice(parts.join("\n").length + 1);
  return { channel, id, seq: Number(seq), data: decodeData(data), prev, prevSeq: Number(prevSeq) };
}

/** What listeners and replays get: the message without the broker's links. */
export function toBrokerMessage({ channel, id, seq, data }: StoredMessage): BrokerMessage {
  return { channel, id, seq, data };
}

/** A reply that must be an array (a script's table, a stream's entries). */
export function listOf(reply: unknown): unknown[] {
  if (!Array.isArray(reply)) throw new TypeError("createRedisBroker: an unexpected reply");
  return reply;
}
