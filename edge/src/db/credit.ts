// Stored credit (one row per conversion, schemas/credit.ts): the job's writes and the guard against
// a concurrent run, and the reads of reports, journeys and audits. Every statement is keyed by site.
import { abortWhen } from './guard';
import { chunks, deleteByIds, jsonParts } from './json-parts';
import { conversionRateSql } from './rates';

export interface CreditRowMeta {
  conversion_id: string;
  akey: string;
  stage: string;
  converted_at: number;
  amount_cents: number;
  window_touches: number;
}

/** A conversion's new credit: its meta, its encoded parts with each part's journey (encodeJourney), and their hash. */
export interface NewCredit extends CreditRowMeta {
  parts: string[];
  journeys: string[];
  hash: number;
}

export interface StoredCreditRow extends CreditRowMeta {
  part: number;
  payload: string;
}

const IDS_PER_STATEMENT = 1000;
const COLUMNS = 'conversion_id, part, akey, stage, converted_at, amount_cents, window_touches, payload';

/**
 * Upserts every part of each conversion's credit and drops parts a shorter payload no longer has.
 * An upsert rewrites only the indexes whose columns changed (D1 bills each written index entry).
 */
export function writeCredit(db: D1Database, siteId: string, credit: NewCredit[], stamp: number): D1PreparedStatement[] {
  const rows: string[] = [];
  for (const c of credit) {
    c.parts.forEach((payload, part) =>
      rows.push(JSON.stringify([c.conversion_id, part, c.akey, c.stage, c.converted_at, c.amount_cents, c.window_touches, c.hash, payload, c.journeys[part]])),
    );
  }
  const upserts = jsonParts(rows, 500_000, 500).map((json) =>
    db
      .prepare(
        `INSERT INTO credit (site_id, conversion_id, part, akey, stage, converted_at, amount_cents, window_touches, payload_hash, payload, journey, journey_hash, computed_at)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7, j.value->>8, j.value->>9, j.value->>7, ?3
         FROM json_each(?2) AS j WHERE true
         ON CONFLICT (site_id, conversion_id, part) DO UPDATE SET akey = excluded.akey, stage = excluded.stage,
           converted_at = excluded.converted_at, amount_cents = excluded.amount_cents, window_touches = excluded.window_touches,
           payload_hash = excluded.payload_hash, payload = excluded.payload, journey = excluded.journey, journey_hash = excluded.journey_hash, computed_at = excluded.computed_at`,
      )
      .bind(siteId, json, stamp),
  );
  const counts = credit.map((c) => ({ id: c.conversion_id, parts: c.parts.length }));
  const surplus = chunks(counts, IDS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `DELETE FROM credit WHERE site_id = ?1 AND (conversion_id, part) IN (
           SELECT c.conversion_id, c.part FROM json_each(?2) j
           CROSS JOIN credit c ON c.site_id = ?1 AND c.conversion_id = j.value->>'id' AND c.part >= j.value->>'parts')`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
  return [...upserts, ...surplus];
}

/** Removes every part of these conversions' credit (closed_lost now, or credited elsewhere). */
export function deleteCredit(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement[] {
  return deleteByIds(db, 'credit', siteId, conversionIds);
}

/**
 * Aborts the batch it is in (db/guard.ts) when these conversions' credit is no longer what the job
 * read: another run rewrote it meanwhile.
 */
export function guardCredit(db: D1Database, siteId: string, conversionIds: string[], stamps: ReadonlyMap<string, number>): D1PreparedStatement[] {
  return chunks(conversionIds, IDS_PER_STATEMENT).map((ids) => {
    let n = 0;
    let sum = 0;
    for (const id of ids) {
      const s = stamps.get(id);
      if (s !== undefined) {
        n++;
        sum += s;
      }
    }
    return db
      .prepare(
        abortWhen(`EXISTS (SELECT 1 FROM (
           SELECT COUNT(*) AS n, COALESCE(SUM(m.computed_at), 0) AS total FROM json_each(?2) i
           CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = i.value AND m.part = 0) s
         WHERE s.n <> ?3 OR s.total <> ?4)`),
      )
      .bind(siteId, JSON.stringify(ids), n, sum);
  });
}

/** Credit of some conversions, every part, in part order (journeys). */
export function creditOf(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${COLUMNS} FROM json_each(?2) i CROSS JOIN credit c ON c.site_id = ?1 AND c.conversion_id = i.value
       ORDER BY c.conversion_id, c.part`,
    )
    .bind(siteId, JSON.stringify(conversionIds));
}

/** Credit of one stage converted in [fromMs, toMs], through credit_by_stage_time (partial days, rollup rebuilds). */
export function creditInRange(db: D1Database, siteId: string, stage: string, fromMs: number, toMs: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT ${COLUMNS} FROM credit INDEXED BY credit_by_stage_time
       WHERE site_id = ?1 AND stage = ?2 AND converted_at BETWEEN ?3 AND ?4 ORDER BY conversion_id, part`,
    )
    .bind(siteId, stage, fromMs, toMs);
}

/** Groups rows of the statements above by conversion, parts in order. */
export function groupParts(rows: readonly StoredCreditRow[]): { meta: CreditRowMeta; payloads: string[] }[] {
  const out: { meta: CreditRowMeta; payloads: string[] }[] = [];
  let last: { meta: CreditRowMeta; payloads: string[] } | undefined;
  for (const row of rows) {
    if (last && last.meta.conversion_id === row.conversion_id) last.payloads.push(row.payload);
    else {
      const { part: _part, payload, ...meta } = row;
      last = { meta, payloads: [payload] };
      out.push(last);
    }
  }
  return out;
}

/** Whole-site audit reads (tests and benchmarks, not requests): every credit row and every conversion. */
export function allCredit(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare(`SELECT ${COLUMNS} FROM credit WHERE site_id = ?1 ORDER BY conversion_id, part`).bind(siteId);
}

/** With each amount's rate into the reporting currency `currency` (db/rates.ts). */
export function allConversions(db: D1Database, siteId: string, currency: string): D1PreparedStatement {
  return db
    .prepare(`SELECT conversion_id, stage, occurred_at, amount_cents, ${conversionRateSql('?2')} AS rate FROM conversions cv WHERE cv.site_id = ?1`)
    .bind(siteId, currency);
}
