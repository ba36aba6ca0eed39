// Builds a year of simulated ad spend per campaign and daily EUR→USD exchange rates. Pure: no I/O.
// The campaigns match the journeys' UTMs (journeys.mjs), so spend lands on credited keys; a few have
// spend and no deals, and LinkedIn bills in euros, so the reporting currency's conversion shows.
import { createRandom } from './random.mjs';

const DAY = 86_400_000;

/** Daily campaigns: [source, medium, campaign, currency, typical weekday spend]. */
const DAILY = [
  ['linkedin', 'paid_social', 'q4-abm', 'EUR', 160],
  ['google', 'cpc', 'brand-search', 'USD', 90],
  ['google', 'cpc', 'competitor-terms', 'USD', 130],
  // Spend with no deals behind it: what return reports are for.
  ['adroll', 'display', 'display-retargeting', 'USD', 45],
  ['tiktok', 'paid_social', 'tiktok-awareness', 'USD', 70],
];
/** Billed by the month as one range: [source, medium, campaign, monthly amount]. */
const MONTHLY = [
  ['capterra', 'referral', 'listing', 600],
  ['newsletter', 'email', 'monthly-digest', 49],
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
  // EUR→USD on weekdays (as central banks publish), a slow random walk; weekends take Friday's rate.
  const rates = [];
  let rate = 1.08;
  for (let at = first - 7 * DAY; at < today; at += DAY) {
    rate = Math.min(1.2, Math.max(0.98, rate + (rnd.next() - 0.5) * 0.006));
    if (![0, 6].includes(new Date(at).getUTCDay())) rates.push({ currency: 'EUR', date: date(at), rate: Number(rate.toFixed(4)) });
  }
  return { spend, rates };
}
