import {
  type Broker,
  type BrokerMessage,
  compareIds,
  isMessageId,
  type ReplayResult,
} from "./broker.js";
import { callEach } from "./callEach.js";
import { assertPositive, WirekitServerError } from "./errors.js";
import { createMemoryPresence } from "./memoryPresence.js";

export interface MemoryBrokerOptions {
  /**
   * Messages kept per channel for replay; older ones are dropped, and a client resuming from
   * before them gets `recovered: false`.
   * @default 1000
   */
  historySize?: number;
  /**
   * Messages to start from, oldest first: what `persist` wrote before a restart. Ids and `seq`
   * continue after them, so clients resume across the restart as if nothing happened.
   * @default []
   */
  restore?: Iterable<BrokerMessage>;
  /**
   * A write-ahead hook: called with each message, ids assigned, before any listener hears it
   * and before `publish` resolves. Append it to a file or a table; if this throws, the publish
   * rejects and nobody sees the message.
   */
  persist?: (message: BrokerMessage) => void;
  /**
   * Where numbering starts: a channel's first message gets id `epoch + 1`, the first message of
   * all gets seq `epoch + 1`. A broker that forgets everything when its process ends must never
   * give out an id a client still holds from before the restart, or that client would resume
   * from the wrong place and silently skip messages; so a fresh broker counts from the clock
   * (`Date.now() × 1000`: a restart overlaps old ids only after a thousand messages per
   * millisecond of uptime). With `restore`, numbering continues after the restored messages, and
   * channels it does not mention start from `epoch`.
   * @default Date.now() * 1000, or 0 with `restore`
   */
  epoch?: number;
}

interface ChannelLog {
  // A ring: `entries[(start + i) % capacity]` for i < count, oldest first.
  readonly entries: Array<BrokerMessage | undefined>;
  start: number;
  count: number;
  lastId: number;
  // The newest message that fell out of the ring: replays from before it are incomplete.
  evictedId: number;
  evictedSeq: number;
  readonly listeners: Set<(message: BrokerMessage) => void>;
}

/**
 * A broker for one process: per-channel ring buffers, ids `"1"`, `"2"`, … per channel and one
 * `seq` across all channels. Listeners are called synchronously inside `publish`, in order, so
 * none can miss a message and `onGap` is never called.
 * Nothing survives the process unless `persist` writes it down and `restore` reads it back; for
 * several processes, use `createRedisBroker` from `@wirekit/server/redis`.
 */
export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  const { historySize = 1000, restore, persist } = options;
  const { epoch = restore === undefined ? Date.now() * 1000 : 0 } = options;
  assertPositive("createMemoryBroker", "historySize", historySize);
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new WirekitServerError(
      "invalid-option",
      `createMemoryBroker: \`epoch\` must be a non-negative safe integer, got ${String(epoch)}.`,
    );
  }
  const capacity = Math.floor(historySize);
  const logs = new Map<string, ChannelLog>();
  let seq = epoch;

  const logOf = (channel: string): ChannelLog => {
    let log = logs.get(channel);
    if (log === undefined) {
      log = {
        entries: [],
        start: 0,
        count: 0,
        lastId: epoch,
        evictedId: epoch,
        evictedSeq: epoch,
        listeners: new Set(),
      };
      logs.set(channel, log);
    }
    return log;
  };

  const retained = (log: ChannelLog): BrokerMessage[] => {
    const list: BrokerMessage[] = [];
    for (let i = 0; i < log.count; i++) {
      const entry = log.entries[(log.start + i) % capacity];
      if (entry !== undefined) list.push(entry);
    }
    return list;
  };

  const store = (log: ChannelLog, message: BrokerMessage): void => {
    if (log.count < capacity) {
      log.entries[(log.start + log.count) % capacity] = message;
      log.count++;
    } else {
      const evicted = log.entries[log.start];
      if (evicted !== undefined) {
        log.evictedId = Number(evicted.id);
        log.evictedSeq = evicted.seq;
      }
      log.entries[log.start] = message;
      log.start = (log.start + 1) % capacity;
    }
  };

  for (const message of restore ?? []) {
    const log = logOf(message.channel);
    const id = Number(message.id);
    if (
      !isMessageId(message.id) ||
      id <= log.lastId ||
      !Number.isSafeInteger(message.seq) ||
      message.seq <= seq
    ) {
      throw new WirekitServerError(
        "invalid-option",
        `createMemoryBroker: \`restore\` must be in publish order; ${message.channel}#${message.id} (seq ${message.seq}) is not.`,
      );
    }
    if (log.count === 0 && id > epoch + 1) {
      // The messages before the first restored one are gone: resuming from before it is a gap.
      log.evictedId = id - 1;
      log.evictedSeq = message.seq - 1;
    }
    log.lastId = id;
    seq = message.seq;
    store(log, message);
  }

  return {
    async publish(channel, data) {
      const log = logOf(channel);
      const message: BrokerMessage = { channel, id: String(log.lastId + 1), seq: seq + 1, data };
      persist?.(message);
      log.lastId += 1;
      seq += 1;
      store(log, message);
      callEach(log.listeners, (listener) => listener(message));
      return { id: message.id, seq: message.seq };
    },

    subscribe(channel, listener) {
      const log = logOf(channel);
      // A distinct wrapper, so the same function subscribed twice is two subscriptions.
      const held = (message: BrokerMessage) => listener(message);
      log.listeners.add(held);
      return () => {
        log.listeners.delete(held);
        // A channel nobody published on is the same as none: keeping it would let any client
        // grow the server's memory with channel names of its choosing.
        if (log.listeners.size === 0 && log.count === 0 && logs.get(channel) === log) {
          logs.delete(channel);
        }
      };
    },

    async replay(channel, afterId): Promise<ReplayResult> {
      const log = logs.get(channel);
      const lastId = String(log?.lastId ?? epoch);
      // An id this broker never gave out (an earlier incarnation's, a forged one) cannot be trusted.
      if (!isMessageId(afterId) || compareIds(afterId, lastId) > 0) {
        return { messages: [], complete: false };
      }
      const complete = compareIds(afterId, String(log?.evictedId ?? epoch)) >= 0;
      if (log === undefined) return { messages: [], complete };
      const messages = retained(log).filter((message) => compareIds(message.id, afterId) > 0);
      return { messages, complete };
    },

    async replayStream(channels, afterSeq): Promise<ReplayResult> {
      if (!Number.isSafeInteger(afterSeq) || afterSeq < epoch || afterSeq > seq) {
        return { messages: [], complete: false };
      }
      let complete = true;
      const messages: BrokerMessage[] = [];
      for (const channel of new Set(channels)) {
        const log = logs.get(channel);
        if (log === undefined) continue;
        if (log.evictedSeq > afterSeq) complete = false;
        for (const message of retained(log)) if (message.seq > afterSeq) messages.push(message);
      }
      messages.sort((a, b) => a.seq - b.seq);
      return { messages, complete };
    },

    async position(channel) {
      return String(logs.get(channel)?.lastId ?? epoch);
    },

    async streamPosition() {
      return seq;
    },

    presence: createMemoryPresence(),
  };
}
