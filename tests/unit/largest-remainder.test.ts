// splitLargestRemainder: hand-computed splits, and a property check against the rule written plainly
// (floor every share, hand the spare units out by remainder, largest first, ties to the lower index).
import { describe, expect, it } from 'vitest';
import { splitLargestRemainder } from '../../schemas/credit';

/** The rule as docs/attribution.md states it, with no care for speed: the reference. */
function reference(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => total * (w / sum));
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, key: Math.round((x - parts[i]) * 1e9) }))
    .filter(({ i }) => weights[i] > 0)
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .map(({ i }) => i);
  for (let k = 0; left > 0; k++, left--) parts[order[k % order.length]]++;
  for (let k = order.length - 1; left < 0; k = (k - 1 + order.length) % order.length) {
    if (parts[order[k]] > 0) {
      parts[order[k]]--;
      left++;
    }
  }
  return parts;
}

/** A seeded PRNG (mulberry32), so a failure names its case. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), seed | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('splitLargestRemainder', () => {
  it('splits by hand-computed examples', () => {
    expect(splitLargestRemainder(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(splitLargestRemainder(100, [0, 1, 2])).toEqual([0, 33, 67]);
    expect(splitLargestRemainder(5, [0.5, 0.25, 0.25])).toEqual([3, 1, 1]);
    // A zero weight never gets the spare unit, even when it comes first.
    expect(splitLargestRemainder(1, [0, 1, 1])).toEqual([0, 1, 0]);
    // Mathematically equal shares with float noise are a tie, won by the lower index.
    expect(splitLargestRemainder(1, [0.1 + 0.2, 0.3])).toEqual([1, 0]);
    expect(splitLargestRemainder(0, [1, 2])).toEqual([0, 0]);
    expect(splitLargestRemainder(7, [3])).toEqual([7]);
  });

  it('equals the plain rule on random weights, ties and totals, and always sums to the total', () => {
    const random = prng(20261201);
    for (let c = 0; c < 3_000; c++) {
      const n = 1 + Math.floor(random() * (c % 10 === 0 ? 400 : 40));
      const kind = c % 4;
      const weights = Array.from({ length: n }, () => {
        if (kind === 0) return 1; // linear: every remainder ties
        if (kind === 1) return random() < 0.3 ? 0 : Math.floor(random() * 5); // zeros and repeats
        if (kind === 2) return 1 / (1 + Math.floor(random() * 7)); // thirds, sevenths: float noise
        return random();
      });
      if (!weights.some((w) => w > 0)) weights[0] = 1;
      const total = c % 3 === 0 ? 1_000_000_000 : Math.floor(random() * 1e12);
      const got = splitLargestRemainder(total, weights);
      expect(got, `case ${c}`).toEqual(reference(total, weights));
      expect(got.reduce((a, b) => a + b, 0)).toBe(total);
    }
  });
});
