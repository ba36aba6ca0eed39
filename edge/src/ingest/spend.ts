// POST /v1/spend: what a campaign or source cost, per day or over a range of days, checked item by
// item, spread over its days in whole cents and classified into a channel like a touch.
import type { BatchResult } from '../../../schemas/api';
import { DAY_MS, splitLargestRemainder } from '../../../schemas/credit';
import { decimalCents, exceeds, parseDecimal } from '../../../schemas/money';
import { calendarDay, MAX_SPEND_DAYS, MAX_SPEND_UNITS, spendItem, type SpendItem } from '../../../schemas/spend';
import type { Site } from '../db/sites';
import { storeSpend, type SpendRow } from '../db/spend';
import { siteRules } from './channel-rules';
import { classifySpend } from './classify';
import { redactText } from '../identity/redact';
import { rejectionOf, replacingBatch, type Rejection } from './replacing-batch';

/** The per-item code of a validation failure, by the field it is about. */
const FIELD_CODES: Record<string, string> = {
  id: 'invalid_id',
  date: 'invalid_date',
  start_date: 'invalid_date',
  end_date: 'invalid_date',
  amount: 'invalid_amount',
  currency: 'invalid_currency',
};

/** Spend may be booked ahead (a month paid on the 1st), but not further than this. */
const MAX_DAYS_AHEAD = 366;
const EARLIEST_DAY = Date.UTC(2000, 0, 1) / DAY_MS;

/** The item's first and last day, or why they are not usable. */
function daysOf(s: SpendItem, today: number): { first: number; last: number } | Rejection {
  const single = s.date !== undefined;
  const range = s.start_date !== undefined || s.end_date !== undefined;
  if (single === range || (range && (s.start_date === undefined || s.end_date === undefined))) {
    return { code: 'invalid_date', message: 'give either date, or start_date and end_date' };
  }
  const first = calendarDay(single ? s.date! : s.start_date!)!;
  const last = calendarDay(single ? s.date! : s.end_date!)!;
  if (first > last) return { code: 'invalid_date', message: 'start_date must not be after end_date' };
  if (first < EARLIEST_DAY || last > today + MAX_DAYS_AHEAD) {
    return { code: 'invalid_date', message: `dates must be from 2000-01-01 to ${MAX_DAYS_AHEAD} days ahead` };
  }
  if (last - first + 1 > MAX_SPEND_DAYS) {
    return { code: 'range_too_long', message: `a range covers at most ${MAX_SPEND_DAYS} days; send longer periods as several items` };
  }
  return { first, last };
}

/** The stored row of one valid item, or why it is refused. */
export function spendRow(raw: unknown, site: Site, today: number): SpendRow | Rejection {
  const parsed = spendItem.safeParse(raw);
  if (!parsed.success) return rejectionOf(parsed.error.issues, FIELD_CODES, 'invalid_spend');
  const s = parsed.data;
  const days = daysOf(s, today);
  if ('code' in days) return days;
  const amount = parseDecimal(s.amount);
  if (!amount) return { code: 'invalid_amount', message: 'amount must be a non-negative decimal such as 1234.56' };
  if (exceeds(amount, MAX_SPEND_UNITS)) {
    return { code: 'amount_too_large', message: `amount must be at most ${MAX_SPEND_UNITS.toLocaleString('en-US')} currency units` };
  }
  // Redacted like a touch's campaign fields, so that spend lands on the same report keys.
  // Trimmed, and empty means not given; personal data in them is redacted like every stored text.
  // Lower-cased under lowercase_utms like a touch's UTMs, so the two still meet on one key.
  const redactField = (v: string | null | undefined, lowercase = false) => {
    const t = v?.trim();
    return t ? redactText(lowercase ? t.toLowerCase() : t) : null;
  };
  const lc = site.settings.lowercase_utms;
  const source = redactField(s.source, lc);
  const medium = redactField(s.medium, lc);
  const campaign = redactField(s.campaign, lc);
  const channelSent = redactField(s.channel);
  if (!channelSent && !source && !medium && !campaign) {
    return { code: 'invalid_spend', message: 'give channel, or source/medium/campaign to classify it by' };
  }
  const cents = Number(decimalCents(amount));
  const n = days.last - days.first + 1;
  return {
    spend_id: s.id,
    first_day: days.first,
    last_day: days.last,
    amount_cents: cents,
    currency: s.currency ?? site.settings.currency,
    channel: channelSent ?? classifySpend({ source, medium, campaign }, siteRules(site)),
    channel_sent: channelSent,
    source,
    medium,
    campaign,
    // Evenly, in whole cents: the spare cents go to the earliest days.
    days: splitLargestRemainder(cents, new Array<number>(n).fill(1)),
  };
}

export async function ingestSpend(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  const today = Math.floor(receivedAt / DAY_MS);
  return replacingBatch(
    items,
    (raw) => spendRow(raw, site, today),
    (row) => row.spend_id,
    async (rows) => {
      const results = await db.batch<{ spend_id: string }>(storeSpend(db, site.id, rows, receivedAt));
      return new Set(results.flatMap((r) => r.results.map((x) => x.spend_id)));
    },
  );
}
