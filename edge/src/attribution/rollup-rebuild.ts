// Rebuilds credit_rollup for the days whose credit changed, from the stored credit of those days,
// writing only the rows that differ.
import { DAY_MS } from '../../../schemas/credit';
import { creditInRange, groupParts, type StoredCreditRow } from '../db/credit';
import type { D1Meter } from '../db/meter';
import { deleteRollup, dequeueRollupDays, readRollupDirty, rollupOfDays, upsertRollup, type DirtyDay, type RollupRow } from '../db/rollup';
import type { Budget } from './budget';
import { REGISTRY } from './models';
import { encodeDay, rollupDayId, rollupDays } from './rollup';

const MODEL_ORDER = REGISTRY.map((m) => m.name);
/** Days per round to start with; fewer when their conversions are many, more when few. */
const DAYS_START = 32;
const DAYS_MAX = 256;
const CONVERSIONS_PER_ROUND = 2_000;

export interface RebuildOutcome {
  days: number;
  /** False when the budget ran out first. */
  done: boolean;
}

/** Rebuilds waiting days, oldest mark first, until none is left or the budget is spent. */
export async function rebuildRollup(meter: D1Meter, siteId: string, budget: Budget): Promise<RebuildOutcome> {
  const out: RebuildOutcome = { days: 0, done: false };
  let size = DAYS_START;
  while (!budget.exhausted) {
    const days = await meter.all<DirtyDay>(readRollupDirty(meter.db, siteId, size));
    budget.spend(1);
    if (!days.length) {
      out.done = true;
      break;
    }
    const conversions = await rebuildDays(meter, siteId, days);
    budget.spend(2);
    out.days += days.length;
    if (conversions > CONVERSIONS_PER_ROUND) size = Math.max(1, Math.floor(size / 2));
    else if (conversions < CONVERSIONS_PER_ROUND / 4) size = Math.min(DAYS_MAX, size * 2);
  }
  return out;
}

/** Consecutive days of one stage as one range, so a full rebuild reads each stage in one statement. */
function dayRuns(days: readonly DirtyDay[]): { stage: string; first: number; last: number }[] {
  const sorted = [...days].sort((a, b) => (a.stage < b.stage ? -1 : a.stage > b.stage ? 1 : a.day - b.day));
  const runs: { stage: string; first: number; last: number }[] = [];
  for (const d of sorted) {
    const run = runs[runs.length - 1];
    if (run && run.stage === d.stage && run.last + 1 === d.day) run.last = d.day;
    else runs.push({ stage: d.stage, first: d.day, last: d.day });
  }
  return runs;
}

const partId = (r: { stage: string; dim: string; day: number; part: number }) => `${rollupDayId(r.stage, r.dim, r.day)}\u0000${r.part}`;

/** One round: read the days' credit and rollup rows, write the difference, take the days off. Returns conversions read. */
async function rebuildDays(meter: D1Meter, siteId: string, days: DirtyDay[]): Promise<number> {
  const db = meter.db;
  const [stored, ...credit] = await meter.batch([
    rollupOfDays(db, siteId, days),
    ...dayRuns(days).map((r) => creditInRange(db, siteId, r.stage, r.first * DAY_MS, (r.last + 1) * DAY_MS - 1)),
  ]);
  const conversions = groupParts(credit.flatMap((r) => r.results as unknown as StoredCreditRow[]));

  const fresh = new Map<string, RollupRow>();
  for (const d of rollupDays(conversions).values()) {
    encodeDay(d.keys, MODEL_ORDER).forEach((sums, part) => {
      const row = { stage: d.stage, dim: d.dim, day: d.day, part, sums };
      fresh.set(partId(row), row);
    });
  }
  const upserts: RollupRow[] = [];
  const deletes: Omit<RollupRow, 'sums'>[] = [];
  for (const row of stored.results as unknown as RollupRow[]) {
    const id = partId(row);
    const now = fresh.get(id);
    if (!now) deletes.push({ stage: row.stage, dim: row.dim, day: row.day, part: row.part });
    else if (now.sums === row.sums) fresh.delete(id);
  }
  for (const row of fresh.values()) upserts.push(row);
  await meter.batch([...upsertRollup(db, siteId, upserts), ...deleteRollup(db, siteId, deletes), ...dequeueRollupDays(db, siteId, days)]);
  return conversions.length;
}
