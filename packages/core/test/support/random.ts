import { seededRandom } from "@wirekit/testing";

export { seededRandom };

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
