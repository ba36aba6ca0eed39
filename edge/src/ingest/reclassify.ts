// Reclassification of a site's history after its channel rules change (docs/governance.md): every
// stored touch and spend row is classified again from its raw fields by the same function ingest uses,
// a page at a time in id order. Only rows whose channel changes are written, and the keys of changed
// touches are queued so the next job run re-credits exactly them. The walk keeps its place in
// channel_rules, so a large site continues over several requests or cron runs.
import {
  moveRecheck,
  readChannelRules,
  reclassifyStatements,
  sitesReclassifying,
  sitesRechecking,
  spendById,
  spendPage,
  spendUpdatedAfter,
  touchesById,
  touchesReceivedAfter,
  touchPage,
  type ChannelChange,
  type ReclassPhase,
  type RecheckCursor,
  type StoredSpendFields,
  type StoredTouchFields,
} from '../db/channel-rules';
import { compileRules, type CompiledRules } from './channel-rules';
import { classifySpend, classifyTouch } from './classify';

/** Rows per page: one read and one write batch each, well within D1's statement and parameter limits. */
const PAGE_ROWS = 1000;

/**
 * The D1 round trips an invocation may still make (attribution/budget.ts's Budget is one): the
 * reclassification spends from the same budget as the attribution job that runs after it.
 */
export interface QueryBudget {
  spend(queries: number): void;
  readonly exhausted: boolean;
}
const UNBOUNDED: QueryBudget = { spend() {}, exhausted: false };

export interface ReclassifyProgress {
  done: boolean;
  touchesChanged: number;
  spendChanged: number;
  rowsRead: number;
}

/** The touches among `rows` whose channel the rules change (never one the caller sent). */
export function touchChanges(rows: StoredTouchFields[], rules: CompiledRules): ChannelChange[] {
  const out: ChannelChange[] = [];
  for (const t of rows) {
    // The caller's own channel (an offline touch sent with one) is never overridden.
    if (t.channel_sent !== null) continue;
    const channel = classifyTouch(t, rules);
    if (channel !== t.channel) out.push({ id: t.touch_id, channel, was: { channel: t.channel, touch_type: t.touch_type } });
  }
  return out;
}

function spendChanges(rows: StoredSpendFields[], rules: CompiledRules): ChannelChange[] {
  const out: ChannelChange[] = [];
  for (const s of rows) {
    if (s.channel_sent !== null) continue;
    const channel = classifySpend(s, rules);
    if (channel !== s.channel) out.push({ id: s.spend_id, channel, was: { channel: s.channel } });
  }
  return out;
}

/** Rounds of reading again the rows that changed between read and write; each needs a concurrent writer. */
const MAX_WRITE_ROUNDS = 3;

/**
 * Writes a page's changes (and `also`, e.g. the walk's new place, with the first batch). A row is
 * written only if it is still as it was read: one that changed meanwhile (a form turned a visit into a
 * form_fill, or the row was sent again) is read again and classified as it is now, by the same rules,
 * so the page never leaves a channel computed from stale fields. Returns the rows written.
 */
export async function writeChanges(
  db: D1Database,
  siteId: string,
  version: number,
  table: 'touches' | 'spend',
  changes: ChannelChange[],
  rules: CompiledRules,
  now: number,
  budget: QueryBudget = UNBOUNDED,
  next?: { phase: ReclassPhase; cursor: string },
  also: D1PreparedStatement[] = [],
): Promise<number> {
  let written = 0;
  let pending = changes;
  let extra = [...also];
  for (let round = 1; ; round++) {
    const statements = [...reclassifyStatements(db, siteId, version, { table, changes: pending, next: round === 1 ? next : undefined }, now), ...extra];
    extra = [];
    if (!statements.length) return written;
    const results = await db.batch(statements);
    budget.spend(1);
    if (!pending.length) return written;
    const wrote = new Set((results[0].results as { id: string }[]).map((r) => r.id));
    written += wrote.size;
    const skipped = pending.filter((c) => !wrote.has(c.id)).map((c) => c.id);
    if (!skipped.length || round === MAX_WRITE_ROUNDS) return written;
    if (table === 'touches') {
      const { results: again } = await touchesById(db, siteId, skipped).all<StoredTouchFields>();
      pending = touchChanges(again, rules);
    } else {
      const { results: again } = await spendById(db, siteId, skipped).all<StoredSpendFields>();
      pending = spendChanges(again, rules);
    }
    budget.spend(1);
  }
}

/**
 * Continues the site's walk for at most `maxRows` rows read (at least one page, budget allowing).
 * Returns where it stands; `done` once every touch and spend row is classified by the current rules.
 */
export async function reclassifyStep(db: D1Database, siteId: string, maxRows: number, now = Date.now(), budget: QueryBudget = UNBOUNDED): Promise<ReclassifyProgress> {
  const progress: ReclassifyProgress = { done: true, touchesChanged: 0, spendChanged: 0, rowsRead: 0 };
  const state = await readChannelRules(db, siteId);
  budget.spend(1);
  if (!state || state.reclass_phase === 'done') return progress;
  const rules = compileRules(state.rules);
  let phase: ReclassPhase = state.reclass_phase;
  let cursor = state.reclass_cursor;
  // Empty pages read nothing but still move the walk on, so the loop always ends.
  while (phase !== 'done' && (progress.rowsRead === 0 || progress.rowsRead < maxRows) && !budget.exhausted) {
    if (phase === 'touches') {
      const { results } = await touchPage(db, siteId, cursor, PAGE_ROWS).all<StoredTouchFields>();
      budget.spend(1);
      const full = results.length === PAGE_ROWS;
      const next: { phase: ReclassPhase; cursor: string } = full ? { phase, cursor: results[results.length - 1].touch_id } : { phase: 'spend', cursor: '' };
      progress.touchesChanged += await writeChanges(db, siteId, state.version, 'touches', touchChanges(results, rules), rules, now, budget, next);
      progress.rowsRead += results.length;
      ({ phase, cursor } = next);
    } else {
      const { results } = await spendPage(db, siteId, cursor, PAGE_ROWS).all<StoredSpendFields>();
      budget.spend(1);
      const full = results.length === PAGE_ROWS;
      const next: { phase: ReclassPhase; cursor: string } = full ? { phase, cursor: results[results.length - 1].spend_id } : { phase: 'done', cursor: '' };
      progress.spendChanged += await writeChanges(db, siteId, state.version, 'spend', spendChanges(results, rules), rules, now, budget, next);
      progress.rowsRead += results.length;
      ({ phase, cursor } = next);
    }
  }
  progress.done = phase === 'done';
  return progress;
}

/**
 * Other Worker instances serve a site's previous rules for a few seconds after a change (their site
 * cache), so a touch or spend row one of them stores then, after the walk has passed its id, may carry
 * the old channel. The rows received (spend: received or replaced) from shortly before a change until
 * RECHECK_FOR_MS after it are therefore checked again by the job runs that follow. The recheck keeps
 * its place in channel_rules, so however many rows arrived it reaches the end over several runs; it
 * stays SETTLE_MS behind the present, since a request stores its rows a little after the time they
 * carry. Only rows whose channel differs are written, so checking twice costs reads only.
 */
export const RECHECK_MARGIN_MS = 60_000;
export const RECHECK_FOR_MS = 30 * 60_000;
const SETTLE_MS = 60_000;

/** What a rule save passes to writeChannelRules: where the recheck starts and ends. */
export const recheckWindow = (changedAt: number) => ({ from: changedAt - RECHECK_MARGIN_MS, until: changedAt + RECHECK_FOR_MS });

const later = (a: RecheckCursor, b: RecheckCursor) => a.at > b.at || (a.at === b.at && a.id > b.id);

/**
 * Continues the recheck of the site's rows around its latest change of rules, touches then spend, for
 * at most `maxRows` rows read (budget allowing); returns the rows read.
 */
export async function recheckSite(db: D1Database, siteId: string, maxRows: number, now = Date.now(), budget: QueryBudget = UNBOUNDED): Promise<number> {
  const state = await readChannelRules(db, siteId);
  budget.spend(1);
  if (!state || state.recheck_until === 0) return 0;
  const rules = compileRules(state.rules);
  // Rows received after this may still be on their way into the table: the next run checks them.
  const settled: RecheckCursor = { at: Math.min(now - SETTLE_MS, state.recheck_until), id: '' };
  let read = 0;
  for (const table of ['touches', 'spend'] as const) {
    let cursor = table === 'touches' ? state.recheck_touches : state.recheck_spend;
    while (cursor.at < state.recheck_until && read < maxRows && !budget.exhausted) {
      type Row<T> = T & { at: number };
      let changes: ChannelChange[];
      let rows: Row<{ touch_id?: string; spend_id?: string }>[];
      if (table === 'touches') {
        const { results } = await touchesReceivedAfter(db, siteId, cursor, PAGE_ROWS).all<Row<StoredTouchFields>>();
        changes = touchChanges(results, rules);
        rows = results;
      } else {
        const { results } = await spendUpdatedAfter(db, siteId, cursor, PAGE_ROWS).all<Row<StoredSpendFields>>();
        changes = spendChanges(results, rules);
        rows = results;
      }
      budget.spend(1);
      read += rows.length;
      const last = rows[rows.length - 1];
      const reached: RecheckCursor = last ? { at: last.at, id: (last.touch_id ?? last.spend_id)! } : settled;
      // Never past the settled time (a page may reach beyond it), never back.
      let to = later(reached, settled) || rows.length < PAGE_ROWS ? settled : reached;
      if (later(cursor, to)) to = cursor;
      const moved = later(to, cursor);
      await writeChanges(db, siteId, state.version, table, changes, rules, now, budget, undefined, moved ? [moveRecheck(db, siteId, state.version, table, to)] : []);
      if (!moved || rows.length < PAGE_ROWS || to === settled) break;
      cursor = to;
    }
  }
  return read;
}

/** Rows the cron reclassifies per run across sites, before the attribution job credits what moved. */
const CRON_RECLASSIFY_ROWS = 100_000;

/**
 * Continues every unfinished walk (a site too large for the PUT that started it), then every
 * unfinished recheck around recent changes, within `budget` (the one the attribution job then uses).
 */
export async function continueReclassifications(db: D1Database, budget: QueryBudget, maxRows = CRON_RECLASSIFY_ROWS, now = Date.now()): Promise<void> {
  let left = maxRows;
  const walking = await sitesReclassifying(db);
  budget.spend(1);
  for (const siteId of walking) {
    if (left <= 0 || budget.exhausted) return;
    try {
      left -= (await reclassifyStep(db, siteId, left, now, budget)).rowsRead;
    } catch (err) {
      // One site's failure must not hold back the others; its walk resumes where it stopped.
      console.error('reclassification failed', siteId, err);
    }
  }
  const rechecking = await sitesRechecking(db);
  budget.spend(1);
  for (const siteId of rechecking) {
    if (left <= 0 || budget.exhausted) return;
    try {
      left -= await recheckSite(db, siteId, left, now, budget);
    } catch (err) {
      console.error('reclassification recheck failed', siteId, err);
    }
  }
}
