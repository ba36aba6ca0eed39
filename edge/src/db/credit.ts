// The attribution job's writes: credit rows, the key each conversion was credited under, and the
// dirty-key queue (the credit_daily rollup: db/rollup.ts). Multi-row values travel as one JSON
// parameter (json_each), never as bound lists.
import type { GroupBy } from '../../../schemas/query';
import { MODELS } from '../attribution/models';
import { fieldsOf, NOT_SET, type TouchFieldSet } from '../attribution/rollup';
import { jsonParts } from './rollup';

/**
 * [model, conversion_id, touch_id ('' = no touch), weight, revenue_cents, stage, converted_at, account,
 * weight_units (billionths of a conversion, exact per conversion and model)].
 */
export type CreditRow = [string, string, string, number, number, string, number, string, number];

/** The credit column each grouping dimension reads; NULL reports as NOT_SET. */
export const DIMENSION_COLUMN: Record<GroupBy, string> = {
  channel: 'channel',
  source: 'source',
  medium: 'medium',
  campaign: 'campaign',
  content: 'content',
  term: 'term',
  touch_type: 'touch_type',
  account: 'account_domain',
};
export { NOT_SET };
export const DAY_MS = 86_400_000;

/** Rows per INSERT at most; fewer when long field values would make the JSON parameter large. */
export const CREDIT_ROWS_PER_STATEMENT = 1000;
/** Ids per statement: a JSON list of 64-character ids stays around 150 KB. */
const IDS_PER_STATEMENT = 2000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Removes every model's credit of these conversions (the primary key leads with model, then conversion). */
export function deleteCredit(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement[] {
  return chunks(conversionIds, IDS_PER_STATEMENT).map((ids) =>
    db
      .prepare(
        `DELETE FROM credit WHERE site_id = ?1 AND model IN (SELECT value FROM json_each(?2))
           AND conversion_id IN (SELECT value FROM json_each(?3))`,
      )
      .bind(siteId, JSON.stringify(MODELS), JSON.stringify(ids)),
  );
}

/**
 * Inserts credit rows with the grouping fields the job read for their touches (`fields`), so the
 * rows and the rollup deltas computed from the same fields always agree; a no-touch row reads
 * "(no touch)" in every grouping field. Split by JSON size: field values may be 1,024 characters.
 */
export function insertCredit(
  db: D1Database,
  siteId: string,
  rows: CreditRow[],
  fields: ReadonlyMap<string, TouchFieldSet>,
): D1PreparedStatement[] {
  const encoded = rows.map((r) => {
    const f = fieldsOf(r, fields);
    return JSON.stringify([...r, f.touch_type, f.channel, f.source, f.medium, f.campaign, f.content, f.term]);
  });
  return jsonParts(encoded, 200_000, CREDIT_ROWS_PER_STATEMENT).map((json) =>
    db
      .prepare(
        `INSERT INTO credit (site_id, model, conversion_id, touch_id, weight, revenue_cents, stage, converted_at, account_domain,
                             weight_units, touch_type, channel, source, medium, campaign, content, term)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6, j.value->>7,
                j.value->>8, j.value->>9, j.value->>10, j.value->>11, j.value->>12, j.value->>13, j.value->>14, j.value->>15
         FROM json_each(?2) AS j WHERE true`,
      )
      .bind(siteId, json),
  );
}

export function upsertCreditedConversions(
  db: D1Database,
  siteId: string,
  rows: { conversion_id: string; akey: string }[],
  now: number,
): D1PreparedStatement[] {
  return chunks(rows, IDS_PER_STATEMENT / 2).map((part) =>
    db
      .prepare(
        `INSERT INTO attribution_conversions (site_id, conversion_id, akey, computed_at)
         SELECT ?1, j.value->>'conversion_id', j.value->>'akey', ?3 FROM json_each(?2) AS j WHERE true
         ON CONFLICT (site_id, conversion_id) DO UPDATE SET akey = excluded.akey, computed_at = excluded.computed_at`,
      )
      .bind(siteId, JSON.stringify(part), now),
  );
}

export function deleteCreditedConversions(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement[] {
  return chunks(conversionIds, IDS_PER_STATEMENT).map((ids) =>
    db
      .prepare('DELETE FROM attribution_conversions WHERE site_id = ?1 AND conversion_id IN (SELECT value FROM json_each(?2))')
      .bind(siteId, JSON.stringify(ids)),
  );
}

export function enqueueAkeys(db: D1Database, siteId: string, akeys: string[], markedAt: number): D1PreparedStatement[] {
  return chunks(akeys, IDS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `INSERT INTO attribution_dirty (site_id, akey, marked_at)
         SELECT ?1, value, ?3 FROM json_each(?2) WHERE true
         ON CONFLICT (site_id, akey) DO UPDATE SET marked_at = excluded.marked_at`,
      )
      .bind(siteId, JSON.stringify(part), markedAt),
  );
}

/** Records how far a heavy key got (see migration 0005); valid while the key's mark is `markedAt`. */
export function saveProgress(db: D1Database, siteId: string, akey: string, markedAt: number, cursor: string): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO attribution_progress (site_id, akey, marked_at, cursor) VALUES (?1, ?2, ?3, ?4)
       ON CONFLICT (site_id, akey) DO UPDATE SET marked_at = excluded.marked_at, cursor = excluded.cursor`,
    )
    .bind(siteId, akey, markedAt, cursor);
}

export function clearProgress(db: D1Database, siteId: string, akey: string): D1PreparedStatement {
  return db.prepare('DELETE FROM attribution_progress WHERE site_id = ?1 AND akey = ?2').bind(siteId, akey);
}

/** Dequeues keys only if nobody re-marked them since they were read: a change made meanwhile is kept. */
export function dequeueAkeys(
  db: D1Database,
  siteId: string,
  entries: { akey: string; marked_at: number }[],
): D1PreparedStatement[] {
  return chunks(entries, IDS_PER_STATEMENT / 2).map((part) =>
    db
      .prepare(
        `DELETE FROM attribution_dirty WHERE site_id = ?1 AND (akey, marked_at) IN
           (SELECT j.value->>'akey', j.value->>'marked_at' FROM json_each(?2) AS j)`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

export interface CreditSum {
  conversion_id: string;
  model: string;
  rows: number;
  weight: number;
  revenue_cents: number;
}

/**
 * Per model and conversion, what its credit rows add up to: one pass in primary-key order (a
 * whole-site read, for audits and benchmarks, not requests).
 */
export async function readCreditSums(db: D1Database, siteId: string): Promise<CreditSum[]> {
  const { results } = await db
    .prepare(
      `SELECT conversion_id, model, COUNT(*) AS rows, SUM(weight) AS weight, SUM(revenue_cents) AS revenue_cents
       FROM credit WHERE site_id = ? GROUP BY model, conversion_id`,
    )
    .bind(siteId)
    .all<CreditSum>();
  return results;
}

export async function readConversionAmounts(
  db: D1Database,
  siteId: string,
): Promise<{ conversion_id: string; stage: string; amount_cents: number | null }[]> {
  const { results } = await db
    .prepare('SELECT conversion_id, stage, amount_cents FROM conversions WHERE site_id = ?')
    .bind(siteId)
    .all<{ conversion_id: string; stage: string; amount_cents: number | null }>();
  return results;
}

/** Credit rows whose touch lies outside [converted_at − window, converted_at], or whose conversion is gone. */
export async function countStrayCredit(db: D1Database, siteId: string, windowDays: number): Promise<{ outside: number; orphans: number }> {
  const row = await db
    .prepare(
      `SELECT
         (SELECT COUNT(*) FROM credit c JOIN touches t ON t.site_id = c.site_id AND t.touch_id = c.touch_id
          WHERE c.site_id = ?1 AND (t.occurred_at > c.converted_at OR t.occurred_at < c.converted_at - ?2 * 86400000)) AS outside,
         (SELECT COUNT(*) FROM credit c WHERE c.site_id = ?1 AND NOT EXISTS
            (SELECT 1 FROM conversions cv WHERE cv.site_id = ?1 AND cv.conversion_id = c.conversion_id)) AS orphans`,
    )
    .bind(siteId, windowDays)
    .first<{ outside: number; orphans: number }>();
  return row ?? { outside: 0, orphans: 0 };
}
