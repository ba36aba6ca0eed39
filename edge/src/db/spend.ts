// Spend (migration 0007): the write that stores or replaces spend items and their days, and the
// reports' reads of spend per key over a range of days. Every statement is keyed by site.
import { NOT_SET } from '../../../schemas/dimensions';
import { jsonParts } from './json-parts';

export interface SpendRow {
  spend_id: string;
  first_day: number;
  last_day: number;
  /** The whole item, in `currency`. */
  amount_cents: number;
  currency: string;
  channel: string;
  channel_sent: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  /** Cents of each day from first_day on, summing to amount_cents. */
  days: number[];
}

/** True when the stored item `s` is exactly the posted one `j.value`: then nothing is rewritten. */
const SAME_ITEM = `s.site_id = ?1 AND s.spend_id = j.value->>'spend_id' AND s.first_day = j.value->>'first_day'
  AND s.last_day = j.value->>'last_day' AND s.amount_cents = j.value->>'amount_cents' AND s.currency = j.value->>'currency'
  AND s.channel = j.value->>'channel' AND s.channel_sent IS j.value->>'channel_sent' AND s.source IS j.value->>'source'
  AND s.medium IS j.value->>'medium' AND s.campaign IS j.value->>'campaign'`;
const CHANGED = `NOT EXISTS (SELECT 1 FROM spend s WHERE ${SAME_ITEM})`;

/**
 * Stores items, replacing any stored under the same id: its days are deleted and written anew, so a
 * resent id never adds to what it replaced. Statements run in order in one batch (one transaction):
 * the days are rewritten while the old item is still there to compare with; RETURNING of the last
 * statement of each group names the items that were new or changed (the others were identical resends).
 */
export function storeSpend(db: D1Database, siteId: string, rows: SpendRow[], now: number): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify(r));
  return jsonParts(encoded, 400_000, 500).flatMap((json) => [
    db
      .prepare(
        `DELETE FROM spend_days WHERE site_id = ?1 AND spend_id IN (
           SELECT j.value->>'spend_id' FROM json_each(?2) j WHERE ${CHANGED})`,
      )
      .bind(siteId, json),
    db
      .prepare(
        `INSERT INTO spend_days (site_id, spend_id, day, cents)
         SELECT ?1, j.value->>'spend_id', (j.value->>'first_day') + d.key, d.value
         FROM json_each(?2) j CROSS JOIN json_each(j.value, '$.days') d WHERE ${CHANGED}`,
      )
      .bind(siteId, json),
    db
      .prepare(
        `INSERT INTO spend (site_id, spend_id, first_day, last_day, amount_cents, currency, channel, channel_sent, source, medium,
                            campaign, received_at, updated_at)
         SELECT ?1, j.value->>'spend_id', j.value->>'first_day', j.value->>'last_day', j.value->>'amount_cents', j.value->>'currency',
                j.value->>'channel', j.value->>'channel_sent', j.value->>'source', j.value->>'medium', j.value->>'campaign', ?3, ?3
         FROM json_each(?2) j WHERE ${CHANGED}
         ON CONFLICT (site_id, spend_id) DO UPDATE SET first_day = excluded.first_day, last_day = excluded.last_day,
           amount_cents = excluded.amount_cents, currency = excluded.currency, channel = excluded.channel,
           channel_sent = excluded.channel_sent, source = excluded.source, medium = excluded.medium, campaign = excluded.campaign,
           updated_at = excluded.updated_at
         RETURNING spend_id`,
      )
      .bind(siteId, json, now),
  ]);
}

/** The dimensions spend can be grouped by, and the column holding each (constant text, never input). */
const DIM_COLUMNS = { channel: 's.channel', source: 's.source', medium: 's.medium', campaign: 's.campaign' } as const;
export type SpendDim = keyof typeof DIM_COLUMNS;
export const isSpendDim = (dim: string): dim is SpendDim => dim in DIM_COLUMNS;

const keyOf = (dim: SpendDim) => `COALESCE(${DIM_COLUMNS[dim]}, '${NOT_SET}')`;

/**
 * Spend already in the reporting currency ?4, summed per key over days ?2–?3 (inclusive): the days
 * are summed per item first (the covering index), then each item joins its fields once. Sums come
 * as text so that no total is ever rounded through a float.
 */
export function spendInCurrency(db: D1Database, siteId: string, dim: SpendDim, days: { first: number; last: number }, currency: string) {
  return db
    .prepare(
      `SELECT ${keyOf(dim)} AS key, CAST(SUM(x.cents) AS TEXT) AS cents
       FROM (SELECT spend_id, SUM(cents) AS cents FROM spend_days INDEXED BY spend_days_by_day
             WHERE site_id = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY spend_id) x
       CROSS JOIN spend s ON s.site_id = ?1 AND s.spend_id = x.spend_id
       WHERE s.currency = ?4 GROUP BY 1`,
    )
    .bind(siteId, days.first, days.last, currency);
}

/** The latest rate of item `s`'s currency at or before day `d.day`, or NULL. */
const DAY_RATE = `(SELECT r.rate FROM exchange_rates r WHERE r.site_id = ?1 AND r.currency = s.currency AND r.day <= d.day
  ORDER BY r.day DESC LIMIT 1)`;

/** Spend days in other currencies than ?4, each with its rate: converted one day of one item at a time. */
export function spendToConvert(db: D1Database, siteId: string, dim: SpendDim, days: { first: number; last: number }, currency: string) {
  return db
    .prepare(
      `SELECT ${keyOf(dim)} AS key, d.cents, ${DAY_RATE} AS rate
       FROM spend_days d INDEXED BY spend_days_by_day CROSS JOIN spend s ON s.site_id = ?1 AND s.spend_id = d.spend_id
       WHERE d.site_id = ?1 AND d.day BETWEEN ?2 AND ?3 AND s.currency <> ?4`,
    )
    .bind(siteId, days.first, days.last, currency);
}

/** Per currency, spend items with a day in the range that has no rate into ?4 yet (held out of spend). */
export function unconvertedSpend(db: D1Database, siteId: string, days: { first: number; last: number }, currency: string) {
  return db
    .prepare(
      `SELECT s.currency, COUNT(DISTINCT s.spend_id) AS n
       FROM spend_days d INDEXED BY spend_days_by_day CROSS JOIN spend s ON s.site_id = ?1 AND s.spend_id = d.spend_id
       WHERE d.site_id = ?1 AND d.day BETWEEN ?2 AND ?3 AND s.currency <> ?4 AND ${DAY_RATE} IS NULL
       GROUP BY s.currency`,
    )
    .bind(siteId, days.first, days.last, currency);
}
