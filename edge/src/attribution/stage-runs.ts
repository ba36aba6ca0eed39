// Consecutive days (or months) of one stage as one time range, so that a rebuild reads each stage's
// stretch with one statement: the credit rollup's days and the funnel's months alike.
import { DAY_MS } from '../../../schemas/credit';

/**
 * Periods given by their first day number (days since the epoch), merged per stage while each one
 * starts where the last ended; `next(first)` is the first day of the period after `first`.
 */
export function stageRuns(periods: readonly { stage: string; first: number }[], next: (first: number) => number): { stage: string; fromMs: number; toMs: number }[] {
  const sorted = [...periods].sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : a.first - b.first));
  const runs: { stage: string; first: number; next: number }[] = [];
  for (const p of sorted) {
    const run = runs[runs.length - 1];
    if (run && run.stage === p.stage && run.next === p.first) run.next = next(p.first);
    else runs.push({ stage: p.stage, first: p.first, next: next(p.first) });
  }
  return runs.map((r) => ({ stage: r.stage, fromMs: r.first * DAY_MS, toMs: r.next * DAY_MS - 1 }));
}
