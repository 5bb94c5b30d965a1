import type { Clock } from "./clock.js";
import { ConnectionError } from "./errors.js";
import {
  type DropCounts,
  OutgoingQueue,
  type OutgoingQueueOptions,
  type SendHandlers,
} from "./outgoingQueue.js";
import { rethrowAsync } from "./rethrowAsync.js";
import { startTimer } from "./timers.js";

/** How fast a server lets a connection send: `messages` frames per `per` milliseconds. */
export interface SendRate {
  readonly messages: number;
  readonly per: number;
}

/** A frame a WebSocket takes. */
export type Frame = string | ArrayBuffer | ArrayBufferView;

// A server counting frames in fixed windows sees, in any window of `per`, at most the bucket's
// capacity plus what refills within it. Keeping the two at a tenth and seven tenths of the limit
// leaves a fifth for frames that bunch up on the way (TCP coalescing, timer jitter).
const BURST_SHARE = 0.1;
const NO_DROPS: DropCounts = { rejected: 0, evicted: 0, expired: 0, cleared: 0 };
const RATE_SHARE = 0.7;

/** A token bucket: frames may go out while it holds a token. */
class TokenBucket {
  readonly #clock: Clock;
  readonly #capacity: number;
  readonly #perMillisecond: number;
  #tokens: number;
  #at: number;

  constructor(rate: SendRate, clock: Clock) {
    this.#clock = clock;
    this.#capacity = Math.max(1, Math.floor(rate.messages * BURST_SHARE));
    this.#perMillisecond = (rate.messages * RATE_SHARE) / rate.per;
    this.#tokens = this.#capacity;
    this.#at = clock.now();
  }

  /** Takes a token if one is there. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Counts a frame that had to go at once (a ping, a pong): the frames behind it wait longer. */
  charge(): void {
    this.#refill();
    this.#tokens -= 1;
  }

  /** Milliseconds until the next token. */
  wait(): number {
    this.#refill();
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMillisecond));
  }

  #refill(): void {
    const now = this.#clock.now();
    // A clock that jumped back (a changed system time) refills nothing rather than going negative.
    const elapsed = Math.max(0, now - this.#at);
    this.#at = now;
    this.#tokens = Math.min(this.#capacity, this.#tokens + elapsed * this.#perMillisecond);
  }
}

export interface OutboxOptions {
  queue: OutgoingQueueOptions | false;
  /** The first frame of every session (credentials), before anything else. */
  hello: (() => Frame) | undefined;
  clock: Clock;
  /** The queue's size or drop counts changed. */
  onChange: () => void;
  /** A write found the socket closing: the connection is lost, its close event is on the way. */
  onClosing: () => void;
}

/**
 * What a WebSocket connection sends, in order: the frames a new session must start with (a
 * hello, subscriptions), then what waited in the outgoing queue, then live sends — never faster
 * than the server allows, once it said how fast that is. While no session is open, sends wait in
 * the queue; control frames are dropped, since every new session sends its own again.
 */
export class Outbox {
  readonly #clock: Clock;
  readonly #queue: OutgoingQueue | undefined;
  readonly #onClosing: () => void;
  readonly #control: Frame[] = [];
  readonly #hello: (() => Frame) | undefined;
  readonly #sessionOpenHandlers = new Set<(send: (data: Frame) => void) => void>();
  #bucket: TokenBucket | undefined;
  #rate: SendRate | undefined;
  #write: ((data: Frame) => boolean) | undefined;
  #cancelDrain: (() => void) | undefined;

  constructor(options: OutboxOptions) {
    const { queue, hello, clock, onChange, onClosing } = options;
    this.#clock = clock;
    this.#onClosing = onClosing;
    this.#hello = hello;
    this.#queue = queue === false ? undefined : new OutgoingQueue({ ...queue, clock, onChange });
  }

  /** Messages waiting in the queue. */
  get queued(): number {
    return this.#queue?.size ?? 0;
  }

  /** Messages the queue dropped, whatever the reason (full, expired, cleared). */
  get dropped(): number {
    const { rejected, evicted, expired, cleared } = this.#queue?.dropped ?? NO_DROPS;
    return rejected + evicted + expired + cleared;
  }

  /** The server's rate limit, as last set by `pace`. */
  get rate(): SendRate | undefined {
    return this.#rate;
  }

  /**
   * Calls `handler` each time a session opens (and now, if one is open), with a `send` for frames
   * that session needs before anything queued, such as a channel client's subscriptions.
   */
  onSessionOpen(handler: (send: (data: Frame) => void) => void): () => void {
    this.#sessionOpenHandlers.add(handler);
    if (this.#write !== undefined) handler((data) => this.sendControl(data));
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
    const first: Frame[] = [];
    const attempt = (step: () => void) => {
      try {
        step();
      } catch (error) {
        rethrowAsync(error);
      }
    };
    const hello = this.#hello;
    if (hello !== undefined) attempt(() => first.push(hello()));
    let opening = true;
    const send = (data: Frame) => {
      if (this.#write !== write && !opening) return;
      if (opening) first.push(data);
      else this.sendControl(data);
    };
    for (const handler of [...this.#sessionOpenHandlers]) attempt(() => handler(send));
    opening = false;
    this.#write = write;
    this.#control.push(...first);
    this.#queue?.hold(true);
    this.drain();
  }

  /** The session is gone: its control frames go with it; the queue waits for the next one. */
  detach(): void {
    this.#write = undefined;
    this.#control.length = 0;
    this.#cancelDrain?.();
    this.#cancelDrain = undefined;
    this.#queue?.hold(false);
  }

  /** Sends no faster than `rate` from now on; `undefined` sends as fast as the socket takes. */
  pace(rate: SendRate | undefined): void {
    this.#rate = rate;
    this.#bucket = rate === undefined ? undefined : new TokenBucket(rate, this.#clock);
    this.drain();
  }

  /** A frame the session needs before anything queued: a hello, a subscription. */
  sendControl(data: Frame): void {
    if (this.#write === undefined) return;
    this.#control.push(data);
    this.drain();
  }

  /** A frame that cannot wait for the pace (a ping or a pong); false when there is no session. */
  sendNow(data: Frame): boolean {
    if (this.#write === undefined || !this.#write(data)) return false;
    this.#bucket?.charge();
    return true;
  }

  /**
   * Sends `data` now if the session and the pace allow, else queues it behind what waits.
   * Returns false when the queue refused it; with the queue off, throws while no session is open.
   */
  send(data: Frame | Blob, handlers: SendHandlers): boolean {
    const write = this.#write;
    if (isBlob(data)) {
      // A Blob is read asynchronously by the socket, so it cannot wait its turn in the queue.
      if (write === undefined || !write(data as unknown as Frame)) {
        throw new TypeError("Connection.send: a Blob cannot be queued; send an ArrayBuffer.");
      }
      handlers.onSent?.();
      return true;
    }
    const queue = this.#queue;
    if (queue === undefined) {
      if (write === undefined || !write(data)) {
        throw new ConnectionError(
          "network",
          "Cannot send while the connection is not open, and the queue is off.",
        );
      }
      this.#bucket?.charge();
      handlers.onSent?.();
      return true;
    }
    if (
      write !== undefined &&
      this.#control.length === 0 &&
      queue.size === 0 &&
      (this.#bucket === undefined || this.#bucket.take())
    ) {
      if (write(data)) {
        handlers.onSent?.();
        return true;
      }
      this.#onClosing();
    }
    const accepted = queue.enqueue(data, handlers);
    this.drain();
    return accepted;
  }

  /** Writes what the session and the pace allow, in order, and comes back for the rest. */
  drain(): void {
    const write = this.#write;
    if (write === undefined) return;
    const next = (data: Frame) => {
      if (this.#write !== write || (this.#bucket !== undefined && !this.#bucket.take())) {
        return false;
      }
      if (write(data)) return true;
      this.#onClosing();
      return false;
    };
    while (this.#control.length > 0 && next(this.#control[0] as Frame)) this.#control.shift();
    if (this.#control.length === 0) this.#queue?.drain(next);
    const waiting = this.#control.length + (this.#queue?.size ?? 0);
    if (waiting === 0 || this.#write !== write || this.#cancelDrain !== undefined) return;
    const bucket = this.#bucket;
    if (bucket === undefined) return;
    this.#cancelDrain = startTimer(this.#clock, bucket.wait(), () => {
      this.#cancelDrain = undefined;
      this.drain();
    });
  }

  /** Drops everything queued as `cleared`: the connection was closed for good. */
  clear(): void {
    this.#queue?.clear();
  }
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== "undefined" && value instanceof Blob;
}
