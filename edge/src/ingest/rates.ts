// POST /v1/exchange-rates: dated rates into the site's reporting currency, checked item by item and
// stored exactly as decimal text; conversions they change are re-queued for the job in the same write.
import type { BatchResult } from '../../../schemas/api';
import { DAY_MS } from '../../../schemas/credit';
import { decimalText, exceeds, parseDecimal } from '../../../schemas/money';
import { calendarDay, exchangeRate, MAX_RATE_UNITS } from '../../../schemas/spend';
import { storeRates, type RateRow } from '../db/rates';
import type { Site } from '../db/sites';
import { rejectionOf, replacingBatch, type Rejection } from './replacing-batch';

const FIELD_CODES: Record<string, string> = { currency: 'invalid_currency', date: 'invalid_date', rate: 'invalid_rate' };
const EARLIEST_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
/** A rate may be dated tomorrow (UTC) at most: rates are published for days that have begun somewhere. */
const DAYS_AHEAD = 1;

export function rateRow(raw: unknown, site: Site, today: number): RateRow | Rejection {
  const parsed = exchangeRate.safeParse(raw);
  if (!parsed.success) return rejectionOf(parsed.error.issues, FIELD_CODES, 'invalid_exchange_rate');
  const r = parsed.data;
  if (r.currency === site.settings.currency) {
    return { code: 'reporting_currency', message: `${r.currency} is the reporting currency: amounts in it need no rate` };
  }
  const day = calendarDay(r.date)!;
  if (day < EARLIEST_DAY || day > today + DAYS_AHEAD) return { code: 'invalid_date', message: 'date must be from 2000-01-01 to tomorrow (UTC)' };
  const rate = parseDecimal(r.rate);
  if (!rate || rate.digits === 0n || exceeds(rate, MAX_RATE_UNITS)) {
    return { code: 'invalid_rate', message: `rate must be a decimal greater than 0 and at most ${MAX_RATE_UNITS.toLocaleString('en-US')}` };
  }
  return { currency: r.currency, day, rate: decimalText(rate) };
}

export async function ingestRates(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  const today = Math.floor(receivedAt / DAY_MS);
  const idOf = (r: { currency: string; day: number }) => `${r.currency}/${r.day}`;
  return replacingBatch(
    items,
    (raw) => rateRow(raw, site, today),
    idOf,
    async (rows) => {
      const results = await db.batch<{ currency: string; day: number }>(storeRates(db, site.id, rows, receivedAt));
      return new Set(results.flatMap((r) => r.results.map(idOf)));
    },
  );
}
