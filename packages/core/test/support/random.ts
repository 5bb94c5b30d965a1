/** A seeded PRNG (mulberry32): the same seed gives the same split points on every run. */
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

/** Cuts `input` at `count` random points (sorted, distinct, inside the input). */
export function splitAtRandom(
  input: Uint8Array,
  count: number,
  random: () => number,
): Uint8Array[] {
  const points = new Set<number>();
  while (input.length > 1 && points.size < Math.min(count, input.length - 1)) {
    points.add(1 + Math.floor(random() * (input.length - 1)));
  }
  const sorted = [...points].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of sorted) {
    chunks.push(input.subarray(start, point));
    start = point;
  }
  chunks.push(input.subarray(start));
  return chunks;
}
