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
 * The keys whose journeys a fit reads by key, those without a stored one (db/tails.ts): accounts and
 * free-mail contacts. Lone visitors, by far the most keys on a real site and mostly one or two
 * touches each, are read by loneVisitorTouches.
 */
export function keysWithoutTails(db: D1Database, siteId: string): { accounts: D1PreparedStatement; personal: D1PreparedStatement } {
  const without = (akey: string) => `NOT EXISTS (SELECT 1 FROM key_tails k WHERE k.site_id = ?1 AND k.akey = ${akey})`;
  return {
    accounts: db.prepare(`SELECT a.domain AS id FROM accounts a WHERE a.site_id = ?1 AND ${without('a.domain')}`).bind(siteId),
    personal: db
      .prepare(`SELECT ct.contact_id AS id FROM contacts ct WHERE ct.site_id = ?1 AND ct.account_domain IS NULL AND ${without(akeySql.personal('ct.contact_id'))}`)
      .bind(siteId),
  };
}

/**
 * A touch of a lone visitor after ?2, in ?3–?4 (the same filters as the job's visitor path). The link
 * test comes first: it reads only indexes, and a linked visitor's touches then never read their
 * table rows (at 1M touches the walk took 2.0 s instead of 2.5 s).
 */
const LONE_VISITOR_TOUCH = `t.site_id = ?1 AND t.visitor_id > ?2 AND t.occurred_at BETWEEN ?3 AND ?4
         AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)
         AND +t.contact_id IS NULL AND +t.account_domain IS NULL`;

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

/**
 * A lower bound of each key's latest touch at or before ?3, from one index seek per key: an
 * account's latest touch sent to it directly, a free-mail contact's own latest touch. ?2 is
 * [{k: akey, id}]; NULL where the key has none so, and no row for a contact that now has an
 * account (its personal key is no more). A fit loads each key's touches from (this − window)
 * on: the latest through any path is at least this, so that range holds its whole last window. An
 * account's contacts and linked browsers are left out: a bound needs no more, and a seek for each of
 * them cost more than the touches it saved (at 1M touches, ~200k seeks took 3.5 s of a 12 s fit).
 */
const LATEST_SQL = {
  accounts: `SELECT j.value->>'k' AS akey,
      (SELECT MAX(t.occurred_at) FROM touches t WHERE t.site_id = ?1 AND t.account_domain = j.value->>'id' AND t.occurred_at <= ?3) AS latest
    FROM json_each(?2) j`,
  // Only contacts still without an account: the key of one that joined an account is gone (no row).
  personal: `SELECT j.value->>'k' AS akey, (SELECT t.occurred_at FROM touches t
      WHERE t.site_id = ?1 AND t.contact_id = j.value->>'id' AND t.occurred_at <= ?3 AND +t.account_domain IS NULL
      ORDER BY t.occurred_at DESC LIMIT 1) AS latest
    FROM json_each(?2) j CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = j.value->>'id' AND ct.account_domain IS NULL`,
};

/** The statements of LATEST_SQL for some accounts and free-mail contacts; rows are {akey, latest}. */
export function latestTouchStatements(
  db: D1Database,
  siteId: string,
  keys: { accounts: { akey: string; id: string }[]; personal: { akey: string; id: string }[] },
  to: number,
): D1PreparedStatement[] {
  const param = (list: { akey: string; id: string }[]) => JSON.stringify(list.map((k) => ({ k: k.akey, id: k.id })));
  const statements: D1PreparedStatement[] = [];
  if (keys.accounts.length) statements.push(db.prepare(LATEST_SQL.accounts).bind(siteId, param(keys.accounts), to));
  if (keys.personal.length) statements.push(db.prepare(LATEST_SQL.personal).bind(siteId, param(keys.personal), to));
  return statements;
}

/** Credited conversions of ?2–?3 that have window touches (a "(no touch)" conversion has no journey). */
const CONVERTING = 'c.site_id = ?1 AND c.part = 0 AND c.converted_at BETWEEN ?2 AND ?3 AND c.window_touches > 0';
/** A conversion whose journey is its part 0's alone and stored with its payload (migration 0016). */
const WHOLE_JOURNEY = `c.journey_hash IS c.payload_hash
  AND NOT EXISTS (SELECT 1 FROM credit p WHERE p.site_id = ?1 AND p.conversion_id = c.conversion_id AND p.part = 1)`;

/**
 * Converting journeys of ?2–?3 (stored credit lists each conversion's window touches: the touches
 * every model credits), each distinct (stage, journey) once with how many conversions have it.
 * Conversions split into parts or without a stored journey are left to convertingJourneyParts.
 */
export function convertingJourneys(db: D1Database, siteId: string, range: { from: number; to: number }): D1PreparedStatement {
  return db
    .prepare(`SELECT c.stage, c.journey, COUNT(*) AS n FROM credit c WHERE ${CONVERTING} AND ${WHOLE_JOURNEY} GROUP BY c.stage, c.journey`)
    .bind(siteId, range.from, range.to);
}

/**
 * A page of the converting conversions that convertingJourneys leaves out, after conversion id ?4:
 * every part in part order, each with its journey when stored for its payload, else its payload.
 */
export function convertingJourneyParts(
  db: D1Database,
  siteId: string,
  range: { from: number; to: number },
  after: string,
  limit: number,
): D1PreparedStatement {
  return db
    .prepare(
      `WITH page AS (SELECT c.conversion_id, c.stage FROM credit c WHERE ${CONVERTING} AND c.conversion_id > ?4 AND NOT (${WHOLE_JOURNEY})
         ORDER BY c.conversion_id LIMIT ?5)
       SELECT m.conversion_id, page.stage, m.part,
              CASE WHEN m.journey_hash = m.payload_hash THEN m.journey END AS journey,
              CASE WHEN m.journey_hash = m.payload_hash THEN NULL ELSE m.payload END AS payload
       FROM page CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = page.conversion_id
       ORDER BY m.conversion_id, m.part`,
    )
    .bind(siteId, range.from, range.to, after, limit);
}
