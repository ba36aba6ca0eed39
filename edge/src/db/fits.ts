// The data-driven models' fits (migration 0008): read for crediting and for GET /v1/models, and
// replaced whole, every stage at once, when the site is refitted; and what a fit reads.
import { akeySql, CONVERSION_AKEY_SQL } from '../../../schemas/akey';
import { groupedTouchesSql } from './attribution';

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
 * The keys whose journeys a fit reads by key: accounts and free-mail contacts. Lone visitors, by far
 * the most keys on a real site and mostly one or two touches each, are read by loneVisitorTouches.
 */
export function keySources(db: D1Database, siteId: string): { accounts: D1PreparedStatement; personal: D1PreparedStatement } {
  return {
    accounts: db.prepare('SELECT domain AS id FROM accounts WHERE site_id = ?1').bind(siteId),
    personal: db.prepare('SELECT contact_id AS id FROM contacts WHERE site_id = ?1 AND account_domain IS NULL').bind(siteId),
  };
}

/** A touch of a lone visitor after ?2, in ?3–?4 (the same filters as the job's visitor path). */
const LONE_VISITOR_TOUCH = `t.site_id = ?1 AND t.visitor_id > ?2 AND t.occurred_at BETWEEN ?3 AND ?4
         AND +t.contact_id IS NULL AND +t.account_domain IS NULL
         AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)`;

/**
 * A page of lone visitors (anonymous ids that reach nobody else: key rule 4) after `after`, in
 * visitor order, each with its touches in the range grouped as the job's grouped touch loads give
 * them (db/attribution.ts TouchGroup, journey columns): one walk along touches_by_visitor instead of
 * a lookup per visitor. `id` is the page's cursor. A visitor with touches only outside the range has
 * no journey and no row. A visitor past D1's value limit fails the statement (isTooBig): the caller
 * then pages by loneVisitorIds and reads those visitors by key.
 */
export function loneVisitorTouches(db: D1Database, siteId: string, after: string, range: { from: number; to: number }, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT t.visitor_id AS id, ${akeySql.visitor('t.visitor_id')} AS akey, ${groupedTouchesSql('journey')} AS touches
       FROM touches t INDEXED BY touches_by_visitor
       WHERE ${LONE_VISITOR_TOUCH}
       GROUP BY t.visitor_id ORDER BY t.visitor_id LIMIT ?5`,
    )
    .bind(siteId, after, range.from, range.to, limit);
}

/** The visitors of the same page as loneVisitorTouches, without their touches. */
export function loneVisitorIds(db: D1Database, siteId: string, after: string, range: { from: number; to: number }, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT DISTINCT t.visitor_id AS id FROM touches t INDEXED BY touches_by_visitor
       WHERE ${LONE_VISITOR_TOUCH} ORDER BY t.visitor_id LIMIT ?5`,
    )
    .bind(siteId, after, range.from, range.to, limit);
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
