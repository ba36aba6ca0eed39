// Channel rules (migration 0010): the stored rules and version, and the statements of the walk that
// reclassifies a site's stored touches and spend after a change, page by page in id order.
import type { ChannelRule } from '../../../schemas/governance';
import { enqueueTouchKeys, forgetFit, markTouchTails } from './attribution';
import type { NewChange } from './changes';

export type ReclassPhase = 'touches' | 'spend' | 'done';

export interface ChannelRulesRow {
  version: number;
  rules: ChannelRule[];
  updated_at: number;
  reclass_phase: ReclassPhase;
  reclass_cursor: string;
  /** Rows received (spend: received or updated) up to this time are checked again; 0: none. */
  recheck_until: number;
  recheck_touches: RecheckCursor;
  recheck_spend: RecheckCursor;
}

/** The last (time, id) a recheck has checked. */
export interface RecheckCursor {
  at: number;
  id: string;
}

interface ChannelRulesDbRow {
  version: number;
  rules: string;
  updated_at: number;
  reclass_phase: ReclassPhase;
  reclass_cursor: string;
  recheck_until: number;
  recheck_touches_at: number;
  recheck_touches_id: string;
  recheck_spend_at: number;
  recheck_spend_id: string;
}

export async function readChannelRules(db: D1Database, siteId: string): Promise<ChannelRulesRow | null> {
  const row = await db
    .prepare(
      `SELECT version, rules, updated_at, reclass_phase, reclass_cursor, recheck_until, recheck_touches_at, recheck_touches_id,
              recheck_spend_at, recheck_spend_id
       FROM channel_rules WHERE site_id = ?`,
    )
    .bind(siteId)
    .first<ChannelRulesDbRow>();
  if (!row) return null;
  return {
    version: row.version,
    rules: JSON.parse(row.rules) as ChannelRule[],
    updated_at: row.updated_at,
    reclass_phase: row.reclass_phase,
    reclass_cursor: row.reclass_cursor,
    recheck_until: row.recheck_until,
    recheck_touches: { at: row.recheck_touches_at, id: row.recheck_touches_id },
    recheck_spend: { at: row.recheck_spend_at, id: row.recheck_spend_id },
  };
}

/**
 * Stores the rules as version `expected + 1`, only if the stored version is still `expected` (0: none
 * stored yet), so of two saves at once one wins and the other writes nothing: the statement returns
 * the new version when it wrote. Restarts the walk from the first row, and the recheck from
 * `recheck.from` up to `recheck.until` (0: no recheck).
 */
export function writeChannelRules(
  db: D1Database,
  siteId: string,
  rules: ChannelRule[],
  expected: number,
  now: number,
  recheck: { from: number; until: number } = { from: now, until: 0 },
): D1PreparedStatement {
  const sql =
    expected === 0
      ? `INSERT INTO channel_rules (site_id, version, rules, updated_at, reclass_phase, reclass_cursor, recheck_until,
                                    recheck_touches_at, recheck_touches_id, recheck_spend_at, recheck_spend_id)
         VALUES (?1, ?2 + 1, ?3, ?4, 'touches', '', ?6, ?5, '', ?5, '')
         ON CONFLICT (site_id) DO NOTHING
         RETURNING version`
      : `UPDATE channel_rules SET version = ?2 + 1, rules = ?3, updated_at = ?4, reclass_phase = 'touches', reclass_cursor = '',
           recheck_until = ?6, recheck_touches_at = ?5, recheck_touches_id = '', recheck_spend_at = ?5, recheck_spend_id = ''
         WHERE site_id = ?1 AND version = ?2
         RETURNING version`;
  return db.prepare(sql).bind(siteId, expected, JSON.stringify(rules), now, recheck.from, recheck.until);
}

/**
 * The log entry of a rules change, in the batch after writeChannelRules: inserted only if that write
 * stored these rules as `version` at `now` (a save that lost the race logs nothing).
 */
export function insertChangeIfRulesAre(db: D1Database, siteId: string, version: number, now: number, c: NewChange & { after: { version: number; rules: ChannelRule[] } }): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO changes (site_id, at, what, before, after, by, moves_credit)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7
       WHERE EXISTS (SELECT 1 FROM channel_rules WHERE site_id = ?1 AND version = ?8 AND updated_at = ?2 AND rules = ?9)`,
    )
    .bind(siteId, now, c.what, JSON.stringify(c.before), JSON.stringify(c.after), c.by, c.movesCredit ? 1 : 0, version, JSON.stringify(c.after.rules));
}

/** Sites whose walk has not ended (the cron continues them). */
export async function sitesReclassifying(db: D1Database): Promise<string[]> {
  const { results } = await db.prepare("SELECT site_id FROM channel_rules WHERE reclass_phase <> 'done'").all<{ site_id: string }>();
  return results.map((r) => r.site_id);
}

export interface StoredTouchFields {
  touch_id: string;
  origin: string;
  touch_type: string;
  channel: string;
  channel_sent: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  referrer: string | null;
  url: string | null;
}

const TOUCH_FIELDS = 'touch_id, origin, touch_type, channel, channel_sent, source, medium, campaign, referrer, url';
const SPEND_FIELDS = 'spend_id, channel, channel_sent, source, medium, campaign';

/** The next page of touches after `after` in id order (the primary key). */
export function touchPage(db: D1Database, siteId: string, after: string, limit: number): D1PreparedStatement {
  return db
    .prepare(`SELECT ${TOUCH_FIELDS} FROM touches WHERE site_id = ?1 AND touch_id > ?2 ORDER BY touch_id LIMIT ?3`)
    .bind(siteId, after, limit);
}

/** The touches of some sessions (?2, a JSON list of session ids). */
export function sessionTouches(db: D1Database, siteId: string, sessionIds: string[]): D1PreparedStatement {
  return db
    .prepare(`SELECT ${TOUCH_FIELDS} FROM touches WHERE site_id = ?1 AND session_id IN (SELECT value FROM json_each(?2))`)
    .bind(siteId, JSON.stringify(sessionIds));
}

/** Touches received after a cursor, in (received_at, touch_id) order. */
export function touchesReceivedAfter(db: D1Database, siteId: string, after: RecheckCursor, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${TOUCH_FIELDS}, received_at AS at FROM touches INDEXED BY touches_by_received
       WHERE site_id = ?1 AND received_at >= ?2 AND (received_at, touch_id) > (?2, ?3) ORDER BY received_at, touch_id LIMIT ?4`,
    )
    .bind(siteId, after.at, after.id, limit);
}

/** Spend received or replaced after a cursor, in (updated_at, spend_id) order. */
export function spendUpdatedAfter(db: D1Database, siteId: string, after: RecheckCursor, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${SPEND_FIELDS}, updated_at AS at FROM spend INDEXED BY spend_by_updated
       WHERE site_id = ?1 AND updated_at >= ?2 AND (updated_at, spend_id) > (?2, ?3) ORDER BY updated_at, spend_id LIMIT ?4`,
    )
    .bind(siteId, after.at, after.id, limit);
}

/** Moves a recheck's place on (only while the rules are still `version`). */
export function moveRecheck(db: D1Database, siteId: string, version: number, table: 'touches' | 'spend', to: RecheckCursor): D1PreparedStatement {
  const sql =
    table === 'touches'
      ? 'UPDATE channel_rules SET recheck_touches_at = ?3, recheck_touches_id = ?4 WHERE site_id = ?1 AND version = ?2'
      : 'UPDATE channel_rules SET recheck_spend_at = ?3, recheck_spend_id = ?4 WHERE site_id = ?1 AND version = ?2';
  return db.prepare(sql).bind(siteId, version, to.at, to.id);
}

/** Sites whose recheck has not reached its end. */
export async function sitesRechecking(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare('SELECT site_id FROM channel_rules WHERE recheck_touches_at < recheck_until OR recheck_spend_at < recheck_until')
    .all<{ site_id: string }>();
  return results.map((r) => r.site_id);
}

export interface StoredSpendFields {
  spend_id: string;
  channel: string;
  channel_sent: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
}

export function spendPage(db: D1Database, siteId: string, after: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${SPEND_FIELDS} FROM spend WHERE site_id = ?1 AND spend_id > ?2 ORDER BY spend_id LIMIT ?3`,
    )
    .bind(siteId, after, limit);
}

/** Only while the rules are still `version`: a walk overtaken by a newer change writes nothing. */
const STILL_VERSION = 'EXISTS (SELECT 1 FROM channel_rules r WHERE r.site_id = ?1 AND r.version = ?3)';

export interface ChannelChange {
  id: string;
  channel: string;
  /** The row as it was read: the write happens only if it still is (a form may have changed it since). */
  was: { channel: string; touch_type?: string };
}

/**
 * One page's writes, in one batch: the new channels of the rows whose channel changes (no other row
 * is written), the re-crediting of the touches' keys, and the walk's place (when it is a walk's page).
 * The first statement (when there are changes) returns the ids it wrote: a row that changed since it
 * was read is skipped, and the caller reads it again.
 */
export function reclassifyStatements(
  db: D1Database,
  siteId: string,
  version: number,
  page: { table: 'touches' | 'spend'; changes: ChannelChange[]; next?: { phase: ReclassPhase; cursor: string } },
  markedAt: number,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  if (page.changes.length) {
    const json = JSON.stringify(page.changes.map((c) => ({ id: c.id, c: c.channel, oc: c.was.channel, ot: c.was.touch_type ?? null })));
    const t = page.table;
    const idColumn = t === 'touches' ? 'touch_id' : 'spend_id';
    const unchanged = t === 'touches' ? `AND touches.channel = j.value->>'oc' AND touches.touch_type = j.value->>'ot'` : `AND spend.channel = j.value->>'oc'`;
    statements.push(
      db
        .prepare(
          `UPDATE ${t} SET channel = j.value->>'c' FROM json_each(?2) AS j
           WHERE ${t}.site_id = ?1 AND ${t}.${idColumn} = j.value->>'id' ${unchanged} AND ${STILL_VERSION}
           RETURNING ${t}.${idColumn} AS id`,
        )
        .bind(siteId, json, version),
    );
    if (t === 'touches') {
      const ids = JSON.stringify(page.changes.map((c) => c.id));
      statements.push(enqueueTouchKeys(db, siteId, ids, markedAt), markTouchTails(db, siteId, ids, markedAt));
    }
  }
  if (page.next) {
    statements.push(
      db
        .prepare('UPDATE channel_rules SET reclass_phase = ?2, reclass_cursor = ?4 WHERE site_id = ?1 AND version = ?3')
        .bind(siteId, page.next.phase, version, page.next.cursor),
    );
    // Every touch now has the new rules' channel: the data-driven models learn them at the next run.
    if (page.next.phase === 'done') statements.push(forgetFit(db, siteId));
  }
  return statements;
}

/** Touches by id (rows a guarded write skipped, read again). */
export function touchesById(db: D1Database, siteId: string, ids: string[]): D1PreparedStatement {
  return db
    .prepare(`SELECT ${TOUCH_FIELDS} FROM touches WHERE site_id = ?1 AND touch_id IN (SELECT value FROM json_each(?2))`)
    .bind(siteId, JSON.stringify(ids));
}

export function spendById(db: D1Database, siteId: string, ids: string[]): D1PreparedStatement {
  return db
    .prepare(`SELECT ${SPEND_FIELDS} FROM spend WHERE site_id = ?1 AND spend_id IN (SELECT value FROM json_each(?2))`)
    .bind(siteId, JSON.stringify(ids));
}
