// A credit report's row order (edge/src/query/report-order.ts): the fast sort gives exactly the order of a
// sort by the comparator, whatever the sums (ties in cents, units and spend, negative cents, cents past 2^53).
import { describe, expect, it } from 'vitest';
import type { ModelSums } from '../../edge/src/attribution/rollup-rows';
import { bySums, sortByReportOrder } from '../../edge/src/query/report-order';

/** A small seeded PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
}

type Entry = [string, ModelSums];

function entries(seed: number, n: number, opts: { centsRange: number; negative?: boolean; big?: boolean }): Entry[] {
  const r = prng(seed);
  const out: Entry[] = [];
  for (let i = 0; i < n; i++) {
    // Few distinct values, so that cents, units and spend tie often.
    const cents = r(opts.centsRange) * (opts.negative && r(3) === 0 ? -1 : 1);
    const s: ModelSums = { units: r(4) * 250_000_000, cents, touches: r(5) };
    if (opts.big && r(10) === 0) {
      s.bigCents = 9_007_199_254_740_993n * BigInt(r(3));
      s.cents = r(100);
    }
    out.push([`key${r(1000).toString(36)}-${i}`, s]);
  }
  return out;
}

function spendOf(seed: number, list: Entry[]): Map<string, bigint> {
  const r = prng(seed);
  return new Map(list.filter(() => r(2) === 0).map(([k]) => [k, BigInt(r(4) * 100)]));
}

const keysOf = (list: Entry[]) => list.map(([k]) => k);

describe('sortByReportOrder', () => {
  it('orders exactly as the comparator does, with and without spend', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const list = entries(seed, 1 + (seed * 37) % 400, { centsRange: seed % 3 === 0 ? 3 : 50_000, negative: seed % 2 === 0 });
      for (const spend of [null, spendOf(seed, list)]) {
        const expected = keysOf([...list].sort(bySums(spend)));
        expect(keysOf(sortByReportOrder([...list], spend)), `seed ${seed}`).toEqual(expected);
      }
    }
  });

  it('orders cents past 2^53 and spans of cents too wide to pack as the comparator does', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const big = entries(seed, 200, { centsRange: 1000, big: true });
      expect(keysOf(sortByReportOrder([...big]))).toEqual(keysOf([...big].sort(bySums())));
      const wide = entries(seed, 200, { centsRange: 1000 });
      wide[0][1].cents = Number.MAX_SAFE_INTEGER;
      wide[1][1].cents = -Number.MAX_SAFE_INTEGER;
      expect(keysOf(sortByReportOrder([...wide]))).toEqual(keysOf([...wide].sort(bySums())));
    }
  });

  it('sorts in place and returns the same array, as Array.prototype.sort does', () => {
    const list = entries(7, 50, { centsRange: 10 });
    expect(sortByReportOrder(list)).toBe(list);
    expect(sortByReportOrder([])).toEqual([]);
  });
});
