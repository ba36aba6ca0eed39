// Rebuilds the funnel's month rows (funnel_months) that wait in funnel_months_dirty, each whole from the
// stored records and first touches of its keys, writing only the parts that differ. A month is rebuilt
// from what is stored, never from a change, so a rerun gives the same rows; a round writes only if
// none of its months was marked again (or rebuilt by another run) since it read them.
import { nextMonthStart, type TouchFields } from '../../../schemas/dimensions';
import { monthOfMs } from '../../../schemas/funnel-months';
import { isAborted } from '../db/guard';
import {
  deleteFunnelMonths,
  dequeueFunnelMonths,
  funnelKeysIn,
  funnelMonthRowOf,
  guardFunnelMarks,
  readFunnelDirty,
  storedFunnelMonths,
  upsertFunnelMonths,
  type DirtyFunnelMonth,
  type FunnelMonthRow,
  type FunnelPartId,
} from '../db/funnel-months';
import type { D1Meter } from '../db/meter';
import type { Budget } from './budget';
import { funnelEntries, funnelMonthParts, monthId, type FunnelEntry } from './funnel-months';
import { stageRuns } from './stage-runs';

/** Months per round to start with; fewer when their keys are many, more when few. */
const MONTHS_START = 64;
const MONTHS_MAX = 512;
const KEYS_PER_ROUND = 20_000;

export interface FunnelRebuildOutcome {
  months: number;
  /** False when the budget ran out first, or another run is at the same months. */
  done: boolean;
}

/** Rebuilds waiting months, oldest mark first, until none is left or the budget is spent. */
export async function rebuildFunnelMonths(meter: D1Meter, siteId: string, budget: Budget): Promise<FunnelRebuildOutcome> {
  const out: FunnelRebuildOutcome = { months: 0, done: false };
  let size = MONTHS_START;
  while (!budget.exhausted) {
    const marks = await meter.all<DirtyFunnelMonth>(readFunnelDirty(meter.db, siteId, size));
    budget.spend(1);
    if (!marks.length) {
      out.done = true;
      break;
    }
    const keys = await rebuildMonths(meter, siteId, marks);
    budget.spend(2);
    // A key changed since the read, or another run wrote these months: leave the rest to the next run.
    if (keys === null) break;
    out.months += marks.length;
    if (keys > KEYS_PER_ROUND) size = Math.max(1, Math.floor(size / 2));
    else if (keys < KEYS_PER_ROUND / 4) size = Math.min(MONTHS_MAX, size * 2);
  }
  return out;
}

/**
 * One round, one read and one write batch: the months' keys (every key whose first time of the
 * month's stage falls in it) with their first touches, the months' rows rebuilt from them, and only
 * the parts that differ written, with the months taken off the queue. Returns the keys read, or null
 * when the write was aborted (nothing written, the months stay queued).
 */
export async function rebuildMonths(meter: D1Meter, siteId: string, marks: DirtyFunnelMonth[]): Promise<number | null> {
  const db = meter.db;
  const [stored, keys] = await meter.batch<Record<string, unknown>>([storedFunnelMonths(db, siteId, marks), funnelKeysIn(db, siteId, stageRuns(marks.map((m) => ({ stage: m.stage, first: m.month })), nextMonthStart))]);
  const entries = new Map<string, FunnelEntry[]>(marks.map((m) => [monthId(m), []]));
  for (const row of keys.results as unknown as KeyRow[]) {
    const first = row.first_at === null ? null : { ...row, occurred_at: row.first_at };
    for (const [stage, entry] of funnelEntries({ akey: row.akey, stages: row.stages, first })) {
      entries.get(monthId({ stage, month: monthOfMs(entry.t0) }))?.push(entry);
    }
  }
  const fresh = new Map<string, FunnelMonthRow>();
  for (const m of marks) {
    funnelMonthParts(m.stage, entries.get(monthId(m))!).forEach((columns, part) => {
      const row = { stage: m.stage, month: m.month, part, ...columns };
      fresh.set(partId(row), row);
    });
  }
  const deletes: FunnelPartId[] = [];
  for (const row of stored.results.map(funnelMonthRowOf)) {
    const now = fresh.get(partId(row));
    if (!now) deletes.push({ stage: row.stage, month: row.month, part: row.part });
    else if (now.t0s === row.t0s && now.stages === row.stages && now.groups.every((g, i) => g === row.groups[i])) fresh.delete(partId(row));
  }
  try {
    await meter.batch([
      guardFunnelMarks(db, siteId, marks),
      ...upsertFunnelMonths(db, siteId, [...fresh.values()]),
      ...deleteFunnelMonths(db, siteId, deletes),
      ...dequeueFunnelMonths(db, siteId, marks),
    ]);
  } catch (err) {
    if (isAborted(err)) return null;
    throw err;
  }
  return keys.results.length;
}

/** A key's funnel record and its first touch's fields (null when the job has found no touch). */
interface KeyRow extends TouchFields {
  akey: string;
  stages: string;
  first_at: number | null;
}

const partId = (r: { stage: string; month: number; part: number }) => `${monthId(r)}\u0000${r.part}`;
