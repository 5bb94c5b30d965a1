// Latencies of several processes' subscribers, merged into one distribution: each process sends
// counts of its latencies rounded to three significant digits (a few thousand pairs at most,
// where the latencies themselves are up to a million numbers), and the percentiles of the sum
// are within 0.5% of the exact ones. Latencies still running when measuring stopped are
// counted apart, as lower bounds.

/** @typedef {[value: number, count: number][]} Buckets Ascending by value. */

/**
 * `value` to three significant digits; below 1,000 to the unit.
 * @param {number} value
 */
function rounded(value) {
  if (value < 1000) return Math.round(value);
  const step = 10 ** (Math.floor(Math.log10(value)) - 2);
  return Math.round(value / step) * step;
}

/**
 * @param {ArrayLike<number>} values
 * @returns {Buckets}
 */
export function bucketsOf(values) {
  /** @type {Map<number, number>} */
  const counts = new Map();
  for (let index = 0; index < values.length; index++) {
    const value = rounded(values[index] ?? 0);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts].sort(([a], [b]) => a - b);
}

/**
 * @param {Buckets[]} lists
 * @returns {Buckets}
 */
export function mergeBuckets(lists) {
  /** @type {Map<number, number>} */
  const counts = new Map();
  for (const [value, count] of lists.flat()) counts.set(value, (counts.get(value) ?? 0) + count);
  return [...counts].sort(([a], [b]) => a - b);
}

/**
 * The value at `share` (nearest rank, as bench/underAttack.js's percentiles) of `heard` and
 * `censored` together, NaN when both are empty. A censored value is a lower bound: the latency
 * was more, not yet known when measuring stopped. So the percentile is one too (`atLeast`) when
 * its rank falls on a censored value or above one, which may really lie higher.
 * @param {Buckets} heard
 * @param {number} share
 * @param {Buckets} [censored]
 * @returns {{ value: number, atLeast: boolean }}
 */
export function percentileOf(heard, share, censored = []) {
  const entries = [
    ...heard.map(([value, count]) => ({ value, count, censored: false })),
    ...censored.map(([value, count]) => ({ value, count, censored: true })),
  ].sort((a, b) => a.value - b.value);
  const total = entries.reduce((sum, { count }) => sum + count, 0);
  const rank = Math.max(1, Math.ceil(share * total));
  let seen = 0;
  let censoredBelow = false;
  for (const entry of entries) {
    seen += entry.count;
    censoredBelow ||= entry.censored;
    if (seen >= rank) return { value: entry.value, atLeast: censoredBelow };
  }
  return { value: Number.NaN, atLeast: false };
}
