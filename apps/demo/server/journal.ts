import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { BrokerMessage } from "@wirekit/server";

/** What the demo keeps on disk so that a restarted server resumes its clients. */
export interface Journal {
  /** The messages read back at startup, oldest first, ready for `createMemoryBroker({ restore })`. */
  readonly restored: readonly BrokerMessage[];
  /** Appends one message; synchronous, so it is written before anyone hears it. */
  append(message: BrokerMessage): void;
}

/**
 * A JSON-lines write-ahead journal for `createMemoryBroker({ persist, restore })`. It keeps the
 * newest `keepPerChannel` messages of each channel, and rewrites itself down to those at startup
 * and whenever it has grown by `compactEvery` lines, so the file stays bounded however long the
 * demo runs. A torn last line (the process was killed mid-write) is skipped.
 */
export function openJournal(file: string, keepPerChannel: number, compactEvery = 20_000): Journal {
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
    writeFileSync(
      temporary,
      ordered()
        .map((message) => `${JSON.stringify(message)}\n`)
        .join(""),
    );
    renameSync(temporary, file);
  };

  const restored = ordered();
  compact();
  let sinceCompaction = 0;
  return {
    restored,
    append(message) {
      appendFileSync(file, `${JSON.stringify(message)}\n`);
      keep(message);
      if (++sinceCompaction >= compactEvery) {
        sinceCompaction = 0;
        compact();
      }
    },
  };
}

function parseLine(line: string): BrokerMessage | undefined {
  if (line.trim() === "") return undefined;
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value !== "object" || value === null) return undefined;
    const { channel, id, seq, data } = value as Record<string, unknown>;
    if (typeof channel !== "string" || typeof id !== "string" || !/^(0|[1-9][0-9]*)$/.test(id)) {
      return undefined;
    }
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) return undefined;
    return { channel, id, seq, data };
  } catch {
    return undefined;
  }
}
