// GET /v1/quality: ingest counters, identity coverage, Direct/Unassigned share, untouched conversions
// and amounts held out of revenue and spend for want of an exchange rate.
import { DAY_MS } from '../../../schemas/credit';
import { UNCREDITED_STAGE, type QualityReport } from '../../../schemas/query';
import type { CounterName } from '../db/counters';
import { unconvertedConversions } from '../db/rates';
import { contactAccounts, counterSums, noTouchShare, siteStages, touchChannelShare, visitorIdentity } from '../db/reports';
import type { Site } from '../db/sites';
import { unconvertedSpend } from '../db/spend';
import type { QueryRange } from './range';

const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 100 : null);

type Held = { currency: string; n: number };

/** Amounts in other currencies without a rate yet: held out of revenue and spend until one arrives. */
function unconverted(reporting: string, conversions: Held[], spend: Held[]): QualityReport['currency'] {
  const sum = (rows: Held[]) => rows.reduce((n, r) => n + r.n, 0);
  return {
    reporting,
    unconverted_amounts: sum(conversions) + sum(spend),
    unconverted_conversions: sum(conversions),
    unconverted_spend: sum(spend),
    currencies_without_rate: [...new Set([...conversions, ...spend].map((r) => r.currency))].sort(),
  };
}

/**
 * Over the range (whole UTC days): counters, touches by occurrence time, conversions by conversion
 * time. Visitors and contacts are the identity graph as it stands now, whatever the range.
 */
export async function buildQuality(db: D1Database, site: Site, range: QueryRange): Promise<QualityReport> {
  const currency = site.settings.currency;
  const days = { first: Math.floor(range.fromMs / DAY_MS), last: Math.floor(range.toMs / DAY_MS) };
  const [counters, visitors, contacts, touches, stages, heldConversions, heldSpend] = await db.batch<Record<string, number | string>>([
    counterSums(db, site.id, range.from.slice(0, 10), range.to.slice(0, 10)),
    visitorIdentity(db, site.id),
    contactAccounts(db, site.id),
    touchChannelShare(db, site.id, range.fromMs, range.toMs),
    siteStages(db, site.id),
    unconvertedConversions(db, site.id, currency, range.fromMs, range.toMs),
    unconvertedSpend(db, site.id, days, currency),
  ]);
  const credited = (stages.results as { stage: string }[]).map((r) => r.stage).filter((s) => s !== UNCREDITED_STAGE);
  const share = credited.length
    ? await noTouchShare(db, site.id, credited, range.fromMs, range.toMs).first<{ credited: number; without_touch: number }>()
    : null;

  const n: Partial<Record<CounterName, number>> = {};
  for (const r of counters.results as { metric: CounterName; n: number }[]) n[r.metric] = r.n;
  const v = visitors.results[0] as { visitors: number; identified: number };
  const c = contacts.results[0] as { contacts: number; free_mail: number };
  const t = touches.results[0] as { total: number; direct: number; unassigned: number };
  const conversions = share?.credited ?? 0;
  const withoutTouch = share?.without_touch ?? 0;

  return {
    from: range.from,
    to: range.to,
    ingest: {
      events: n.events ?? 0,
      offline_touches: n.touches ?? 0,
      conversions: n.conversions ?? 0,
      duplicates: n.duplicates ?? 0,
      bots_dropped: n.bots ?? 0,
      rejected: n.rejected ?? 0,
    },
    identity: {
      visitors: v.visitors,
      identified_visitors: v.identified,
      identified_visitors_pct: pct(v.identified, v.visitors),
      contacts: c.contacts,
      free_mail_contacts: c.free_mail,
      free_mail_contacts_pct: pct(c.free_mail, c.contacts),
    },
    touches: {
      total: t.total,
      direct: t.direct,
      unassigned: t.unassigned,
      direct_pct: pct(t.direct, t.total),
      unassigned_pct: pct(t.unassigned, t.total),
      unassigned_or_direct_pct: pct(t.direct + t.unassigned, t.total),
    },
    conversions: { credited: conversions, without_touch: withoutTouch, without_touch_pct: pct(withoutTouch, conversions) },
    currency: unconverted(currency, heldConversions.results as Held[], heldSpend.results as Held[]),
  };
}
