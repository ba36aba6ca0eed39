// One chunk of the job: credits a few queued keys (a slice of at most one heavy key) from where
// their pending work starts, and commits the credit, the days to re-roll and the queue in one batch.
import { DAY_MS, type TailRow } from '../../../schemas/credit';
import { stageTimes } from '../../../schemas/key-funnel';
import type { CandidateConversion } from '../db/attribution';
import { deleteCredit, guardCredit, writeCredit, type NewCredit } from '../db/credit';
import { deleteFirstTouches, storedFirstTouches, writeFirstTouches, type FirstTouchRow } from '../db/first-touch';
import { markFunnelMonths } from '../db/funnel-months';
import { isAborted } from '../db/guard';
import { deleteKeyFunnels, deleteLostFilings, storedKeyFunnels, storedLostFilings, writeKeyFunnels, writeLostFilings, type KeyFunnelRow, type LostFiling } from '../db/key-funnel';
import type { D1Meter } from '../db/meter';
import { advanceKey, dequeueKeys, enqueueKeys, guardKeys, type DirtyKey } from '../db/queue';
import { markRollupDays, type StageDay } from '../db/rollup';
import type { Site } from '../db/sites';
import { readTailMarks, writeTails, type TailsEra } from '../db/tails';
import { creditKey, isCreditable, touchRange } from './credit-key';
import { earliestTouch, firstTouchChange, firstTouchFrom } from './first-touch';
import { funnelMonthsMoved } from './funnel-months';
import { filingsToRead, keyFunnelChanges } from './key-funnel';
import { loadCandidates, loadKeyTouches, toConversion } from './load';
import type { CreditConversion } from './models';
import { coveredTail, NO_END } from './tail-rows';

/** What one chunk runs with: the run's meter, site, stamp and heavy-key slicing. */
export interface ChunkContext {
  meter: D1Meter;
  site: Site;
  /** The run's watermark: what keys it queues elsewhere are marked with. */
  markedAt: number;
  slicing: { over: number; size: number };
  /**
   * Set while the stored journeys are being computed again after a full scan (db/tails.ts): a key
   * this chunk finishes then reads on to its latest touch, and its stored journey is written from
   * the same load, so the fit computes only the keys no chunk wrote. The era guards the write.
   */
  tails: TailsEra | null;
}

export interface ChunkOutcome {
  /** Keys finished (dequeued) by this chunk. */
  keysDone: number;
  conversionsCredited: number;
  conversionsWithoutTouch: number;
  /** Conversions whose stored credit was written or removed (unchanged credit is not rewritten). */
  creditWritten: number;
  /** Touches read + conversions credited: what adaptive chunk sizing steers by. */
  work: number;
  /** Another run rewrote some of this chunk's credit after it was read: nothing was written. */
  stale: boolean;
}

/** Payload characters per D1 batch: a huge chunk is split between conversions, never inside one. */
const CHARS_PER_BATCH = 4_000_000;

interface Cursor {
  at: number;
  id: string;
}
const before = (a: Cursor, b: Cursor) => a.at < b.at || (a.at === b.at && a.id < b.id);
const byTime = (a: CandidateConversion, b: CandidateConversion) =>
  a.occurred_at - b.occurred_at || (a.conversion_id < b.conversion_id ? -1 : a.conversion_id > b.conversion_id ? 1 : 0);

interface KeyPlan {
  entry: DirtyKey;
  /** Every conversion of the key now (milestones read them all). */
  members: CandidateConversion[];
  /** Conversions last credited here that now belong elsewhere (or nowhere). */
  leavers: CandidateConversion[];
  /** Members to credit now, in (time, id) order. */
  todo: CandidateConversion[];
  /** Where the key's pending work starts: nothing before it changed since the key was last credited. */
  start: Cursor;
  /** Where the key's work resumes after this chunk, or null when this chunk finishes it. */
  next: Cursor | null;
}

/**
 * The key's pending work: its members at or after its queued start, moved earlier by what the scan
 * could not know — a conversion joining or leaving the key, or one whose time changed, re-credits
 * every later conversion of the key (their milestones may read it).
 */
function planKey(entry: DirtyKey, members: CandidateConversion[], leavers: CandidateConversion[]): KeyPlan {
  let start: Cursor = { at: entry.since, id: entry.since_id };
  const earlier = (at: number) => {
    if (before({ at, id: '' }, start)) start = { at, id: '' };
  };
  for (const c of leavers) earlier(c.credited_at!);
  for (const c of members) {
    // closed_lost is never credited and no milestone reads it: it can neither join nor move anything.
    if (c.stage === 'closed_lost' && c.credited_akey === null) continue;
    if (c.credited_akey !== entry.akey) earlier(c.occurred_at);
    else if (c.credited_at !== c.occurred_at) earlier(Math.min(c.credited_at!, c.occurred_at));
  }
  members.sort(byTime);
  const todo = members.filter((c) => !before({ at: c.occurred_at, id: c.conversion_id }, start));
  return { entry, members, leavers, todo, start, next: null };
}

export async function creditChunk(ctx: ChunkContext, dirty: DirtyKey[]): Promise<ChunkOutcome> {
  const { meter, site } = ctx;
  const inChunk = new Map(dirty.map((d) => [d.akey, d]));
  const candidates = await loadCandidates(meter, site.id, [...inChunk.keys()], site.settings.currency);

  const members = new Map<string, CandidateConversion[]>();
  const leavers = new Map<string, CandidateConversion[]>();
  const elsewhere: { akey: string; since: number }[] = [];
  for (const row of candidates) {
    if (inChunk.has(row.akey)) push(members, row.akey, row);
    const moved = row.credited_akey !== null && row.credited_akey !== row.akey;
    if (moved && inChunk.has(row.credited_akey!)) {
      push(leavers, row.credited_akey!, row);
      // Its new key is recomputed from it on, even if the change that moved it was not seen by a scan.
      if (!inChunk.has(row.akey)) elsewhere.push({ akey: row.akey, since: row.occurred_at });
    }
  }

  // Every light key whole, and the next slice of the first heavy key (in queue order).
  const plans: KeyPlan[] = [];
  let heavy: KeyPlan | null = null;
  for (const entry of dirty) {
    const plan = planKey(entry, members.get(entry.akey) ?? [], leavers.get(entry.akey) ?? []);
    if (plan.todo.length <= ctx.slicing.over) plans.push(plan);
    else if (!heavy) heavy = plan;
  }
  if (heavy) {
    const next = heavy.todo[ctx.slicing.size];
    heavy.todo = heavy.todo.slice(0, ctx.slicing.size);
    heavy.next = { at: next.occurred_at, id: next.conversion_id };
    plans.push(heavy);
  }

  // The funnel's first touch and record of each key ride on the same load (attribution/first-touch.ts,
  // attribution/key-funnel.ts): a key whose stored first touch may have changed reads its touches
  // from where they changed (or the beginning) on; its record is rebuilt from its members.
  // So do the stored journeys of the keys it finishes, while they are being computed again (ctx.tails).
  const planKeys = plans.map((p) => p.entry.akey);
  const tailKeys = new Set(ctx.tails ? plans.filter((p) => !p.next).map((p) => p.entry.akey) : []);
  const [firstRows, funnelRows, filingRows, markRows] = await meter.batch([
    storedFirstTouches(meter.db, site.id, planKeys),
    storedKeyFunnels(meter.db, site.id, planKeys),
    storedLostFilings(meter.db, site.id, filingsToRead(plans.flatMap((p) => p.members))),
    ...(tailKeys.size ? [readTailMarks(meter.db, site.id, [...tailKeys])] : []),
  ]);
  const storedFirst = new Map((firstRows.results as unknown as FirstTouchRow[]).map((r) => [r.akey, r]));
  const storedRecords = new Map((funnelRows.results as unknown as KeyFunnelRow[]).map((r) => [r.akey, r.stages]));
  const funnel = keyFunnelChanges(
    plans.map((p) => ({ akey: p.entry.akey, members: p.members })),
    storedRecords,
    new Map((filingRows.results as unknown as LostFiling[]).map((r) => [r.conversion_id, r.akey])),
    inChunk,
  );
  const ranges = new Map<string, { from: number; to: number }>();
  const findFirst = new Set<string>();
  const firstRemovals: string[] = [];
  for (const p of plans) {
    // A key left without conversions (they moved to another key) is in no funnel: its row goes.
    if (!p.members.length && storedFirst.has(p.entry.akey)) firstRemovals.push(p.entry.akey);
    const range = touchRange(p.todo.map(toConversion), ctx.site.settings.window_days);
    if (!range) continue;
    const from = firstTouchFrom(storedFirst.get(p.entry.akey), p.entry.touched_since);
    if (from !== null) findFirst.add(p.entry.akey);
    const to = tailKeys.has(p.entry.akey) ? NO_END : range.to;
    ranges.set(p.entry.akey, { from: from === null ? range.from : Math.min(range.from, from), to });
  }
  const touches = await loadKeyTouches(meter, site.id, ranges);
  const tails = storedJourneys(ctx, plans, tailKeys, ranges, touches, markRows?.results as { akey: string; marked_at: number }[] | undefined);
  const firstWrites: FirstTouchRow[] = [];
  for (const akey of findFirst) {
    const change = firstTouchChange(storedFirst.get(akey), earliestTouch(akey, touches.get(akey) ?? []));
    if (change === null) firstRemovals.push(akey);
    else if (change) firstWrites.push(change);
  }

  const outcome: ChunkOutcome = { keysDone: 0, conversionsCredited: 0, conversionsWithoutTouch: 0, creditWritten: 0, work: 0, stale: false };
  const writes: NewCredit[] = [];
  const removals: string[] = [];
  const stamps = new Map<string, number>();
  const days = new Map<string, StageDay>();
  const touchDay = (stage: string | null, at: number | null) => {
    if (stage !== null && at !== null) {
      const day = Math.floor(at / DAY_MS);
      days.set(`${stage}\u0000${day}`, { stage, day });
    }
  };
  const replacing = (row: CandidateConversion) => {
    if (row.credited_stamp !== null) stamps.set(row.conversion_id, row.credited_stamp);
    touchDay(row.credited_stage, row.credited_at);
  };

  for (const p of plans) {
    const keyTouches = touches.get(p.entry.akey) ?? [];
    outcome.work += keyTouches.length + p.todo.length;
    const all: CreditConversion[] = p.members.map(toConversion);
    const fresh = creditKey(p.entry.akey, all, p.todo.map(toConversion), keyTouches, site.settings);
    const byId = new Map(fresh.map((c) => [c.conversion_id, c]));
    for (const row of p.todo) {
      const credit = byId.get(row.conversion_id);
      if (!credit) {
        // closed_lost: stored, never credited.
        if (row.credited_akey !== null) {
          removals.push(row.conversion_id);
          replacing(row);
        }
        continue;
      }
      outcome.conversionsCredited++;
      if (credit.window_touches === 0) outcome.conversionsWithoutTouch++;
      const unchanged =
        row.credited_hash === credit.hash &&
        row.credited_akey === credit.akey &&
        row.credited_stage === credit.stage &&
        row.credited_at === credit.converted_at;
      if (unchanged) continue;
      writes.push(credit);
      replacing(row);
      touchDay(credit.stage, credit.converted_at);
    }
    for (const row of p.leavers) {
      removals.push(row.conversion_id);
      replacing(row);
    }
  }

  // A first touch or funnel record is written only by the chunk that still holds its key's mark
  // (credit has its own guard).
  const keyChanged = new Set([...firstWrites.map((r) => r.akey), ...firstRemovals, ...funnel.changed]);
  const months = funnelMonthsMoved(keyChanged, { records: storedRecords, first: storedFirst }, funnel, firstWrites, firstRemovals);
  const bookkeeping: D1PreparedStatement[] = [
    ...guardKeys(meter.db, site.id, plans.filter((p) => keyChanged.has(p.entry.akey)).map((p) => p.entry)),
    ...writeFirstTouches(meter.db, site.id, firstWrites),
    ...deleteFirstTouches(meter.db, site.id, firstRemovals),
    ...writeKeyFunnels(meter.db, site.id, funnel.writes),
    ...deleteKeyFunnels(meter.db, site.id, funnel.removals),
    ...writeLostFilings(meter.db, site.id, funnel.filings),
    ...deleteLostFilings(meter.db, site.id, funnel.unfiled),
    // The funnel's month rows these keys leave or join are rebuilt once the queue drains.
    ...markFunnelMonths(meter.db, site.id, months, Date.now()),
    // A conversion moved to another key: that key's touches are as they were.
    ...enqueueKeys(meter.db, site.id, [...elsewhere, ...funnel.left], ctx.markedAt, 'credit'),
    ...(ctx.tails && tails.rows.length ? writeTails(meter.db, site.id, tails.rows, [], tails.marks, ctx.tails) : []),
  ];
  for (const p of plans) {
    if (p.next) bookkeeping.push(advanceKey(meter.db, site.id, p.entry, p.next.at, p.next.id));
    else outcome.keysDone++;
  }
  bookkeeping.push(...dequeueKeys(meter.db, site.id, plans.filter((p) => !p.next).map((p) => p.entry)));

  try {
    await commit(ctx, writes, removals, stamps, [...days.values()], bookkeeping);
  } catch (err) {
    if (isAborted(err)) return { ...outcome, keysDone: 0, creditWritten: 0, stale: true };
    throw err;
  }
  outcome.creditWritten = writes.length + removals.length;
  return outcome;
}

/**
 * The stored journeys (db/tails.ts) of the keys in `tailKeys`, from touches loaded up to their latest,
 * with the marks read before the load: a key whose load may miss part of its last window (see
 * coveredTail) gets none, and is left to the fit.
 */
function storedJourneys(
  ctx: ChunkContext,
  plans: readonly KeyPlan[],
  tailKeys: ReadonlySet<string>,
  ranges: ReadonlyMap<string, { from: number; to: number }>,
  touches: ReadonlyMap<string, readonly { at: number; id: string; channel: string }[]>,
  markRows: readonly { akey: string; marked_at: number }[] | undefined,
): { rows: TailRow[]; marks: Map<string, number> } {
  const marked = new Map((markRows ?? []).map((r) => [r.akey, r.marked_at]));
  const rows: TailRow[] = [];
  const marks = new Map<string, number>();
  for (const p of plans) {
    const akey = p.entry.akey;
    const range = ranges.get(akey);
    if (!tailKeys.has(akey) || !range) continue;
    const conversions = stageTimes(p.members.map(toConversion).filter(isCreditable));
    const row = coveredTail(akey, touches.get(akey) ?? [], range.from, conversions, ctx.site.settings.window_days * DAY_MS);
    if (!row) continue;
    rows.push(row);
    const mark = marked.get(akey);
    if (mark !== undefined) marks.set(akey, mark);
  }
  return { rows, marks };
}

/**
 * Writes in as few batches as the payload allows; the queue bookkeeping rides in the last, so a
 * failure between batches leaves the keys queued and the rerun finds the written part unchanged.
 * Each batch is guarded: it aborts whole if a conversion it replaces was rewritten since it was read.
 */
async function commit(
  ctx: ChunkContext,
  writes: NewCredit[],
  removals: string[],
  stamps: ReadonlyMap<string, number>,
  days: StageDay[],
  bookkeeping: D1PreparedStatement[],
): Promise<void> {
  const { meter, site } = ctx;
  const stamp = Date.now();
  const batches: NewCredit[][] = [[]];
  let chars = 0;
  for (const w of writes) {
    const size = w.parts.reduce((n, p) => n + p.length, 0) + w.journeys.reduce((n, j) => n + j.length, 0);
    if (chars + size > CHARS_PER_BATCH && batches[batches.length - 1].length) {
      batches.push([]);
      chars = 0;
    }
    batches[batches.length - 1].push(w);
    chars += size;
  }
  for (let i = 0; i < batches.length; i++) {
    const last = i === batches.length - 1;
    const ids = batches[i].map((w) => w.conversion_id);
    const replaced = last ? [...ids, ...removals] : ids;
    await meter.batch([
      ...guardCredit(meter.db, site.id, replaced, stamps),
      ...(last ? deleteCredit(meter.db, site.id, removals) : []),
      ...writeCredit(meter.db, site.id, batches[i], stamp),
      // Marked with every batch: the days are re-rolled from whatever credit is stored when they are.
      ...markRollupDays(meter.db, site.id, days, stamp),
      ...(last ? bookkeeping : []),
    ]);
  }
}

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
