/** How many frames a connection may send: `messages` per `per` milliseconds. */
export interface RateLimit {
  /** @default 100 */
  messages: number;
  /** Milliseconds. @default 1000 */
  per: number;
}

/**
 * - `ok`: within the limit;
 * - `limited`: over it: refuse the frame;
 * - `abusive`: still sending at twice the limit after being told: close the connection.
 */
export type RateVerdict = "ok" | "limited" | "abusive";

/** A fixed-window frame counter for one connection. */
export function createRateLimiter(
  limit: RateLimit,
  now: () => number = () => performance.now(),
): () => RateVerdict {
  let windowStart = now();
  let count = 0;
  return () => {
    const time = now();
    if (time - windowStart >= limit.per) {
      windowStart = time;
      count = 0;
    }
    count++;
    if (count <= limit.messages) return "ok";
    return count > 2 * limit.messages ? "abusive" : "limited";
  };
}
