// The query API's reads: stages, conversions in a range, a journey's touches and contacts, and the
// data-quality counts. Every statement is keyed by site_id.
import { CONVERSION_AKEY_SQL } from '../../../schemas/akey';

/** The stages a site has conversions of: a skip-scan of conversions_by_time, one seek per stage. */
export function siteStages(db: D1Database, siteId: string) {
  return db
    .prepare(
      `WITH RECURSIVE s(stage) AS (
         SELECT MIN(stage) FROM conversions WHERE site_id = ?1
         UNION ALL
         SELECT (SELECT MIN(stage) FROM conversions WHERE site_id = ?1 AND stage > s.stage) FROM s WHERE s.stage IS NOT NULL
       )
       SELECT stage FROM s WHERE stage IS NOT NULL LIMIT 1000`,
    )
    .bind(siteId);
}

/** Conversions of one stage in a time range and the key the job would credit each under (conversions_by_time). */
export function conversionsInRange(db: D1Database, siteId: string, stage: string, range: { fromMs: number; toMs: number }, limit: number) {
  return db
    .prepare(
      `SELECT cv.conversion_id, ${CONVERSION_AKEY_SQL} AS akey FROM conversions cv
       WHERE cv.site_id = ?1 AND cv.stage = ?2 AND cv.occurred_at BETWEEN ?3 AND ?4 LIMIT ?5`,
    )
    .bind(siteId, stage, range.fromMs, range.toMs, limit);
}

export interface JourneyTouch {
  touch_id: string;
  occurred_at: number;
  touch_type: string;
  channel: string;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
  origin: string;
  account_domain: string | null;
  contact_id: string | null;
}

const IDS_PER_STATEMENT = 2000;

/** Touches by id (primary key), as many statements as the list needs, for one batch. */
export function touchFieldStatements(db: D1Database, siteId: string, ids: string[]): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_STATEMENT) {
    statements.push(
      db
        .prepare(
          `SELECT touch_id, occurred_at, touch_type, channel, source, medium, campaign, content, term, origin,
                  account_domain, contact_id
           FROM touches WHERE site_id = ?1 AND touch_id IN (SELECT value FROM json_each(?2))`,
        )
        .bind(siteId, JSON.stringify(ids.slice(i, i + IDS_PER_STATEMENT))),
    );
  }
  return statements;
}

/** An account's contacts (hashed ids only), by contacts_by_account. */
export function accountContacts(db: D1Database, siteId: string, domain: string) {
  return db
    .prepare('SELECT contact_id, first_seen FROM contacts WHERE site_id = ?1 AND account_domain = ?2 ORDER BY first_seen, contact_id')
    .bind(siteId, domain);
}

/** Conversion details for the journey: amounts and currency the job's loader does not read. */
export function conversionDetails(db: D1Database, siteId: string, conversionIds: string[]) {
  return db
    .prepare(
      `SELECT conversion_id, currency FROM conversions
       WHERE site_id = ?1 AND conversion_id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(siteId, JSON.stringify(conversionIds));
}

// ---- Data quality ----

/** Daily counters over whole days (YYYY-MM-DD, inclusive), by the site_counters primary key. */
export function counterSums(db: D1Database, siteId: string, fromDay: string, toDay: string) {
  return db
    .prepare('SELECT metric, SUM(n) AS n FROM site_counters WHERE site_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY metric')
    .bind(siteId, fromDay, toDay);
}

/** Visitors and how many carry an identity link (current state, all time). */
export function visitorIdentity(db: D1Database, siteId: string) {
  return db
    .prepare(
      `SELECT COUNT(*) AS visitors,
              COALESCE(SUM(EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = v.visitor_id)), 0) AS identified
       FROM visitors v WHERE v.site_id = ?1`,
    )
    .bind(siteId);
}

/** Contacts and how many are free-mail (no account); contacts_by_account covers it. */
export function contactAccounts(db: D1Database, siteId: string) {
  return db
    .prepare('SELECT COUNT(*) AS contacts, COALESCE(SUM(account_domain IS NULL), 0) AS free_mail FROM contacts WHERE site_id = ?1')
    .bind(siteId);
}

/**
 * Touches that occurred in the range, and how many are Direct or Unassigned. No index has the
 * site's touches by time, so this reads the site's touch rows once; it is a health report, not a
 * per-page-view query (credit reports never read touches).
 */
export function touchChannelShare(db: D1Database, siteId: string, fromMs: number, toMs: number) {
  return db
    .prepare(
      `SELECT COUNT(*) AS total, COALESCE(SUM(channel = 'Direct'), 0) AS direct, COALESCE(SUM(channel = 'Unassigned'), 0) AS unassigned
       FROM touches WHERE site_id = ?1 AND occurred_at BETWEEN ?2 AND ?3`,
    )
    .bind(siteId, fromMs, toMs);
}

/** Credited conversions converted in the range and those credited "(no touch)", one index range per stage. */
export function noTouchShare(db: D1Database, siteId: string, stages: string[], fromMs: number, toMs: number) {
  return db
    .prepare(
      `SELECT COUNT(*) AS credited, COALESCE(SUM(window_touches = 0), 0) AS without_touch FROM credit INDEXED BY credit_by_stage_time
       WHERE site_id = ?1 AND stage IN (SELECT value FROM json_each(?2)) AND converted_at BETWEEN ?3 AND ?4 AND part = 0`,
    )
    .bind(siteId, JSON.stringify(stages), fromMs, toMs);
}
