// POST /v1/spend and POST /v1/exchange-rates bodies: the validators the Worker runs per item and the
// OpenAPI document publishes. Cross-field rules (date or range, amount limits) are checked by the ingest.
import { z } from 'zod';
import { DAY_MS } from './credit';
import { currencyCode } from './currencies';
import { LIMITS } from './limits';

const text = z.string().max(LIMITS.stringChars);

/** Spend amounts above this many currency units are refused (amount_too_large): surely a unit mix-up. */
export const MAX_SPEND_UNITS = 10_000_000_000n;
/** A spend range covers at most this many days (a year, leap day included). */
export const MAX_SPEND_DAYS = 366;
/** Rates above this are refused: no currency pair is that far apart, so it is a typo or an inverted rate. */
export const MAX_RATE_UNITS = 1_000_000n;

/**
 * A server-side id (spend; CRM ids such as 4711 or Salesforce's 18-character ids pass as they are):
 * 1–128 characters, no control characters, no white space at either end.
 */
export const serverId = z
  .string()
  .refine((s) => {
    const n = [...s].length;
    return n >= 1 && n <= 128 && !/\p{Cc}/u.test(s) && s.trim() === s;
  }, 'id must be 1-128 characters, with no control characters and no space at either end')
  .meta({ description: '1–128 characters, no control characters, no space at either end', examples: ['li-2026-03-01-abm', '4711'] });

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar date as whole UTC days since the epoch, or null when it is not one (2026-02-30). */
export function calendarDay(date: string): number | null {
  const m = DATE.exec(date);
  if (!m) return null;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== date) return null;
  return ms / DAY_MS;
}

export const isoDate = z
  .string()
  .refine((s) => calendarDay(s) !== null, 'must be a calendar date YYYY-MM-DD')
  .meta({ description: 'calendar date, YYYY-MM-DD (UTC day)', examples: ['2026-03-01'] });

/** A non-negative decimal amount, as a JSON number or as text ("1234.56"); read exactly, to the cent. */
const decimal = z
  .union([z.number().nonnegative(), z.string().regex(/^\s*\d{1,30}(?:\.\d{1,30})?\s*$/, 'must be a non-negative decimal such as 1234.56')])
  .meta({ description: 'a non-negative decimal, as a number or as text', examples: [1234.56, '1234.56'] });

/** POST /v1/spend item: what one campaign or source cost on a day, or over a range of days. */
export const spendItem = z
  .object({
    id: serverId,
    date: isoDate.optional(),
    start_date: isoDate.optional(),
    end_date: isoDate.optional(),
    amount: decimal.meta({ description: `in currency units with cents (more decimals are rounded half up), at most ${MAX_SPEND_UNITS} units` }),
    currency: currencyCode.optional().meta({ description: "ISO 4217; default the site's reporting currency" }),
    channel: text.optional(),
    source: text.optional(),
    medium: text.optional(),
    campaign: text.optional(),
  })
  .strict();

/** POST /v1/exchange-rates item: from `date` on, 1 `currency` = `rate` units of the reporting currency. */
export const exchangeRate = z
  .object({
    currency: currencyCode,
    date: isoDate,
    rate: decimal.meta({ description: `units of the reporting currency per unit of currency; > 0 and at most ${MAX_RATE_UNITS}` }),
  })
  .strict();

export const spendBody = z.object({ spend: z.array(z.unknown()).min(1).max(LIMITS.serverItems) }).strict();
export const ratesBody = z.object({ rates: z.array(z.unknown()).min(1).max(LIMITS.serverItems) }).strict();

export type SpendItem = z.infer<typeof spendItem>;
export type ExchangeRateInput = z.infer<typeof exchangeRate>;
