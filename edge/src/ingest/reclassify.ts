// Reclassification of a site's history after its channel rules change (docs/governance.md): every
// stored touch and spend row is classified again from its raw fields by the same function ingest uses,
// a page at a time in id order. Only rows whose channel changes are written, and the keys of changed
// touches are queued so the next job run re-credits exactly them. The walk keeps its place in
// channel_rules, so a large site continues over several requests or cron runs.
import {
  readChannelRules,
  reclassifyStatements,
  sitesReclassifying,
  spendPage,
  touchPage,
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

function touchChanges(rows: StoredTouchFields[], rules: CompiledRules): ChannelChange[] {
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

/** Rows the cron reclassifies per run across sites, before the attribution job credits what moved. */
const CRON_RECLASSIFY_ROWS = 100_000;

/** Continues every unfinished walk (a site too large for the PUT that started it), oldest first. */
export async function continueReclassifications(db: D1Database, maxRows = CRON_RECLASSIFY_ROWS): Promise<void> {
  let left = maxRows;
  for (const siteId of await sitesReclassifying(db)) {
    if (left <= 0) break;
    try {
      left -= (await reclassifyStep(db, siteId, left)).rowsRead;
    } catch (err) {
      // One site's failure must not hold back the others; its walk resumes where it stopped.
      console.error('reclassification failed', siteId, err);
    }
  }
}
