// Reclassification of a site's history after its channel rules change (docs/governance.md): every
// stored touch and spend row is classified again from its raw fields by the same function ingest uses,
// a page at a time in id order. Only rows whose channel changes are written, and the keys of changed
// touches are queued so the next job run re-credits exactly them. The walk keeps its place in
// channel_rules, so a large site continues over several requests or cron runs.
import {
  readChannelRules,
  reclassifyStatements,
  sitesReclassifying,
  sitesWithRulesChangedSince,
  spendPage,
  touchPage,
  touchesReceivedSince,
  type ChannelChange,
  type ReclassPhase,
  type StoredSpendFields,
  type StoredTouchFields,
} from '../db/channel-rules';
import { compileRules, type CompiledRules } from './channel-rules';
import { classifySpend, classifyTouch } from './classify';

/** Rows per page: one read and one write batch each, well within D1's statement and parameter limits. */
const PAGE_ROWS = 1000;

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
    if (channel !== t.channel) out.push({ id: t.touch_id, channel });
  }
  return out;
}

function spendChanges(rows: StoredSpendFields[], rules: CompiledRules): ChannelChange[] {
  const out: ChannelChange[] = [];
  for (const s of rows) {
    if (s.channel_sent !== null) continue;
    const channel = classifySpend(s, rules);
    if (channel !== s.channel) out.push({ id: s.spend_id, channel });
  }
  return out;
}

/**
 * Continues the site's walk for at most `maxRows` rows read (at least one page). Returns where it
 * stands; `done` once every touch and spend row is classified by the current rules.
 */
export async function reclassifyStep(db: D1Database, siteId: string, maxRows: number, now = Date.now()): Promise<ReclassifyProgress> {
  const progress: ReclassifyProgress = { done: true, touchesChanged: 0, spendChanged: 0, rowsRead: 0 };
  const state = await readChannelRules(db, siteId);
  if (!state || state.reclass_phase === 'done') return progress;
  const rules = compileRules(state.rules);
  let phase: ReclassPhase = state.reclass_phase;
  let cursor = state.reclass_cursor;
  // Empty pages read nothing but still move the walk on, so the loop always ends.
  while (phase !== 'done' && (progress.rowsRead === 0 || progress.rowsRead < maxRows)) {
    if (phase === 'touches') {
      const { results } = await touchPage(db, siteId, cursor, PAGE_ROWS).all<StoredTouchFields>();
      const changes = touchChanges(results, rules);
      const full = results.length === PAGE_ROWS;
      const next: { phase: ReclassPhase; cursor: string } = full ? { phase, cursor: results[results.length - 1].touch_id } : { phase: 'spend', cursor: '' };
      await db.batch(reclassifyStatements(db, siteId, state.version, { table: 'touches', changes, next }, now));
      progress.rowsRead += results.length;
      progress.touchesChanged += changes.length;
      ({ phase, cursor } = next);
    } else {
      const { results } = await spendPage(db, siteId, cursor, PAGE_ROWS).all<StoredSpendFields>();
      const changes = spendChanges(results, rules);
      const full = results.length === PAGE_ROWS;
      const next: { phase: ReclassPhase; cursor: string } = full ? { phase, cursor: results[results.length - 1].spend_id } : { phase: 'done', cursor: '' };
      await db.batch(reclassifyStatements(db, siteId, state.version, { table: 'spend', changes, next }, now));
      progress.rowsRead += results.length;
      progress.spendChanged += changes.length;
      ({ phase, cursor } = next);
    }
  }
  progress.done = phase === 'done';
  return progress;
}

/**
 * Other Worker instances serve a site's previous rules for a few seconds after a change (their site
 * cache), so a touch one of them stores then, after the walk has passed its id, may carry the old
 * channel. Touches received from shortly before a change on are therefore checked again by the job
 * runs of the next half hour (the cron runs every 15 minutes, so at least once after every cache
 * has expired). Only rows whose channel differs are written, so checking twice costs reads only.
 */
const RECHECK_MARGIN_MS = 60_000;
const RECHECK_FOR_MS = 30 * 60_000;

/** Re-checks the touches received since a site's last change of rules (if recent); returns rows read. */
export async function recheckRecentTouches(db: D1Database, siteId: string, changedAt: number, maxRows: number, now = Date.now()): Promise<number> {
  const state = await readChannelRules(db, siteId);
  if (!state || state.updated_at !== changedAt) return 0;
  const rules = compileRules(state.rules);
  let read = 0;
  let after = { at: 0, id: '' };
  while (read < maxRows) {
    const { results } = await touchesReceivedSince(db, siteId, changedAt - RECHECK_MARGIN_MS, after, PAGE_ROWS).all<StoredTouchFields & { received_at: number }>();
    if (!results.length) break;
    const changes = touchChanges(results, rules);
    if (changes.length) await db.batch(reclassifyStatements(db, siteId, state.version, { table: 'touches', changes }, now));
    read += results.length;
    const last = results[results.length - 1];
    after = { at: last.received_at, id: last.touch_id };
    if (results.length < PAGE_ROWS) break;
  }
  return read;
}

/** The recheck for one site, when its rules changed within the last half hour (a job run for that site). */
export async function recheckSite(db: D1Database, siteId: string, maxRows: number, now = Date.now()): Promise<void> {
  const state = await readChannelRules(db, siteId);
  if (state && state.updated_at >= now - RECHECK_FOR_MS) await recheckRecentTouches(db, siteId, state.updated_at, maxRows, now);
}

/** Rows the cron reclassifies per run across sites, before the attribution job credits what moved. */
const CRON_RECLASSIFY_ROWS = 100_000;

/**
 * Continues every unfinished walk (a site too large for the PUT that started it), then re-checks the
 * touches received around recent changes.
 */
export async function continueReclassifications(db: D1Database, maxRows = CRON_RECLASSIFY_ROWS, now = Date.now()): Promise<void> {
  let left = maxRows;
  for (const siteId of await sitesReclassifying(db)) {
    if (left <= 0) break;
    try {
      left -= (await reclassifyStep(db, siteId, left, now)).rowsRead;
    } catch (err) {
      // One site's failure must not hold back the others; its walk resumes where it stopped.
      console.error('reclassification failed', siteId, err);
    }
  }
  for (const { site_id, updated_at } of await sitesWithRulesChangedSince(db, now - RECHECK_FOR_MS)) {
    if (left <= 0) break;
    try {
      left -= await recheckRecentTouches(db, site_id, updated_at, left, now);
    } catch (err) {
      console.error('reclassification recheck failed', site_id, err);
    }
  }
}
