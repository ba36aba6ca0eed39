// Exchange rates into a site's reporting currency (migration 0007): the SQL that finds the rate of a
// conversion, and the write that stores posted rates and re-queues the conversions they convert.
import { CONVERSION_AKEY_SQL } from '../../../schemas/akey';
import { DAY_MS } from '../../../schemas/credit';
import { jsonParts } from './json-parts';
import { enqueueSql } from './queue';

/**
 * The rate, as decimal text, that turns conversion row `cv`'s amount into the reporting currency
 * bound at `reporting`: '1' in that currency (or when it names none), else the latest rate of its
 * currency at or before its UTC day, else NULL (no rate yet: the amount is held out of revenue).
 */
export const conversionRateSql = (reporting: string) => `CASE WHEN cv.currency IS NULL OR cv.currency = ${reporting} THEN '1' ELSE
  (SELECT r.rate FROM exchange_rates r WHERE r.site_id = cv.site_id AND r.currency = cv.currency AND r.day <= cv.occurred_at / ${DAY_MS}
   ORDER BY r.day DESC LIMIT 1) END`;

export interface RateRow {
  currency: string;
  day: number;
  /** Decimal text (schemas/money.ts). */
  rate: string;
}

/**
 * Stores rates (the same currency and day again replaces the rate) and, in the same transaction,
 * queues the attribution keys of every conversion whose rate changes: those of the currency from
 * the rate's day until the next stored rate, so the job re-credits them in the reporting currency.
 * RETURNING names the rates that were new or changed; the others were identical resends.
 */
export function storeRates(db: D1Database, siteId: string, rows: RateRow[], now: number): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify({ currency: r.currency, day: r.day, rate: r.rate }));
  return jsonParts(encoded, 200_000, 500).flatMap((json) => [
    // Before the upsert, so "changed" compares with the rates stored until now.
    db
      .prepare(
        `WITH changed AS (
           SELECT j.value->>'currency' AS currency, j.value->>'day' AS day FROM json_each(?2) j
           WHERE NOT EXISTS (SELECT 1 FROM exchange_rates r WHERE r.site_id = ?1 AND r.currency = j.value->>'currency'
             AND r.day = j.value->>'day' AND r.rate = j.value->>'rate'))
         ${enqueueSql(
           `SELECT ${CONVERSION_AKEY_SQL} AS akey, cv.occurred_at AS since FROM changed ch
            CROSS JOIN conversions cv ON cv.site_id = ?1 AND cv.currency = ch.currency AND cv.occurred_at >= ch.day * ${DAY_MS}
              AND cv.occurred_at < COALESCE((SELECT MIN(r.day) FROM exchange_rates r
                WHERE r.site_id = ?1 AND r.currency = ch.currency AND r.day > ch.day) * ${DAY_MS}, 9007199254740991)
            WHERE cv.stage <> 'closed_lost' AND cv.amount_cents IS NOT NULL`,
           '?3',
           'credit',
         )}`,
      )
      .bind(siteId, json, now),
    db
      .prepare(
        `INSERT INTO exchange_rates (site_id, currency, day, rate, received_at)
         SELECT ?1, j.value->>'currency', j.value->>'day', j.value->>'rate', ?3 FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, currency, day) DO UPDATE SET rate = excluded.rate, received_at = excluded.received_at
           WHERE exchange_rates.rate IS NOT excluded.rate
         RETURNING currency, day`,
      )
      .bind(siteId, json, now),
  ]);
}

/**
 * Per currency, conversions of range ?3–?4 whose amount in another currency than ?2 has no rate at
 * or before their date yet: held out of revenue until one arrives (closed_lost is never revenue).
 */
export function unconvertedConversions(db: D1Database, siteId: string, currency: string, fromMs: number, toMs: number) {
  return db
    .prepare(
      `SELECT cv.currency, COUNT(*) AS n FROM conversions cv INDEXED BY conversions_by_currency
       WHERE cv.site_id = ?1 AND cv.currency IS NOT NULL AND cv.currency <> ?2 AND cv.occurred_at BETWEEN ?3 AND ?4
         AND cv.amount_cents > 0 AND cv.stage <> 'closed_lost' AND (${conversionRateSql('?2')}) IS NULL
       GROUP BY cv.currency`,
    )
    .bind(siteId, currency, fromMs, toMs);
}
