// The order of a credit report's rows (pure): revenue, then conversions (both descending), then spend
// (descending), then key — exactly, with cents past 2^53 in BigInt — and a sort by it that stays cheap for
// reports of thousands of keys.
import { totalCents, type ModelSums } from '../attribution/rollup-rows';

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byBig = (a: bigint, b: bigint) => (a > b ? 1 : a < b ? -1 : 0);
/** Cents ascending, exactly: as numbers while both are safe integers (the difference of two has the right sign), else in BigInt. */
const byCents = (a: ModelSums, b: ModelSums) => (a.bigCents === undefined && b.bigCents === undefined ? a.cents - b.cents : byBig(totalCents(a), totalCents(b)));

/** Revenue, then conversions (descending), then spend (descending: keys with spend and no credit), then key. */
export const bySums =
  (spend?: ReadonlyMap<string, bigint> | null) =>
  // Indexes, not destructuring: a sort of thousands of keys calls this tens of thousands of times.
  (x: [string, ModelSums], y: [string, ModelSums]) =>
    byCents(y[1], x[1]) || y[1].units - x[1].units || (spend ? byBig(spend.get(y[0]) ?? 0n, spend.get(x[0]) ?? 0n) : 0) || byText(x[0], y[0]);

/**
 * Sorts `entries` in place by bySums(spend). The comparator is a total order (keys differ), so any
 * correct sort gives the same result; this one orders by cents first with the engine's numeric sort of
 * one Float64Array — each entry's cents (descending) and index packed into one exact integer — and runs
 * the comparator only within runs of equal cents. A sort by the comparator alone was the largest part
 * of a year-by-account report's own work (about 30k calls for 2,500 keys). Cents past 2^53, or a span
 * of cents too wide to pack with the index, take the comparator for everything.
 */
export function sortByReportOrder(entries: [string, ModelSums][], spend?: ReadonlyMap<string, bigint> | null): [string, ModelSums][] {
  const compare = bySums(spend);
  const n = entries.length;
  if (n < 2) return entries;
  let max = -Infinity;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const s = entries[i][1];
    if (s.bigCents !== undefined) return entries.sort(compare);
    if (s.cents > max) max = s.cents;
    if (s.cents < min) min = s.cents;
  }
  // (max − cents) · n + index stays an exact integer below 2^53.
  if ((max - min + 1) * n > Number.MAX_SAFE_INTEGER) return entries.sort(compare);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (max - entries[i][1].cents) * n + i;
  packed.sort();
  const byCentsDesc = new Array<[string, ModelSums]>(n);
  for (let k = 0; k < n; k++) byCentsDesc[k] = entries[packed[k] % n];
  for (let start = 0, k = 1; k <= n; k++) {
    if (k < n && byCentsDesc[k][1].cents === byCentsDesc[start][1].cents) continue;
    if (k - start > 1) {
      const run = byCentsDesc.slice(start, k).sort(compare);
      for (let j = 0; j < run.length; j++) byCentsDesc[start + j] = run[j];
    }
    start = k;
  }
  for (let k = 0; k < n; k++) entries[k] = byCentsDesc[k];
  return entries;
}
