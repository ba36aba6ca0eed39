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
 * Every key that can have a journey: accounts, free-mail contacts, and anonymous ids of touches that
 * reach nobody else (DISTINCT over touches_by_visitor). A key without touches has no journey anyway.
 */
export function allKeySources(db: D1Database, siteId: string): { accounts: D1PreparedStatement; personal: D1PreparedStatement; visitors: D1PreparedStatement } {
  return {
    accounts: db.prepare('SELECT domain AS id FROM accounts WHERE site_id = ?1').bind(siteId),
    personal: db.prepare('SELECT contact_id AS id FROM contacts WHERE site_id = ?1 AND account_domain IS NULL').bind(siteId),
    visitors: db
      .prepare(
        `SELECT DISTINCT t.visitor_id AS id FROM touches t INDEXED BY touches_by_visitor
         WHERE t.site_id = ?1 AND t.visitor_id IS NOT NULL AND +t.contact_id IS NULL AND +t.account_domain IS NULL
           AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)`,
      )
      .bind(siteId),
  };
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
