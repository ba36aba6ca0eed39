// Rebuilds credit_rollup for the days whose credit changed, from the stored credit of those days,
// writing only the rows that differ.
import { DAY_MS } from '../../../schemas/credit';
import { GROUP_BY } from '../../../schemas/dimensions';
import { creditInRange, groupParts, type StoredCreditRow } from '../db/credit';
import type { D1Meter } from '../db/meter';
import { deleteRollup, dequeueRollupDays, readRollupDirty, rollupOfDays, upsertRollup, type DirtyDay, type RollupRow } from '../db/rollup';
import type { Budget } from './budget';
import { REGISTRY } from './models';
import { encodeSums, INFLUENCED, rollupDays, rollupId } from './rollup';

const MODEL_ORDER = [...REGISTRY.map((m) => m.name), INFLUENCED];
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

/** One round: read the days' credit and rollup rows, write the difference, take the days off. Returns conversions read. */
async function rebuildDays(meter: D1Meter, siteId: string, days: DirtyDay[]): Promise<number> {
  const db = meter.db;
  const [stored, ...credit] = await meter.batch([
    rollupOfDays(db, siteId, days, GROUP_BY),
    ...days.map((d) => creditInRange(db, siteId, d.stage, d.day * DAY_MS, (d.day + 1) * DAY_MS - 1)),
  ]);
  const conversions = groupParts(credit.flatMap((r) => r.results as unknown as StoredCreditRow[]));
  const fresh = rollupDays(conversions);

  const upserts: RollupRow[] = [];
  const deletes: Omit<RollupRow, 'sums'>[] = [];
  const kept = new Set<string>();
  for (const row of stored.results as unknown as RollupRow[]) {
    const id = rollupId(row.stage, row.dim, row.day, row.key);
    const g = fresh.get(id);
    if (!g) deletes.push({ stage: row.stage, dim: row.dim, day: row.day, key: row.key });
    else {
      kept.add(id);
      const sums = encodeSums(g.sums, MODEL_ORDER);
      if (sums !== row.sums) upserts.push({ stage: row.stage, dim: row.dim, day: row.day, key: row.key, sums });
    }
  }
  for (const [id, g] of fresh) {
    if (!kept.has(id)) upserts.push({ stage: g.stage, dim: g.dim, day: g.day, key: g.key, sums: encodeSums(g.sums, MODEL_ORDER) });
  }
  await meter.batch([...upsertRollup(db, siteId, upserts), ...deleteRollup(db, siteId, deletes), ...dequeueRollupDays(db, siteId, days)]);
  return conversions.length;
}
