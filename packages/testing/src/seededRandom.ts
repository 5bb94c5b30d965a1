/**
 * A seeded pseudo-random source (mulberry32) returning numbers in [0, 1): the same seed gives
 * the same sequence, so jitter and random splits are reproducible in tests.
 *
 * @example
 * new ConnectionManager({ clock }).acquire(eventStreamEndpoint({ url, retryDelay: exponentialBackoff({ random: seededRandom(1) }) }));
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
