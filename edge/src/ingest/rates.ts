// POST /v1/exchange-rates: dated rates into the site's reporting currency, checked item by item and
// stored exactly as decimal text; conversions they change are re-queued for the job in the same write.
import type { BatchResult } from '../../../schemas/api';
import { DAY_MS } from '../../../schemas/credit';
import { decimalText, exceeds, parseDecimal } from '../../../schemas/money';
import { calendarDay, exchangeRate, MAX_RATE_UNITS } from '../../../schemas/spend';
import { storeRates, type RateRow } from '../db/rates';
import type { Site } from '../db/sites';
import { issueMessage } from '../errors';
import { settleBatch } from './settle';

type Rejection = { code: string; message: string };

const FIELD_CODES: Record<string, string> = { currency: 'invalid_currency', date: 'invalid_date', rate: 'invalid_rate' };
const EARLIEST_DAY = Date.UTC(2000, 0, 1) / DAY_MS;
/** A rate may be dated tomorrow (UTC) at most: rates are published for days that have begun somewhere. */
const DAYS_AHEAD = 1;

export function rateRow(raw: unknown, site: Site, today: number): RateRow | Rejection {
  const parsed = exchangeRate.safeParse(raw);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0].path[0] ?? '');
    return { code: FIELD_CODES[field] ?? 'invalid_exchange_rate', message: issueMessage(parsed.error.issues) };
  }
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
  const rejected: BatchResult['rejected'] = [];
  const valid: { index: number; id: string }[] = [];
  const latest = new Map<string, RateRow>();
  items.forEach((raw, index) => {
    const row = rateRow(raw, site, today);
    if ('code' in row) rejected.push({ index, ...row });
    else {
      const id = `${row.currency}/${row.day}`;
      valid.push({ index, id });
      latest.delete(id);
      latest.set(id, row);
    }
  });
  const fresh = new Set<string>();
  if (latest.size) {
    const results = await db.batch<{ currency: string; day: number }>(storeRates(db, site.id, [...latest.values()], receivedAt));
    for (const r of results) for (const row of r.results ?? []) if (row.currency !== undefined) fresh.add(`${row.currency}/${row.day}`);
  }
  return settleBatch(valid, fresh, rejected);
}
