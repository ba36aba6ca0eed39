// Small statistics for the benchmarks: a seeded PRNG, percentiles, medians and the log-log slope.
import { createRandom } from '../../scripts/simulate/random.mjs';

/** The simulation's seeded PRNG (mulberry32), with the draws the benchmarks use. */
export function prng(seed) {
  const { next, pick, chance } = createRandom(seed);
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick,
    /** An index in [0, n) skewed towards 0: a few accounts are much busier than most, as in B2B. */
    skewed: (n, power = 2) => Math.floor(n * next() ** power),
    chance,
  };
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export function latencySummary(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), mean };
}

/** Least-squares slope of log(y) over log(x): the growth exponent (1 = linear). */
export function logLogSlope(points) {
  const pts = points.filter((p) => p.x > 0 && p.y > 0).map((p) => ({ x: Math.log(p.x), y: Math.log(p.y) }));
  if (pts.length < 2) return NaN;
  const mx = pts.reduce((s, p) => s + p.x, 0) / pts.length;
  const my = pts.reduce((s, p) => s + p.y, 0) / pts.length;
  const num = pts.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const den = pts.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return num / den;
}

export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : NaN);

/** Formats for the report: fixed decimals, thousands separators, "—" for what was not measured. */
export function fmt(value, digits = 1) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
export const fmtInt = (value) => fmt(value, 0);
export const fmtRatio = (value, digits = 2) => (Number.isFinite(value) ? `${fmt(value, digits)}×` : '—');
