// The data-driven models' fits (migration 0008): read for crediting and for GET /v1/models, and
// replaced whole, every stage at once, when the site is refitted; and what a fit reads.
import { CONVERSION_AKEY_SQL } from '../../../schemas/akey';

export interface StoredFit {
  stage: string;
  fitted_at: number;
  window_days: number;
  converting: number;
  non_converting: number;
  /** JSON: {"<model>": fit} */
  fit: string;
}

export function readFits(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT stage, fitted_at, window_days, converting, non_converting, fit FROM model_fits WHERE site_id = ?1').bind(siteId);
}

export function readFit(db: D1Database, siteId: string, stage: string): D1PreparedStatement {
  return db
    .prepare('SELECT stage, fitted_at, window_days, converting, non_converting, fit FROM model_fits WHERE site_id = ?1 AND stage = ?2')
    .bind(siteId, stage);
}

/** Every stage's fit replaced in one batch (the scan that follows stamps the site as fitted). */
export function replaceFits(db: D1Database, siteId: string, fits: StoredFit[]): D1PreparedStatement[] {
  return [
    db.prepare('DELETE FROM model_fits WHERE site_id = ?1').bind(siteId),
    ...fits.map((f) =>
      db
        .prepare(
          `INSERT INTO model_fits (site_id, stage, fitted_at, window_days, converting, non_converting, fit)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
        )
        .bind(siteId, f.stage, f.fitted_at, f.window_days, f.converting, f.non_converting, f.fit),
    ),
  ];
}

/**
 * A page of the site's identities a fit stitches touches with (schemas/akey.ts stitching), after the
 * cursor in key order, as one row: `n` rows in `rows`, JSON [[contact_id, account_domain]] for
 * contacts (cursor: the last contact_id), [[visitor_id, contact_id]] for identity links (cursor:
 * the last pair). One JSON value per page crosses from D1 far faster than as many rows; ids are at
 * most a few hundred characters, so a page of 5,000 stays under D1's 2 MB value limit.
 */
export function stitchingPage(db: D1Database, siteId: string, table: 'contacts' | 'links', after: readonly [string, string], limit: number): D1PreparedStatement {
  if (table === 'contacts') {
    return db
      .prepare(
        `SELECT COUNT(*) AS n, json_group_array(json_array(contact_id, account_domain)) AS rows
         FROM (SELECT contact_id, account_domain FROM contacts WHERE site_id = ?1 AND contact_id > ?2 ORDER BY contact_id LIMIT ?3)`,
      )
      .bind(siteId, after[0], limit);
  }
  return db
    .prepare(
      `SELECT COUNT(*) AS n, json_group_array(json_array(visitor_id, contact_id)) AS rows
       FROM (SELECT visitor_id, contact_id FROM identity_links
             WHERE site_id = ?1 AND (visitor_id, contact_id) > (?2, ?3) ORDER BY visitor_id, contact_id LIMIT ?4)`,
    )
    .bind(siteId, after[0], after[1], limit);
}

/** Where a walk of the site's touches is: the last touch read, in touches_by_received order. */
export interface TouchCursor {
  received: number;
  rowid: number;
}

/**
 * One page of a walk over every touch of the site with occurred_at in ?4–?5, in touches_by_received
 * order after the cursor (?2, ?3), as one row: `n` touches in `touches`, JSON
 * [[rowid, received_at, occurred_at, channel, kind, identity]]: the identity is the first of
 * account_domain (kind 0), contact_id (1) and visitor_id (2) that is set (only the first counts:
 * schemas/akey.ts touchAkeys), both null when none is. One walk of one index reads each touch once, in
 * storage order; stitching happens in the Worker. rowid is the cursor's tie-break and stands for
 * the touch in the walk.
 */
export function touchPage(db: D1Database, siteId: string, after: TouchCursor, range: { from: number; to: number }, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT COUNT(*) AS n, json_group_array(json_array(r, received_at, occurred_at, channel,
                CASE WHEN account_domain IS NOT NULL THEN 0 WHEN contact_id IS NOT NULL THEN 1 WHEN visitor_id IS NOT NULL THEN 2 END,
                COALESCE(account_domain, contact_id, visitor_id))) AS touches
       FROM (SELECT rowid AS r, received_at, occurred_at, channel, account_domain, contact_id, visitor_id
             FROM touches INDEXED BY touches_by_received
             WHERE site_id = ?1 AND (received_at, rowid) > (?2, ?3) AND +occurred_at BETWEEN ?4 AND ?5
             ORDER BY received_at, rowid LIMIT ?6)`,
    )
    .bind(siteId, after.received, after.rowid, range.from, range.to, limit);
}

/** The ids of some touches of the walk (?2: JSON list of rowids), for the rare ties in time that ids order. */
export function touchIdsByRowid(db: D1Database, siteId: string, rowids: readonly number[]): D1PreparedStatement {
  return db
    .prepare('SELECT rowid AS r, touch_id FROM touches WHERE rowid IN (SELECT value FROM json_each(?2)) AND site_id = ?1')
    .bind(siteId, JSON.stringify(rowids));
}

/** Every conversion of the site (but closed_lost) with the key it is credited under: one pass, for a fit. */
export function conversionKeys(db: D1Database, siteId: string): D1PreparedStatement {
  return db
    .prepare(
      `SELECT cv.conversion_id AS id, cv.stage, cv.occurred_at AS at, ${CONVERSION_AKEY_SQL} AS akey
       FROM conversions cv WHERE cv.site_id = ?1 AND cv.stage <> 'closed_lost'`,
    )
    .bind(siteId);
}
