// Builds a year of simulated spend per campaign (ads daily, tools monthly, offline programs once) and
// daily EUR→USD exchange rates. Pure: no I/O.
// The campaigns match the journeys' UTMs (journeys.mjs), so spend lands on credited keys; a few have
// spend and no deals, and LinkedIn bills in euros, so the reporting currency's conversion shows.
import { createRandom } from './random.mjs';

const DAY = 86_400_000;

/** Daily campaigns: [source, medium, campaign, currency, typical weekday spend]. */
const DAILY = [
  ['linkedin', 'paid_social', 'abm-enterprise', 'EUR', 120],
  ['linkedin', 'paid_social', 'abm-midmarket', 'EUR', 80],
  ['linkedin', 'paid_social', 'thought-leadership', 'EUR', 45],
  ['google', 'cpc', 'brand-search', 'USD', 90],
  ['google', 'cpc', 'competitor-terms', 'USD', 130],
  ['google', 'cpc', 'category-attribution-software', 'USD', 110],
  ['bing', 'cpc', 'brand-search-bing', 'USD', 20],
  ['facebook', 'paid_social', 'retargeting-fb', 'USD', 35],
  // Spend with no deals behind it: what return reports are for.
  ['adroll', 'display', 'display-retargeting', 'USD', 45],
  ['tiktok', 'paid_social', 'tiktok-awareness', 'USD', 70],
];
/** Billed by the month as one range: [source, medium, campaign, monthly amount]. */
const MONTHLY = [
  ['capterra', 'referral', 'listing', 600],
  ['newsletter', 'email', 'monthly-digest', 49],
  ['hubspot', 'email', 'nurture-sequence', 800],
];
/**
 * Offline programs, paid once for a stretch of days: [channel, campaign, amount, first day and length
 * as days after the year's start]. The channel is given: such spend carries no UTM to classify.
 */
const PROGRAMS = [
  ['Events', 'saastr-booth', 24_000, 40, 3],
  ['Events', 'b2b-marketing-summit', 18_000, 150, 2],
  ['Events', 'customer-dinner-nyc', 6_500, 250, 1],
  ['Events', 'attribution-101-webinar', 1_800, 60, 30],
  ['Events', 'pipeline-review-webinar', 1_800, 180, 30],
  ['Events', 'cmo-roundtable-webinar', 2_400, 300, 30],
  ['Direct Mail', 'q4-gift-box', 9_000, 300, 21],
  ['Content Syndication', 'analyst-report-syndication', 12_000, 120, 90],
  ['Partners', 'partner-program', 15_000, 0, 365],
];

const date = (ms) => new Date(ms).toISOString().slice(0, 10);

export function buildSpend({ days = 365, seed, now }) {
  const rnd = createRandom(seed * 7919 + 13);
  const today = Math.floor(now / DAY) * DAY;
  const first = today - days * DAY;
  const spend = [];
  for (let at = first; at < today; at += DAY) {
    const weekend = [0, 6].includes(new Date(at).getUTCDay());
    for (const [source, medium, campaign, currency, typical] of DAILY) {
      // Weekends spend less; every day varies by ±25%; the cents are rarely round.
      const amount = Math.round(typical * (weekend ? 0.45 : 1) * (0.75 + rnd.next() * 0.5) * 100) / 100;
      spend.push({ id: `${campaign}-${date(at)}`, date: date(at), amount, currency, source, medium, campaign });
    }
  }
  // Calendar months that lie wholly in the year, each one item spread over its days by the Worker.
  for (let m = new Date(first); ; ) {
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
    const end = Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 0);
    if (end >= today) break;
    for (const [source, medium, campaign, amount] of MONTHLY) {
      spend.push({ id: `${campaign}-${date(m.getTime()).slice(0, 7)}`, start_date: date(m.getTime()), end_date: date(end), amount, source, medium, campaign });
    }
  }
  for (const [channel, campaign, amount, offset, length] of PROGRAMS) {
    const startAt = first + offset * DAY;
    const endAt = Math.min(startAt + (length - 1) * DAY, today - DAY);
    if (startAt > endAt) continue;
    spend.push({ id: `${campaign}-${date(startAt)}`, start_date: date(startAt), end_date: date(endAt), amount, channel, campaign });
  }
  // EUR→USD on weekdays (as central banks publish), a slow random walk; weekends take Friday's rate.
  const rates = [];
  let rate = 1.08;
  for (let at = first - 7 * DAY; at < today; at += DAY) {
    rate = Math.min(1.2, Math.max(0.98, rate + (rnd.next() - 0.5) * 0.006));
    if (![0, 6].includes(new Date(at).getUTCDay())) rates.push({ currency: 'EUR', date: date(at), rate: Number(rate.toFixed(4)) });
  }
  return { spend, rates };
}
