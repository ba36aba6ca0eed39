// Rebuilds credit_rollup for the days whose credit changed, from the stored credit of those days,
// writing only the rows that differ.
import { DAY_MS } from '../../../schemas/credit';
import { creditInRange, groupParts, type StoredCreditRow } from '../db/credit';
import type { D1Meter } from '../db/meter';
import { GROUP_BY, monthStart, nextMonthStart } from '../../../schemas/dimensions';
import { dayRowsOfMonths, deleteRollup, dequeueRollupDays, readRollupDirty, rollupOf, upsertRollup, type DirtyDay, type RollupRow } from '../db/rollup';
import type { Budget } from './budget';
import { REGISTRY } from './models';
import { addEncodedDay, encodeDay, INFLUENCED, rollupDayId, rollupDays, type KeySums } from './rollup';

/** Every model, then what each key influenced (rollup.ts): the order sums are stored in. */
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
    budget.spend(4);
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

const partId = (r: { stage: string; dim: string; grain: string; day: number; part: number }) => `${rollupDayId(r.stage, r.dim, r.day)}\u0000${r.grain}\u0000${r.part}`;

/** Rows to write and delete so that `stored` becomes `fresh` (equal rows are left alone). */
function difference(stored: readonly RollupRow[], fresh: Map<string, RollupRow>): { upserts: RollupRow[]; deletes: Omit<RollupRow, 'sums'>[] } {
  const deletes: Omit<RollupRow, 'sums'>[] = [];
  for (const row of stored) {
    const id = partId(row);
    const now = fresh.get(id);
    if (!now) deletes.push({ stage: row.stage, dim: row.dim, grain: row.grain, day: row.day, part: row.part });
    else if (now.sums === row.sums) fresh.delete(id);
  }
  return { upserts: [...fresh.values()], deletes };
}

function rowsOf(stage: string, dim: string, grain: RollupRow['grain'], day: number, keys: ReadonlyMap<string, KeySums>, into: Map<string, RollupRow>): void {
  encodeDay(keys, MODEL_ORDER).forEach((sums, part) => {
    const row = { stage, dim, grain, day, part, sums };
    into.set(partId(row), row);
  });
}

/**
 * One round: the days' rows from their stored credit, then the rows of the months they fall in from
 * every day row of those months; writes only what differs. The days come off the queue with the
 * months, so a run cut between the two batches redoes both.
 */
async function rebuildDays(meter: D1Meter, siteId: string, days: DirtyDay[]): Promise<number> {
  const db = meter.db;
  const [stored, ...credit] = await meter.batch([
    rollupOf(db, siteId, 'day', days, GROUP_BY),
    ...dayRuns(days).map((r) => creditInRange(db, siteId, r.stage, r.first * DAY_MS, (r.last + 1) * DAY_MS - 1)),
  ]);
  const conversions = groupParts(credit.flatMap((r) => r.results as unknown as StoredCreditRow[]));
  const fresh = new Map<string, RollupRow>();
  for (const d of rollupDays(conversions).values()) rowsOf(d.stage, d.dim, 'day', d.day, d.keys, fresh);
  const dayChanges = difference(stored.results as unknown as RollupRow[], fresh);
  await meter.batch([...upsertRollup(db, siteId, dayChanges.upserts), ...deleteRollup(db, siteId, dayChanges.deletes)]);

  const months = new Map<string, { stage: string; first: number; last: number }>();
  for (const d of days) {
    const first = monthStart(d.day);
    months.set(`${d.stage}\u0000${first}`, { stage: d.stage, first, last: nextMonthStart(d.day) - 1 });
  }
  const monthList = [...months.values()];
  const [dayRows, monthRows] = await meter.batch([
    dayRowsOfMonths(db, siteId, monthList, GROUP_BY),
    rollupOf(db, siteId, 'month', monthList.map((m) => ({ stage: m.stage, day: m.first })), GROUP_BY),
  ]);
  const sums = new Map<string, { stage: string; dim: string; first: number; keys: Map<string, KeySums> }>();
  const all = new Set(MODEL_ORDER);
  for (const row of dayRows.results as unknown as RollupRow[]) {
    const first = monthStart(row.day);
    const id = `${row.stage}\u0000${row.dim}\u0000${first}`;
    let m = sums.get(id);
    if (!m) sums.set(id, (m = { stage: row.stage, dim: row.dim, first, keys: new Map() }));
    const keys = m.keys;
    addEncodedDay(row.sums, all, (key) => {
      let s = keys.get(key);
      if (!s) keys.set(key, (s = new Map()));
      return s;
    });
  }
  const freshMonths = new Map<string, RollupRow>();
  for (const m of sums.values()) rowsOf(m.stage, m.dim, 'month', m.first, m.keys, freshMonths);
  const monthChanges = difference(monthRows.results as unknown as RollupRow[], freshMonths);
  await meter.batch([
    ...upsertRollup(db, siteId, monthChanges.upserts),
    ...deleteRollup(db, siteId, monthChanges.deletes),
    ...dequeueRollupDays(db, siteId, days),
  ]);
  return conversions.length;
}
