import type { Clock } from "./clock.js";
import { rethrowAsync } from "./rethrowAsync.js";
import { startTimer } from "./timers.js";

/** What to do with a message that does not fit in a full queue. */
export type QueueFullPolicy = "reject" | "drop-oldest";

/**
 * Why a message never went out:
 * - `rejected`: the queue was full (policy `reject`), or the message alone is over `maxBytes`;
 * - `evicted`: pushed out by a newer message (policy `drop-oldest`);
 * - `expired`: it waited longer than `ttl`;
 * - `cleared`: the connection was closed with it still queued.
 */
export type DropReason = "rejected" | "evicted" | "expired" | "cleared";

export interface OutgoingQueueOptions {
  /**
   * The most messages waiting at once.
   * @default 1000
   */
  maxMessages?: number;
  /**
   * The most bytes (UTF-8 for text) waiting at once.
   * @default 1_048_576 (1 MiB)
   */
  maxBytes?: number;
  /**
   * Milliseconds a message may wait for a connection before it is dropped as stale. Time spent
   * behind the server's rate limit while connected does not count. `Infinity` keeps it until sent.
   * @default 30_000
   */
  ttl?: number;
  /**
   * What a full queue does with one more message: refuse it, or make room by dropping the oldest.
   * @default "reject"
   */
  whenFull?: QueueFullPolicy;
}

/** Every drop so far, by reason. */
export type DropCounts = Readonly<Record<DropReason, number>>;

/** What a queued message's sender hears about it. */
export interface SendHandlers {
  /** The message reached the socket. */
  onSent?: () => void;
  /** The message never will, and why. */
  onDrop?: (reason: DropReason) => void;
}

interface Entry {
  readonly data: string | ArrayBuffer | ArrayBufferView;
  readonly bytes: number;
  readonly expiresAt: number;
  readonly handlers: SendHandlers;
}

/**
 * Messages waiting for a connection, in order, bounded by count and bytes, each with a time to
 * live. Nothing leaves it silently: every message is either handed to `flush` or dropped with a
 * reason, told to its `onDrop` and counted.
 */
export class OutgoingQueue {
  readonly #maxMessages: number;
  readonly #maxBytes: number;
  readonly #ttl: number;
  readonly #whenFull: QueueFullPolicy;
  readonly #clock: Clock;
  readonly #onChange: () => void;
  #entries: Entry[] = [];
  #bytes = 0;
  #cancelExpiry: (() => void) | undefined;
  // Expiry runs on "waiting time": the clock minus the time a connection was taking messages.
  #heldSince: number | undefined;
  #heldTotal = 0;
  #dropped: Record<DropReason, number> = { rejected: 0, evicted: 0, expired: 0, cleared: 0 };

  constructor(options: OutgoingQueueOptions & { clock: Clock; onChange?: () => void }) {
    const {
      maxMessages = 1000,
      maxBytes = 1024 * 1024,
      ttl = 30_000,
      whenFull = "reject",
      clock,
      onChange = () => {},
    } = options;
    if (whenFull !== "reject" && whenFull !== "drop-oldest") {
      throw new TypeError(
        `OutgoingQueue: \`whenFull\` must be "reject" or "drop-oldest", got ${JSON.stringify(whenFull)}.`,
      );
    }
    this.#maxMessages = maxMessages;
    this.#maxBytes = maxBytes;
    this.#ttl = ttl;
    this.#whenFull = whenFull;
    this.#clock = clock;
    this.#onChange = onChange;
  }

  /** Messages waiting. */
  get size(): number {
    return this.#entries.length;
  }

  /** Bytes waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Drops so far, by reason. */
  get dropped(): DropCounts {
    return { ...this.#dropped };
  }

  /**
   * Queues `data`; `onSent` hears when it goes out, `onDrop` if it never does. Returns false when
   * it was refused (and `onDrop` was told `rejected`).
   */
  enqueue(data: string | ArrayBuffer | ArrayBufferView, handlers: SendHandlers = {}): boolean {
    const bytes = byteLength(data);
    const fits = () =>
      this.#entries.length < this.#maxMessages && this.#bytes + bytes <= this.#maxBytes;
    if (bytes > this.#maxBytes || (!fits() && this.#whenFull === "reject")) {
      this.#count("rejected");
      notify(handlers.onDrop, "rejected");
      this.#onChange();
      return false;
    }
    while (!fits()) {
      const oldest = this.#entries.shift();
      if (oldest === undefined) break;
      this.#bytes -= oldest.bytes;
      this.#count("evicted");
      notify(oldest.handlers.onDrop, "evicted");
    }
    this.#entries.push({ data, bytes, expiresAt: this.#waited() + this.#ttl, handlers });
    this.#bytes += bytes;
    this.#armExpiry();
    this.#onChange();
    return true;
  }

  /** Hands every waiting message to `send`, oldest first, and empties the queue. */
  flush(send: (data: string | ArrayBuffer | ArrayBufferView) => void): void {
    this.#expire();
    this.#drain((entry) => {
      send(entry.data);
      notify(entry.handlers.onSent);
    });
  }

  /**
   * Hands waiting messages to `trySend`, oldest first, until it returns false (the pace is spent,
   * or the socket is closing): that message and the ones behind it stay queued, in order.
   */
  drain(trySend: (data: string | ArrayBuffer | ArrayBufferView) => boolean): void {
    this.#expire();
    let sent = 0;
    for (const entry of this.#entries) {
      if (!trySend(entry.data)) break;
      sent++;
      this.#bytes -= entry.bytes;
      notify(entry.handlers.onSent);
    }
    if (sent === 0) return;
    this.#entries.splice(0, sent);
    if (this.#entries.length === 0) this.#disarmExpiry();
    this.#onChange();
  }

  /**
   * While a connection is taking messages (`true`), waiting does not age them: a message that
   * reached a connection is not stale for queueing behind the server's rate limit.
   */
  hold(held: boolean): void {
    const now = this.#clock.now();
    if (held && this.#heldSince === undefined) {
      this.#expire();
      this.#heldSince = now;
      this.#disarmExpiry();
    } else if (!held && this.#heldSince !== undefined) {
      this.#heldTotal += now - this.#heldSince;
      this.#heldSince = undefined;
      this.#armExpiry();
    }
  }

  /** Drops every waiting message as `cleared`. */
  clear(): void {
    this.#drain((entry) => {
      this.#count("cleared");
      notify(entry.handlers.onDrop, "cleared");
    });
  }

  /** Empties the queue, handing each message to `each` in order, then reports the change. */
  #drain(each: (entry: Entry) => void): void {
    const entries = this.#entries;
    if (entries.length === 0) return;
    this.#entries = [];
    this.#bytes = 0;
    this.#disarmExpiry();
    for (const entry of entries) each(entry);
    this.#onChange();
  }

  /** Milliseconds of waiting so far: the clock, less the time a connection held the queue. */
  #waited(): number {
    const now = this.#clock.now();
    return now - this.#heldTotal - (this.#heldSince === undefined ? 0 : now - this.#heldSince);
  }

  #expire(): void {
    if (this.#heldSince !== undefined) return;
    const now = this.#waited();
    let expired = 0;
    // Entries are in enqueue order and share one ttl, so they expire in order too.
    while (expired < this.#entries.length && (this.#entries[expired] as Entry).expiresAt <= now) {
      expired++;
    }
    if (expired === 0) return;
    const gone = this.#entries.splice(0, expired);
    for (const entry of gone) {
      this.#bytes -= entry.bytes;
      this.#count("expired");
      notify(entry.handlers.onDrop, "expired");
    }
    this.#onChange();
  }

  #armExpiry(): void {
    if (
      this.#cancelExpiry !== undefined ||
      this.#heldSince !== undefined ||
      !Number.isFinite(this.#ttl)
    ) {
      return;
    }
    const head = this.#entries[0];
    if (head === undefined) return;
    this.#cancelExpiry = startTimer(this.#clock, head.expiresAt - this.#waited(), () => {
      this.#cancelExpiry = undefined;
      this.#expire();
      this.#armExpiry();
    });
  }

  #disarmExpiry(): void {
    this.#cancelExpiry?.();
    this.#cancelExpiry = undefined;
  }

  #count(reason: DropReason): void {
    this.#dropped[reason] += 1;
  }
}

function notify<A extends unknown[]>(
  handler: ((...args: A) => void) | undefined,
  ...args: A
): void {
  try {
    handler?.(...args);
  } catch (error) {
    rethrowAsync(error);
  }
}

/** UTF-8 bytes of a string, counted without encoding it; bytes of a buffer. */
function byteLength(data: string | ArrayBuffer | ArrayBufferView): number {
  if (typeof data !== "string") return data.byteLength;
  let bytes = 0;
  for (let index = 0; index < data.length; index++) {
    const code = data.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && index + 1 < data.length) {
      // A surrogate pair is one four-byte character.
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}
