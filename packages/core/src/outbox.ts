import type { Clock } from "./clock.js";
import { ConnectionError } from "./errors.js";
import { callEach, callSafely } from "./rethrowAsync.js";
import { startTimer } from "./timers.js";

// Bundlers replace `process.env.NODE_ENV`; the `typeof` keeps unbundled browser modules working
// (`=== "object"`: esbuild drops that whole from a production bundle; `!== "undefined"` it keeps).
declare const process: { env: { NODE_ENV?: string } };

/** A frame a WebSocket takes. */
export type Frame = string | ArrayBuffer | ArrayBufferView;

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

/** What a message's sender hears about it. */
export interface SendHandlers {
  /** The message reached the socket. */
  onSent?: () => void;
  /** The message never will, and why. */
  onDrop?: (reason: DropReason) => void;
}

/**
 * How fast frames may go out (a channel server's limit, PROTOCOL.md `limits`): `take` a turn
 * before each frame; `charge` one that could not wait; `wait` is how long until the next turn.
 */
export interface Pace {
  take(): boolean;
  charge(): void;
  wait(): number;
}

export interface OutboxOptions {
  queue: OutgoingQueueOptions | false;
  /** The first frame of every session (credentials), before anything else. */
  hello: (() => Frame) | undefined;
  clock: Clock;
  /** What is queued or dropped changed. */
  onChange: () => void;
  /** A write found the socket closing: the connection is lost, its close event is on the way. */
  onClosing: () => void;
}

interface Queued {
  readonly data: Frame;
  readonly bytes: number;
  // Moves later by the time sessions held the message: see `detach`.
  expiresAt: number;
  readonly handlers: SendHandlers;
}

/**
 * What a WebSocket connection sends, in order: the frames a new session must start with (a
 * hello, subscriptions), then what waited in the queue, then live sends — never faster than
 * the pace, once there is one. While no session is open, sends wait in a queue bounded by count
 * and bytes, each with a time to live; control frames are dropped instead, since every new
 * session sends its own again. Nothing leaves the queue silently: a message is sent, or dropped
 * with a reason told to its `onDrop` and counted.
 */
export class Outbox {
  readonly #clock: Clock;
  readonly #limits: Required<OutgoingQueueOptions> | undefined;
  readonly #onChange: () => void;
  readonly #onClosing: () => void;
  readonly #control: Frame[] = [];
  readonly #sessionOpenHandlers = new Set<(send: (data: Frame) => void) => void>();
  readonly #queue: Queued[] = [];
  #bytes = 0;
  #dropped = 0;
  // When the open session began taking messages; while one is, they do not age.
  #heldSince: number | undefined;
  #pace: Pace | undefined;
  #write: ((data: Frame) => boolean) | undefined;
  // The session whose handlers `open` is calling: their frames line up until it takes them.
  #opening: ((data: Frame) => boolean) | undefined;
  // Set while a timer runs: while a session is open, the one that waits for the pace's next
  // turn; while none is, the one that waits to drop the oldest message.
  #cancelTimer: (() => void) | undefined;

  constructor(options: OutboxOptions) {
    const { queue, hello, clock, onChange, onClosing } = options;
    this.#clock = clock;
    this.#onChange = onChange;
    this.#onClosing = onClosing;
    if (queue !== false) {
      const {
        maxMessages = 1000,
        maxBytes = 1024 * 1024,
        ttl = 30_000,
        whenFull = "reject",
      } = queue;
      if (
        typeof process === "object" &&
        process.env.NODE_ENV !== "production" &&
        whenFull !== "reject" &&
        whenFull !== "drop-oldest"
      ) {
        throw new TypeError(`queue.whenFull: "reject" or "drop-oldest", not ${String(whenFull)}.`);
      }
      this.#limits = { maxMessages, maxBytes, ttl, whenFull };
    }
    // Credentials go first, before any other session frame.
    if (hello !== undefined) this.#sessionOpenHandlers.add((send) => send(hello()));
  }

  /** Messages waiting in the queue. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Messages the queue dropped, whatever the reason. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Calls `handler` each time a session opens (and now, if one is open), with a `send` for frames
   * that session needs before anything queued, such as a channel client's subscriptions.
   */
  onSessionOpen(handler: (send: (data: Frame) => void) => void): () => void {
    this.#sessionOpenHandlers.add(handler);
    if (this.#write !== undefined) handler(this.#sendFor(this.#write));
    return () => {
      this.#sessionOpenHandlers.delete(handler);
    };
  }

  /**
   * A session opened: `write` puts a frame on its socket and returns false when the socket is
   * closing. The hello goes first (credentials), the session handlers' frames next
   * (subscriptions), then what waited in the queue, in order.
   */
  open(write: (data: Frame) => boolean): void {
    // Nothing drains until `#write` is set: every handler's frames line up before the queue's turn.
    this.#opening = write;
    callEach(this.#sessionOpenHandlers, this.#sendFor(write));
    // A handler may have ended the session (`detach`): then it takes nothing.
    if (this.#opening !== write) return;
    this.#opening = undefined;
    this.#write = write;
    if (this.#heldSince === undefined) {
      this.#expire();
      this.#heldSince = this.#clock.now();
      this.#stopTimer();
    }
    this.drain();
  }

  /** The session is gone: its control frames go with it; the queue waits for the next one. */
  detach(): void {
    this.#opening = this.#write = undefined;
    this.#control.length = 0;
    const heldSince = this.#heldSince;
    if (heldSince === undefined) return;
    this.#stopTimer();
    // The time a session held the queue does not count against the ttl: a message that reached
    // a connection is not stale for queueing behind the pace.
    const held = this.#clock.now() - heldSince;
    for (const entry of this.#queue) entry.expiresAt += held;
    this.#heldSince = undefined;
    this.#armExpiry();
  }

  /** Sends no faster than `pace` from now on; `undefined` sends as fast as the socket takes. */
  pace(pace: Pace | undefined): void {
    this.#pace = pace;
    this.drain();
  }

  /** A send for one session's frames: they line up while it opens, and go nowhere once it ended. */
  #sendFor(write: (data: Frame) => boolean): (data: Frame) => void {
    return (data) => {
      if (this.#opening === write) this.#control.push(data);
      else if (this.#write === write) {
        this.#control.push(data);
        this.drain();
      }
    };
  }

  /**
   * A frame that cannot wait for the pace (a ping); false when there is no session, or while its
   * first frames still wait for their turn: a server that wants the hello first refuses the rest.
   */
  sendNow(data: Frame): boolean {
    if (this.#write === undefined || this.#control.length > 0 || !this.#write(data)) return false;
    this.#pace?.charge();
    return true;
  }

  /**
   * Sends `data` now if the session and the pace allow, else queues it behind what waits.
   * Returns false when the queue refused it; with the queue off, throws while no session is open.
   */
  send(data: Frame | Blob, handlers: SendHandlers): boolean {
    const limits = this.#limits;
    // A Blob is read asynchronously by the socket, so it cannot wait its turn in a queue.
    const blob = typeof Blob !== "undefined" && data instanceof Blob;
    // Without a queue it goes now or never; with one, now only if nothing waits ahead of it.
    const now = blob || limits === undefined;
    const waiting = this.#control.length + this.#queue.length > 0;
    if (now ? this.sendNow(data as Frame) : !waiting && this.#writeInTurn(data as Frame)) {
      callSafely(handlers.onSent);
      return true;
    }
    if (blob) throw new TypeError("Connection.send: a Blob cannot be queued; send an ArrayBuffer.");
    if (limits === undefined) {
      throw new ConnectionError("network", "Not open, and the queue is off.");
    }
    const accepted = this.#enqueue(data as Frame, handlers, limits);
    this.drain();
    return accepted;
  }

  /** Writes what the session and the pace allow, in order, and comes back for the rest. */
  drain(): void {
    const control = this.#control;
    const queue = this.#queue;
    while (control.length > 0 && this.#writeInTurn(control[0] as Frame)) control.shift();
    let sent = false;
    while (
      control.length === 0 &&
      queue.length > 0 &&
      this.#writeInTurn((queue[0] as Queued).data)
    ) {
      const entry = queue.shift() as Queued;
      this.#bytes -= entry.bytes;
      sent = true;
      callSafely(entry.handlers.onSent);
    }
    if (sent) this.#onChange();
    const pace = this.#pace;
    const waiting = control.length + queue.length > 0;
    if (waiting && pace !== undefined && this.#write !== undefined && !this.#cancelTimer) {
      this.#cancelTimer = startTimer(this.#clock, pace.wait(), () => {
        this.#cancelTimer = undefined;
        this.drain();
      });
    }
  }

  /** Drops everything queued as `cleared`: the connection was closed for good. */
  clear(): void {
    this.#drop(this.#queue.length, "cleared");
  }

  /** Writes `data` on the session if the pace gives it a turn; a refusing socket is closing. */
  #writeInTurn(data: Frame): boolean {
    const write = this.#write;
    if (write === undefined || (this.#pace !== undefined && !this.#pace.take())) return false;
    if (write(data)) return true;
    this.#onClosing();
    return false;
  }

  #enqueue(data: Frame, handlers: SendHandlers, limits: Required<OutgoingQueueOptions>): boolean {
    const bytes = byteLength(data);
    const fits = () =>
      this.#queue.length < limits.maxMessages && this.#bytes + bytes <= limits.maxBytes;
    // Room is made by dropping the oldest where allowed, but never for what no room would fit.
    if (limits.whenFull !== "reject" && bytes <= limits.maxBytes) {
      while (this.#queue.length > 0 && !fits()) this.#drop(1, "evicted");
    }
    if (!fits()) {
      this.#dropped++;
      callSafely(handlers.onDrop, "rejected");
      this.#onChange();
      return false;
    }
    this.#queue.push({
      data,
      bytes,
      expiresAt: (this.#heldSince ?? this.#clock.now()) + limits.ttl,
      handlers,
    });
    this.#bytes += bytes;
    this.#armExpiry();
    this.#onChange();
    return true;
  }

  /** Drops the `count` oldest queued messages for `reason`. */
  #drop(count: number, reason: DropReason): void {
    if (count === 0) return;
    const gone = this.#queue.splice(0, count);
    this.#dropped += count;
    for (const entry of gone) {
      this.#bytes -= entry.bytes;
      callSafely(entry.handlers.onDrop, reason);
    }
    // Without a session the timer is the expiry's, and nothing is left to expire.
    if (this.#queue.length === 0 && this.#heldSince === undefined) this.#stopTimer();
    this.#onChange();
  }

  #expire(): void {
    const now = this.#clock.now();
    // Messages are in send order and share one ttl, so they expire in order too.
    const expired = this.#queue.findIndex((entry) => entry.expiresAt > now);
    this.#drop(expired === -1 ? this.#queue.length : expired, "expired");
  }

  #armExpiry(): void {
    const head = this.#queue[0];
    if (head === undefined || this.#heldSince !== undefined || this.#cancelTimer) return;
    if (!Number.isFinite(head.expiresAt)) return;
    this.#cancelTimer = startTimer(this.#clock, head.expiresAt - this.#clock.now(), () => {
      this.#cancelTimer = undefined;
      this.#expire();
      this.#armExpiry();
    });
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}

/**
 * UTF-8 bytes of a string, bytes of a buffer: what limits in bytes count. The outbox measures
 * only a message that waits, so the copy the encoder makes costs nothing on the way out.
 */
export function byteLength(data: Frame): number {
  return typeof data === "string" ? new TextEncoder().encode(data).byteLength : data.byteLength;
}
