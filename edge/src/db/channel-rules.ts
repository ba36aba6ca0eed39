// Channel rules (migration 0010): the stored rules and version, and the statements of the walk that
// reclassifies a site's stored touches and spend after a change, page by page in id order.
import type { ChannelRule } from '../../../schemas/governance';
import { enqueueTouchKeys } from './attribution';

export type ReclassPhase = 'touches' | 'spend' | 'done';

export interface ChannelRulesRow {
  version: number;
  rules: ChannelRule[];
  updated_at: number;
  reclass_version: number;
  reclass_phase: ReclassPhase;
  reclass_cursor: string;
}

export async function readChannelRules(db: D1Database, siteId: string): Promise<ChannelRulesRow | null> {
  const row = await db
    .prepare('SELECT version, rules, updated_at, reclass_version, reclass_phase, reclass_cursor FROM channel_rules WHERE site_id = ?')
    .bind(siteId)
    .first<Omit<ChannelRulesRow, 'rules'> & { rules: string }>();
  return row ? { ...row, rules: JSON.parse(row.rules) as ChannelRule[] } : null;
}

/** Stores the rules as version `version` and restarts the walk from the first touch. */
export function writeChannelRules(db: D1Database, siteId: string, rules: ChannelRule[], version: number, now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO channel_rules (site_id, version, rules, updated_at, reclass_version, reclass_phase, reclass_cursor)
       VALUES (?1, ?2, ?3, ?4, ?2, 'touches', '')
       ON CONFLICT (site_id) DO UPDATE SET version = excluded.version, rules = excluded.rules, updated_at = excluded.updated_at,
         reclass_version = excluded.reclass_version, reclass_phase = 'touches', reclass_cursor = ''`,
    )
    .bind(siteId, version, JSON.stringify(rules), now);
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

/** Touches received at or after `from`, in (received_at, touch_id) order after a cursor. */
export function touchesReceivedSince(db: D1Database, siteId: string, from: number, after: { at: number; id: string }, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${TOUCH_FIELDS}, received_at FROM touches INDEXED BY touches_by_received
       WHERE site_id = ?1 AND received_at >= ?2 AND (received_at, touch_id) > (?3, ?4) ORDER BY received_at, touch_id LIMIT ?5`,
    )
    .bind(siteId, from, after.at, after.id, limit);
}

/** Sites whose rules changed at or after `since`, with when. */
export async function sitesWithRulesChangedSince(db: D1Database, since: number): Promise<{ site_id: string; updated_at: number }[]> {
  const { results } = await db
    .prepare('SELECT site_id, updated_at FROM channel_rules WHERE updated_at >= ?')
    .bind(since)
    .all<{ site_id: string; updated_at: number }>();
  return results;
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
      'SELECT spend_id, channel, channel_sent, source, medium, campaign FROM spend WHERE site_id = ?1 AND spend_id > ?2 ORDER BY spend_id LIMIT ?3',
    )
    .bind(siteId, after, limit);
}

/** Only while the rules are still `version`: a walk overtaken by a newer change writes nothing. */
const STILL_VERSION = 'EXISTS (SELECT 1 FROM channel_rules r WHERE r.site_id = ?1 AND r.version = ?3)';

export interface ChannelChange {
  id: string;
  channel: string;
}

/**
 * One page's writes, in one batch: the new channels of the rows whose channel changes (no other row
 * is written), the re-crediting of the touches' keys, and the walk's place (when it is a walk's page).
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
    const json = JSON.stringify(page.changes.map((c) => ({ id: c.id, c: c.channel })));
    const idColumn = page.table === 'touches' ? 'touch_id' : 'spend_id';
    statements.push(
      db
        .prepare(
          `UPDATE ${page.table} SET channel = j.value->>'c' FROM json_each(?2) AS j
           WHERE ${page.table}.site_id = ?1 AND ${page.table}.${idColumn} = j.value->>'id' AND ${STILL_VERSION}`,
        )
        .bind(siteId, json, version),
    );
    if (page.table === 'touches') statements.push(enqueueTouchKeys(db, siteId, JSON.stringify(page.changes.map((c) => c.id)), markedAt));
  }
  if (page.next) {
    statements.push(
      db
        .prepare('UPDATE channel_rules SET reclass_phase = ?2, reclass_cursor = ?4 WHERE site_id = ?1 AND version = ?3')
        .bind(siteId, page.next.phase, version, page.next.cursor),
    );
  }
  return statements;
}
