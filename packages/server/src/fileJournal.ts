import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { isMessageId } from "@wirekit/core/protocol";
import type { BrokerMessage } from "./broker.js";
import { assertPositive } from "./errors.js";

/** Messages kept on disk, so that a restarted server resumes its clients. */
export interface Journal {
  /** The messages read back at startup, oldest first, ready for `createMemoryBroker({ restore })`. */
  readonly restored: readonly BrokerMessage[];
  /** Appends one message; synchronous, so it is written before anyone hears it. */
  append(message: BrokerMessage): void;
}

export interface JournalOptions {
  /**
   * Messages kept per channel: give the broker's `historySize`, since older ones could not be
   * replayed anyway.
   * @default 1000
   */
  keepPerChannel?: number;
  /**
   * Lines appended between two rewrites of the file down to what is kept.
   * @default 20_000
   */
  compactEvery?: number;
}

/**
 * A JSON-lines write-ahead journal for a memory broker, so that one server process survives a
 * restart (even `kill -9`) with its ids and history: every client resumes as if nothing happened.
 * It keeps the newest `keepPerChannel` messages of each channel, and rewrites itself down to
 * those at startup and every `compactEvery` lines, so the file stays bounded. A torn last line
 * (the process died mid-write) is skipped. Appends are synchronous: a message is on disk before
 * anyone hears it. For several processes, use a Redis broker instead.
 *
 * @example
 * const journal = openJournal("data/broker.jsonl", { keepPerChannel: 1000 });
 * const broker = createMemoryBroker({ historySize: 1000, restore: journal.restored, persist: journal.append });
 */
export function openJournal(file: string, options: JournalOptions = {}): Journal {
  const { keepPerChannel = 1000, compactEvery = 20_000 } = options;
  assertPositive("openJournal", "keepPerChannel", keepPerChannel);
  assertPositive("openJournal", "compactEvery", compactEvery);
  mkdirSync(dirname(file), { recursive: true });
  const kept = new Map<string, BrokerMessage[]>();
  let lastSeq = 0;

  const keep = (message: BrokerMessage) => {
    const list = kept.get(message.channel) ?? [];
    kept.set(message.channel, list);
    list.push(message);
    if (list.length > keepPerChannel) list.splice(0, list.length - keepPerChannel);
  };

  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  for (const line of text.split("\n")) {
    const message = parseLine(line);
    // Out-of-order lines can only come from a hand-edited file; the broker would refuse them.
    if (message === undefined || message.seq <= lastSeq) continue;
    const previous = kept.get(message.channel)?.at(-1);
    if (previous !== undefined && Number(message.id) <= Number(previous.id)) continue;
    lastSeq = message.seq;
    keep(message);
  }

  const ordered = () => [...kept.values()].flat().sort((a, b) => a.seq - b.seq);
  const compact = () => {
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, ordered().map(toLine).join(""));
    renameSync(temporary, file);
  };

  const restored = ordered();
  compact();
  let sinceCompaction = 0;
  return {
    restored,
    append(message) {
      appendFileSync(file, toLine(message));
      keep(message);
      if (++sinceCompaction >= compactEvery) {
        sinceCompaction = 0;
        compact();
      }
    },
  };
}

/** One line: bytes as base64, since JSON has no bytes and a restored message must be equal. */
function toLine({ channel, id, seq, data }: BrokerMessage): string {
  const entry =
    data instanceof Uint8Array
      ? { channel, id, seq, bytes: Buffer.from(data).toString("base64") }
      : { channel, id, seq, data };
  return `${JSON.stringify(entry)}\n`;
}

function parseLine(line: string): BrokerMessage | undefined {
  if (line.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null) return undefined;
    const { channel, id, seq, data, bytes } = value as Record<string, unknown>;
    if (typeof channel !== "string" || !isMessageId(id)) return undefined;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
    if (typeof bytes === "string") {
      return { channel, id, seq, data: new Uint8Array(Buffer.from(bytes, "base64")) };
    }
    return { channel, id, seq, data };
  } catch {
    return undefined;
  }
}
