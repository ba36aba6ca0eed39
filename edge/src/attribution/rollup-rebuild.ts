// Rebuilds credit_sums for the days whose credit changed, from the stored credit of those days,
// writing only the rows that differ; each month row takes its days' change (new day − old day), so a
// rebuild reads the days it rebuilds and their months, never the other days of those months. One
// rebuild at a time per site (a lease every write batch checks) keeps that exact.
import { creditInRange, groupParts, type StoredCreditRow } from '../db/credit';
import { readFits, type StoredFit } from '../db/fits';
import { isAborted } from '../db/guard';
import type { D1Meter } from '../db/meter';
import { GROUP_BY, monthStart } from '../../../schemas/dimensions';
import {
  deleteRollup,
  dequeueRollupDays,
  guardRollupLease,
  readRollupDirty,
  releaseRollupLease,
  rollupOf,
  takeRollupLease,
  upsertRollup,
  type DirtyDay,
  type RollupRow,
} from '../db/rollup';
import type { Budget } from './budget';
import { REGISTRY } from './models';
import { parseFits } from './parsed-fits';
import { INFLUENCED, rollupDayId, rollupDays } from './rollup';
import { addEncodedDay, addKeySums, encodeDay, pruneZeros, type KeySums } from './rollup-rows';
import { stageRuns } from './stage-runs';

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

/** How long a rebuild's lease lasts without a write (each write batch extends it). */
const LEASE_MS = 5 * 60_000;

/**
 * Rebuilds waiting days, oldest mark first, until none is left or the budget is spent. Another run
 * rebuilding the same site holds the lease: this one then leaves the days to it (done: false).
 */
export async function rebuildRollup(meter: D1Meter, siteId: string, budget: Budget): Promise<RebuildOutcome> {
  const out: RebuildOutcome = { days: 0, done: false };
  const lease = { token: crypto.randomUUID(), until: () => Date.now() + LEASE_MS };
  let leased = false;
  try {
    let size = DAYS_START;
    while (!budget.exhausted) {
      // The lease is taken in the same round trip as the first read of the queue.
      const statements = [readRollupDirty(meter.db, siteId, size)];
      if (!leased) statements.unshift(takeRollupLease(meter.db, siteId, lease.token, Date.now(), lease.until()));
      const results = await meter.batch<DirtyDay>(statements);
      budget.spend(1);
      if (!leased) {
        if (results[0].meta.changes !== 1) return out;
        leased = true;
      }
      const days = results[results.length - 1].results;
      if (!days.length) {
        out.done = true;
        break;
      }
      const conversions = await rebuildDays(meter, siteId, days, lease);
      budget.spend(2);
      out.days += days.length;
      if (conversions > CONVERSIONS_PER_ROUND) size = Math.max(1, Math.floor(size / 2));
      else if (conversions < CONVERSIONS_PER_ROUND / 4) size = Math.min(DAYS_MAX, size * 2);
    }
  } catch (err) {
    // The lease expired and another run took over: what this one did not write is still queued.
    if (isAborted(err)) return { days: out.days, done: false };
    throw err;
  } finally {
    // Released whatever happened (a no-op once lost), so a failed run does not hold rebuilds off for
    // the lease's length; a failure to release must not hide the error that got here.
    if (leased) await meter.batch([releaseRollupLease(meter.db, siteId, lease.token)]).catch(() => undefined);
  }
  return out;
}

const partId = (r: { stage: string; dim: string; grain: string; day: number; part: number }) => `${rollupDayId(r.stage, r.dim, r.day)}\u0000${r.grain}\u0000${r.part}`;

/**
 * Rows to write and delete so that `stored` becomes `fresh` (equal rows are left alone; spans follow
 * from sums, so a row with the same sums is equal unless it has no spans yet: migration 0015).
 */
function difference(stored: readonly RollupRow[], fresh: Map<string, RollupRow>): { upserts: RollupRow[]; deletes: Omit<RollupRow, 'sums' | 'spans'>[] } {
  const deletes: Omit<RollupRow, 'sums' | 'spans'>[] = [];
  for (const row of stored) {
    const id = partId(row);
    const now = fresh.get(id);
    if (!now) deletes.push({ stage: row.stage, dim: row.dim, grain: row.grain, day: row.day, part: row.part });
    else if (now.sums === row.sums && row.spans !== null) fresh.delete(id);
  }
  return { upserts: [...fresh.values()], deletes };
}

function rowsOf(stage: string, dim: string, grain: RollupRow['grain'], day: number, keys: ReadonlyMap<string, KeySums>, into: Map<string, RollupRow>): void {
  encodeDay(keys, MODEL_ORDER).forEach(({ sums, spans }, part) => {
    const row = { stage, dim, grain, day, part, sums, spans };
    into.set(partId(row), row);
  });
}

/** The month rows a round touches, by their first day. */
function monthsOf(days: readonly DirtyDay[]): { stage: string; day: number }[] {
  const months = new Map<string, { stage: string; day: number }>();
  for (const d of days) {
    const first = monthStart(d.day);
    months.set(`${d.stage}\u0000${first}`, { stage: d.stage, day: first });
  }
  return [...months.values()];
}

/** Sums per stage × dimension × month, built with `get(stage, dim, month)`. */
class MonthSums {
  readonly byId = new Map<string, { stage: string; dim: string; first: number; keys: Map<string, KeySums> }>();
  get(stage: string, dim: string, first: number): Map<string, KeySums> {
    const id = `${stage}\u0000${dim}\u0000${first}`;
    let m = this.byId.get(id);
    if (!m) this.byId.set(id, (m = { stage, dim, first, keys: new Map() }));
    return m.keys;
  }
}

const keyOf = (keys: Map<string, KeySums>) => (key: string) => {
  let s = keys.get(key);
  if (!s) keys.set(key, (s = new Map()));
  return s;
};

/**
 * One round, one read and one write batch: the days' rows from their stored credit; each month they
 * fall in gets (fresh day − stored day) for each of them; only rows that differ are written, with the
 * days taken off the queue, under the lease.
 */
async function rebuildDays(meter: D1Meter, siteId: string, days: DirtyDay[], lease: { token: string; until: () => number }): Promise<number> {
  const db = meter.db;
  const months = monthsOf(days);
  // The fits are read with the credit, so a round derives data-driven credit under the latest fit
  // (a newer fit re-marks every day, so a round that read an older one leaves its days queued).
  const [storedDays, storedMonths, fitRows, ...credit] = await meter.batch([
    rollupOf(db, siteId, 'day', days, GROUP_BY),
    rollupOf(db, siteId, 'month', months, GROUP_BY),
    readFits(db, siteId),
    ...stageRuns(days.map((d) => ({ stage: d.stage, first: d.day })), (day) => day + 1).map((r) => creditInRange(db, siteId, r.stage, r.fromMs, r.toMs)),
  ]);
  const conversions = groupParts(credit.flatMap((r) => r.results as unknown as StoredCreditRow[]));
  const fresh = new Map<string, RollupRow>();
  const sums = new MonthSums();
  const all = new Set(MODEL_ORDER);
  // Month = stored month − stored days + fresh days (the days of this round only).
  for (const row of storedMonths.results as unknown as RollupRow[]) addEncodedDay(row.sums, all, keyOf(sums.get(row.stage, row.dim, row.day)));
  for (const row of storedDays.results as unknown as RollupRow[]) addEncodedDay(row.sums, all, keyOf(sums.get(row.stage, row.dim, monthStart(row.day))), -1);
  for (const d of rollupDays(conversions, parseFits(fitRows.results as unknown as StoredFit[])).values()) {
    rowsOf(d.stage, d.dim, 'day', d.day, d.keys, fresh);
    addKeySums(sums.get(d.stage, d.dim, monthStart(d.day)), d.keys, 1);
  }
  const freshMonths = new Map<string, RollupRow>();
  for (const m of sums.byId.values()) {
    pruneZeros(m.keys);
    rowsOf(m.stage, m.dim, 'month', m.first, m.keys, freshMonths);
  }
  const dayChanges = difference(storedDays.results as unknown as RollupRow[], fresh);
  const monthChanges = difference(storedMonths.results as unknown as RollupRow[], freshMonths);
  await meter.batch([
    ...guardRollupLease(db, siteId, lease.token, lease.until()),
    ...upsertRollup(db, siteId, [...dayChanges.upserts, ...monthChanges.upserts]),
    ...deleteRollup(db, siteId, [...dayChanges.deletes, ...monthChanges.deletes]),
    ...dequeueRollupDays(db, siteId, days),
  ]);
  return conversions.length;
}
