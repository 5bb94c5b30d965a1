import type { Clock } from "./clock.js";
import type { Pace } from "./outbox.js";

/** How fast a server lets a connection send: `messages` frames per `per` milliseconds. */
export interface SendRate {
  readonly messages: number;
  readonly per: number;
}

// A server counting frames in fixed windows sees, in any window of `per`, at most the bucket's
// capacity plus what refills within it. Keeping the two at a tenth and seven tenths of the limit
// leaves a fifth for frames that bunch up on the way (TCP coalescing, timer jitter).
const BURST_SHARE = 0.1;
const RATE_SHARE = 0.7;

/** The pace a server's rate limit allows, as a token bucket: a frame goes out per token. */
export class TokenBucket implements Pace {
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
