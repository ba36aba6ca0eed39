// The attribution job's reads: its per-site state, the change scan that fills the key queue, and the
// loads of one chunk's conversions and touches. Keys and stitching rules: schemas/akey.ts.
import { akeySql, CONVERSION_AKEY_SQL } from '../../../schemas/akey';
import type { TouchFields } from '../../../schemas/dimensions';
import { enqueueSql } from './queue';
import { clearTails, markTailsSql } from './tails';
import { conversionRateSql } from './rates';

/**
 * Every key a set of touches `changed(account_domain, contact_id, visitor_id, occurred_at)` belongs to
 * (rules 1–4). An anonymous visitor's key only matters to credit when one of its conversions can be
 * credited there; its journeys (key_tails) matter whatever its conversions, while it is a lone
 * visitor (a link gives its history to the contact, and the links scan marks both keys).
 */
const changedTouchKeys = (visitors: 'with conversions' | 'lone') => `
  SELECT account_domain AS akey, occurred_at AS since FROM changed WHERE account_domain IS NOT NULL
  UNION ALL SELECT ${akeySql.contact('ct')}, ch.occurred_at
    FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id
    WHERE ch.account_domain IS NULL
  UNION ALL SELECT ${akeySql.contact('ct')}, ch.occurred_at
    FROM changed ch CROSS JOIN identity_links l ON l.site_id = ?1 AND l.visitor_id = ch.visitor_id
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = l.contact_id
    WHERE ch.account_domain IS NULL AND ch.contact_id IS NULL
  UNION ALL SELECT ${akeySql.visitor('ch.visitor_id')}, ch.occurred_at FROM changed ch
    WHERE ch.account_domain IS NULL AND ch.contact_id IS NULL AND ch.visitor_id IS NOT NULL${
      visitors === 'lone'
        ? '\n      AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = ch.visitor_id)'
        : '\n      AND EXISTS (SELECT 1 FROM conversions cv WHERE cv.site_id = ?1 AND cv.visitor_id = ch.visitor_id)'
    }`;
const CHANGED_TOUCH_KEYS = changedTouchKeys('with conversions');

/**
 * Touches joining a key at `since` can move only the credit of its conversions at or after then:
 * those already credited under the key are found here. New conversions, and conversions that join
 * the key, are queued by their own scans (conversions, links).
 */
const CREDIT_AFTER = 'WHERE EXISTS (SELECT 1 FROM credit m WHERE m.site_id = ?1 AND m.akey = k.akey AND m.converted_at >= k.since)';

/** Where the incremental scan starts: set by the batch's first statement (scanStatements). */
const FROM = '(SELECT scan_from FROM attribution_state WHERE site_id = ?1)';
const IN_WINDOW = (col: string) => `${col} > ${FROM} AND ${col} <= ?2`;

/** New touches, and touches upgraded to form_fill by a form received since (no received_at change). */
const CHANGED_TOUCHES = `WITH changed AS (
      SELECT account_domain, contact_id, visitor_id, occurred_at FROM touches WHERE site_id = ?1 AND ${IN_WINDOW('received_at')}
      UNION ALL SELECT t.account_domain, t.contact_id, t.visitor_id, t.occurred_at FROM events e
        CROSS JOIN touches t ON t.site_id = ?1 AND t.session_id = e.session_id
        WHERE e.site_id = ?1 AND e.type = 'form' AND ${IN_WINDOW('e.received_at')})`;
const CHANGED_LINKS = `WITH changed AS (
      SELECT visitor_id, contact_id FROM identity_links WHERE site_id = ?1 AND ${IN_WINDOW('received_at')})`;
/** A contact whose account changed moves whole: its key now, and its personal key if it had one. */
const CHANGED_CONTACT_KEYS = `SELECT ${akeySql.contact('ct')} AS akey, 0 AS since FROM contacts ct WHERE ct.site_id = ?1 AND ${IN_WINDOW('ct.updated_at')}
     UNION ALL SELECT ${akeySql.personal('ct.contact_id')}, 0 FROM contacts ct
       WHERE ct.site_id = ?1 AND ${IN_WINDOW('ct.updated_at')} AND ct.account_domain IS NOT NULL`;
/** A changed conversion belongs where it now belongs, and to where it was credited. */
const CHANGED_CONVERSION_KEYS = `SELECT ${CONVERSION_AKEY_SQL} AS akey, MIN(cv.occurred_at, COALESCE(m.converted_at, cv.occurred_at)) AS since
       FROM conversions cv LEFT JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0
       WHERE cv.site_id = ?1 AND ${IN_WINDOW('cv.updated_at')}
     UNION ALL SELECT m.akey, m.converted_at FROM conversions cv
       CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0
       WHERE cv.site_id = ?1 AND ${IN_WINDOW('cv.updated_at')}`;

/**
 * Each statement reads changes in (scan_from, ?2] and marks keys with ?3, with the earliest
 * conversion time whose credit the change can move (a conversion's credit depends only on data at
 * or before it). CROSS JOIN keeps the few changed rows as the outer loop.
 */
const SCANS = {
  touches: `${CHANGED_TOUCHES}
    ${enqueueSql(
      `SELECT k.akey, k.since FROM (${CHANGED_TOUCH_KEYS}) AS k ${CREDIT_AFTER}`,
      '?3',
    )}`,
  // A new link moves the visitor's history (touches and conversions) to the contact's key, and
  // moves its conversions away from the key they were credited under.
  links: `${CHANGED_LINKS}
    ${enqueueSql(
      `SELECT k.akey, k.since FROM (
         SELECT ${akeySql.contact('ct')} AS akey,
                (SELECT MIN(t.occurred_at) FROM touches t WHERE t.site_id = ?1 AND t.visitor_id = ch.visitor_id) AS since
         FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id) AS k
       ${CREDIT_AFTER}
       UNION ALL SELECT ${akeySql.contact('ct')}, cv.occurred_at
         FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id
         CROSS JOIN conversions cv ON cv.site_id = ?1 AND cv.visitor_id = ch.visitor_id
       UNION ALL SELECT m.akey, m.converted_at FROM changed ch
         CROSS JOIN conversions cv ON cv.site_id = ?1 AND cv.visitor_id = ch.visitor_id
         CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0`,
      '?3',
    )}`,
  contacts: enqueueSql(CHANGED_CONTACT_KEYS, '?3'),
  // A changed conversion is recomputed where it now belongs and removed from where it was credited.
  conversions: enqueueSql(CHANGED_CONVERSION_KEYS, '?3', 'credit'),
};

/**
 * The same changes mark the keys whose stored journeys (key_tails) they move: every key of changed
 * touches, both ends of a new link (the visitor's history leaves its own key), a contact's keys, and
 * a changed conversion's keys (where a key's non-converting journey starts).
 */
const TAIL_SCANS = {
  touches: `${CHANGED_TOUCHES}
    ${markTailsSql(`SELECT akey, since FROM (${changedTouchKeys('lone')})`, '?3')}`,
  // The contact's key gains the visitor's touches (from its earliest on); the visitor's loses them all.
  links: `${CHANGED_LINKS}
    ${markTailsSql(
      `SELECT ${akeySql.contact('ct')} AS akey, (SELECT MIN(t.occurred_at) FROM touches t WHERE t.site_id = ?1 AND t.visitor_id = ch.visitor_id) AS since
       FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id
       UNION ALL SELECT ${akeySql.visitor('ch.visitor_id')}, 0 FROM changed ch`,
      '?3',
    )}`,
  contacts: markTailsSql(CHANGED_CONTACT_KEYS, '?3'),
  // Only where the journeys start moves: no touch changed (a NULL since).
  conversions: markTailsSql(`SELECT akey, NULL AS since FROM (${CHANGED_CONVERSION_KEYS})`, '?3'),
};

/** Some touches by id (?2, a JSON list) as the scans' `changed`. */
const TOUCHES_BY_ID = `WITH changed AS (
         SELECT account_domain, contact_id, visitor_id, occurred_at FROM touches
         WHERE site_id = ?1 AND touch_id IN (SELECT value FROM json_each(?2)))`;

/**
 * Queues the keys of some touches (?2, a JSON list of touch ids) from each touch's time on, marked
 * ?3: their channel changed (a channel rule), so the credit of conversions at or after them moves.
 */
export function enqueueTouchKeys(db: D1Database, siteId: string, touchIdsJson: string, markedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `${TOUCHES_BY_ID}
       ${enqueueSql(`SELECT k.akey, k.since FROM (${CHANGED_TOUCH_KEYS}) AS k ${CREDIT_AFTER}`, '?3')}`,
    )
    .bind(siteId, touchIdsJson, markedAt);
}

/** Marks the keys of some touches (?2, a JSON list of touch ids) whose channel changed: their stored journeys moved. */
export function markTouchTails(db: D1Database, siteId: string, touchIdsJson: string, markedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `${TOUCHES_BY_ID}
       ${markTailsSql(`SELECT akey, since FROM (${changedTouchKeys('lone')})`, '?3')}`,
    )
    .bind(siteId, touchIdsJson, markedAt);
}

/** Full recompute: every key a conversion belongs to now or was last credited under, whole. */
const SCAN_ALL = enqueueSql(
  `SELECT ${CONVERSION_AKEY_SQL} AS akey, 0 AS since FROM conversions cv WHERE cv.site_id = ?1
   UNION ALL SELECT akey, 0 FROM credit WHERE site_id = ?1 AND part = 0`,
  '?3',
  'credit',
);

/**
 * What the scan saw of (?2, ?3]: per changing table, how many rows carry a stamp in it and their
 * sum. A request that commits after the scan with a stamp in there changes it; nothing else does.
 */
const OVERLAP_TABLES = [
  { table: 'touches', stamp: 'received_at', only: '' },
  { table: 'events', stamp: 'received_at', only: "type = 'form' AND " },
  { table: 'identity_links', stamp: 'received_at', only: '' },
  { table: 'contacts', stamp: 'updated_at', only: '' },
  { table: 'conversions', stamp: 'updated_at', only: '' },
];
const OVERLAP_DIGEST = OVERLAP_TABLES.map(
  ({ table, stamp, only }) =>
    `(SELECT COUNT(*) || ':' || COALESCE(SUM(${stamp}), 0) FROM ${table} WHERE ${only}site_id = ?1 AND ${stamp} > ?2 AND ${stamp} <= ?3)`,
).join(` || '|' || `);

export interface AttributionState {
  watermark: number;
  settings_hash: string;
  /** When the data-driven models were last fitted; null: never. */
  fitted_at: number | null;
  /** When every key's stored journey was last there (db/tails.ts); null: the next fit computes what is missing. */
  tails_at: number | null;
  /** The last full scan's watermark; null: none yet. */
  last_full_at: number | null;
}

export function readState(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT watermark, settings_hash, fitted_at, tails_at, last_full_at FROM attribution_state WHERE site_id = ?').bind(siteId);
}

export interface ScanWindow {
  /** Queue every key with conversions or credit, and clear every key's stored journey (key_tails) to be computed again. */
  full: boolean;
  /** The last scan's watermark. */
  watermark: number;
  /** The margin for requests stamped before the watermark but committed after the scan. */
  overlapMs: number;
  to: number;
  settingsHash: string;
  /**
   * A fit is asked for (a settings change, or on request): the site's fit is marked missing, so
   * that it is made once the queue is drained, in this run or a later one (markFitted).
   */
  refit: boolean;
}

/**
 * The scan's statements, run as one batch (one transaction), so the queue and the watermark move
 * together and a crash never loses a change: decide where to start (the overlap again only when a
 * request committed into it since the last scan), enqueue the keys changed in (start, to], then
 * advance the watermark with a digest of the new overlap.
 */
export function scanStatements(db: D1Database, siteId: string, w: ScanWindow): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  if (!w.full) {
    statements.push(
      db
        .prepare(`UPDATE attribution_state SET scan_from = CASE WHEN ${OVERLAP_DIGEST} = overlap_digest THEN ?3 ELSE ?2 END WHERE site_id = ?1`)
        .bind(siteId, w.watermark - w.overlapMs, w.watermark),
    );
  }
  for (const sql of w.full ? [SCAN_ALL] : [...Object.values(SCANS), ...Object.values(TAIL_SCANS)]) statements.push(db.prepare(sql).bind(siteId, w.to, w.to));
  // A full scan has every key's stored journey computed again: by the credit chunks that follow, and
  // by the next fit for the rest (db/tails.ts).
  if (w.full) statements.push(...clearTails(db, siteId));
  statements.push(
    db
      .prepare(
        `INSERT INTO attribution_state (site_id, watermark, settings_hash, last_run_at, last_full_at, overlap_digest, fitted_at)
         VALUES (?1, ?3, ?4, ?3, CASE WHEN ?5 THEN ?3 END, ${OVERLAP_DIGEST}, NULL)
         ON CONFLICT (site_id) DO UPDATE SET watermark = excluded.watermark, settings_hash = excluded.settings_hash,
           last_run_at = excluded.last_run_at, last_full_at = COALESCE(excluded.last_full_at, attribution_state.last_full_at),
           overlap_digest = excluded.overlap_digest, fitted_at = CASE WHEN ?6 THEN NULL ELSE attribution_state.fitted_at END,
           tails_at = CASE WHEN ?5 THEN NULL ELSE attribution_state.tails_at END`,
      )
      .bind(siteId, w.to - w.overlapMs, w.to, w.settingsHash, w.full ? 1 : 0, w.refit ? 1 : 0),
  );
  return statements;
}

/** The site's data-driven models were fitted at `at` (fitSite stored the fits). */
export function markFitted(db: D1Database, siteId: string, at: number): D1PreparedStatement {
  return db.prepare('UPDATE attribution_state SET fitted_at = ?2 WHERE site_id = ?1').bind(siteId, at);
}

/**
 * The site's fit is marked missing, so the job fits again once its queue is drained: channel rules
 * changed every touch's channel they reach (db/channel-rules.ts), and journeys are channels. (Each
 * page of that walk marks its touches' keys: markTouchTails.)
 */
export function forgetFit(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('UPDATE attribution_state SET fitted_at = NULL WHERE site_id = ?1').bind(siteId);
}

/** Sites, least recently attributed first, so that a cron run cut short does not starve the last ones. */
export async function listSitesByLastRun(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id FROM sites s LEFT JOIN attribution_state a ON a.site_id = s.id
       ORDER BY a.last_run_at IS NOT NULL, a.last_run_at, s.id`,
    )
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export interface CandidateConversion {
  conversion_id: string;
  stage: string;
  occurred_at: number;
  opportunity_id: string | null;
  amount_cents: number | null;
  /**
   * The rate that turns amount_cents into the reporting currency, as decimal text: '1' in that
   * currency (or none named), else the latest rate at or before the conversion's UTC day, or null
   * when there is none yet (the amount is then held out of revenue).
   */
  rate: string | null;
  /** Where it belongs now. */
  akey: string;
  /** Where it was last credited, when it has credit: the key, stage, time and the run's stamp. */
  credited_akey: string | null;
  credited_stage: string | null;
  credited_at: number | null;
  credited_stamp: number | null;
  credited_hash: number | null;
}

/** Each statement reaches candidates through one index; ?2 is a JSON list (D1 caps compound SELECTs). */
const CANDIDATE_PATHS = {
  byAccount: 'cv.account_domain IN (SELECT value FROM json_each(?2))',
  byAccountContacts: `cv.contact_id IN (SELECT contact_id FROM contacts
    WHERE site_id = ?1 AND account_domain IN (SELECT value FROM json_each(?2)))`,
  byAccountVisitors: `cv.visitor_id IN (SELECT l.visitor_id FROM contacts ct
    JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = ct.contact_id
    WHERE ct.site_id = ?1 AND ct.account_domain IN (SELECT value FROM json_each(?2)))`,
  byContacts: 'cv.contact_id IN (SELECT value FROM json_each(?2))',
  byContactVisitors: `cv.visitor_id IN (SELECT visitor_id FROM identity_links
    WHERE site_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2)))`,
  byVisitors: 'cv.visitor_id IN (SELECT value FROM json_each(?2))',
  byIds: 'cv.conversion_id IN (SELECT value FROM json_each(?2))',
  byCreditedKey: `cv.conversion_id IN (SELECT conversion_id FROM credit INDEXED BY credit_by_akey
    WHERE site_id = ?1 AND akey IN (SELECT value FROM json_each(?2)))`,
};

/** ?3 is the reporting currency. */
const candidateSql = (where: string) =>
  `SELECT cv.conversion_id, cv.stage, cv.occurred_at, cv.opportunity_id, cv.amount_cents, ${conversionRateSql('?3')} AS rate, ${CONVERSION_AKEY_SQL} AS akey,
          m.akey AS credited_akey, m.stage AS credited_stage, m.converted_at AS credited_at, m.computed_at AS credited_stamp,
          m.payload_hash AS credited_hash
   FROM conversions cv LEFT JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0
   WHERE cv.site_id = ?1 AND ${where}`;

/**
 * Every conversion that belongs to one of the keys now or was last credited under one of them, in
 * one round trip. The paths over-approximate (an account's contact may have a conversion with an
 * explicit other account); the caller keeps rows whose `akey` or `credited_akey` is in the chunk.
 * Conversions are never deleted, so a credited conversion is always found again.
 */
export function candidateStatements(
  db: D1Database,
  siteId: string,
  lists: { domains: string[]; contacts: string[]; visitors: string[]; conversions: string[] },
  akeys: string[],
  currency: string,
): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  const add = (where: string, list: string[]) => {
    if (list.length) statements.push(db.prepare(candidateSql(where)).bind(siteId, JSON.stringify(list), currency));
  };
  add(CANDIDATE_PATHS.byAccount, lists.domains);
  add(CANDIDATE_PATHS.byAccountContacts, lists.domains);
  add(CANDIDATE_PATHS.byAccountVisitors, lists.domains);
  add(CANDIDATE_PATHS.byContacts, lists.contacts);
  add(CANDIDATE_PATHS.byContactVisitors, lists.contacts);
  add(CANDIDATE_PATHS.byVisitors, lists.visitors);
  add(CANDIDATE_PATHS.byIds, lists.conversions);
  add(CANDIDATE_PATHS.byCreditedKey, akeys);
  return statements;
}

/** Rows of several candidate statements, one per conversion. */
export function mergeCandidates(results: D1Result<CandidateConversion>[]): CandidateConversion[] {
  const byId = new Map<string, CandidateConversion>();
  for (const r of results) for (const row of r.results) byId.set(row.conversion_id, row);
  return [...byId.values()];
}

/** A key's touch range: [from, to], inclusive. */
export interface TouchRange {
  akey: string;
  id: string;
  from: number;
  to: number;
}

export interface LoadedTouch extends TouchFields {
  akey: string;
  touch_id: string;
  occurred_at: number;
  channel: string;
  touch_type: string;
}

/** A touch's columns as crediting reads them, and what a journey reads (a data-driven fit reads the last windows of many keys, so little of each). */
const TOUCH_COLUMNS = {
  credit: ['touch_id', 'occurred_at', 'touch_type', 'channel', 'source', 'medium', 'campaign', 'content', 'term'],
  journey: ['touch_id', 'occurred_at', 'channel'],
} as const;
export type TouchColumns = keyof typeof TOUCH_COLUMNS;
const fieldsOf = (columns: TouchColumns) => TOUCH_COLUMNS[columns].map((c) => `t.${c}`).join(', ');
const IN_RANGE = "t.occurred_at >= j.value->>'f' AND t.occurred_at <= j.value->>'t'";

/**
 * How a touch statement returns its touches: a row per touch, or a row per key of the request
 * holding a JSON array of its touches (each an array of the fields in order). Grouped is what the
 * job reads: handing a row from D1 to the Worker costs several times what SQLite spends finding it,
 * so one row per key instead of per touch halves a load. A group past D1's 2 MB value limit fails
 * the statement (isTooBig); the caller then reads that request by rows.
 */
export type TouchShape = 'rows' | 'grouped';

/** A group's touches as one JSON value (ungroupTouches reads it back), for the touches `t` of one group. */
export const groupedTouchesSql = (columns: TouchColumns) => `json_group_array(json_array(${fieldsOf(columns)}))`;

const selectTouches = (columns: TouchColumns, shape: TouchShape) =>
  shape === 'rows' ? `j.value->>'k' AS akey, ${fieldsOf(columns)}` : `j.value->>'k' AS akey, ${groupedTouchesSql(columns)} AS touches`;

/**
 * Each statement walks one index from the chunk's keys; ?2 is [{k, id, f, t}]. CROSS JOIN fixes the
 * join order (SQLite's planner otherwise guesses json_each is large and scans the site's touches),
 * and the unary + keeps the NULL filters off the index, so the range on occurred_at is used.
 */
const touchPaths = (cols: string, groupBy: string) => ({
  // Account-level touches (offline touches sent with account_domain, or with a business email).
  accountDirect: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.account_domain = j.value->>'id' AND ${IN_RANGE}${groupBy}`,
  accountContacts: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
    CROSS JOIN touches t ON t.site_id = ?1 AND t.contact_id = ct.contact_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL${groupBy}`,
  accountVisitors: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
    CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = ct.contact_id
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = l.visitor_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL${groupBy}`,
  personalDirect: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.contact_id = j.value->>'id' AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL${groupBy}`,
  personalVisitors: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = j.value->>'id'
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = l.visitor_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL${groupBy}`,
  visitor: `SELECT ${cols} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = j.value->>'id' AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)${groupBy}`,
});
const pathsOf = (columns: TouchColumns) => ({
  rows: touchPaths(selectTouches(columns, 'rows'), ''),
  grouped: touchPaths(selectTouches(columns, 'grouped'), '\n    GROUP BY j.key'),
});
const PATHS = { credit: pathsOf('credit'), journey: pathsOf('journey') };

/** A row of a grouped touch statement: `touches` is JSON, [[touch_id, occurred_at, …fields in order]]. */
export interface TouchGroup {
  akey: string;
  touches: string;
}

/** The rows of grouped statements as the row statements give them: one per touch, fields named. */
export function ungroupTouches<Row extends { akey: string }>(groups: readonly TouchGroup[], columns: TouchColumns): Row[] {
  const names = TOUCH_COLUMNS[columns];
  const rows: Row[] = [];
  for (const group of groups) {
    for (const cells of JSON.parse(group.touches) as unknown[][]) {
      const row: Record<string, unknown> = { akey: group.akey };
      names.forEach((name, i) => (row[name] = cells[i]));
      rows.push(row as Row);
    }
  }
  return rows;
}

/** SQLite refuses a value past D1's limit (2,000,000 bytes): a grouped load met a key with that much in range. */
export const isTooBig = (err: unknown): boolean => /SQLITE_TOOBIG|string or blob too big/i.test(String((err as Error)?.message ?? err));

export interface TouchRequest {
  accounts: TouchRange[];
  personal: TouchRange[];
  visitors: TouchRange[];
}

/**
 * The touches of some keys within their ranges, for one batch. A touch reached through several
 * linked contacts of one account comes back more than once; the caller dedupes by id.
 */
export function touchStatements(
  db: D1Database,
  siteId: string,
  req: TouchRequest,
  columns: TouchColumns = 'credit',
  shape: TouchShape = 'rows',
): D1PreparedStatement[] {
  const paths = PATHS[columns][shape];
  const param = (list: TouchRange[]) => JSON.stringify(list.map((r) => ({ k: r.akey, id: r.id, f: r.from, t: r.to })));
  const statements: D1PreparedStatement[] = [];
  const add = (sql: string, list: TouchRange[]) => {
    if (list.length) statements.push(db.prepare(sql).bind(siteId, param(list)));
  };
  add(paths.accountDirect, req.accounts);
  add(paths.accountContacts, req.accounts);
  add(paths.accountVisitors, req.accounts);
  add(paths.personalDirect, req.personal);
  add(paths.personalVisitors, req.personal);
  add(paths.visitor, req.visitors);
  return statements;
}
