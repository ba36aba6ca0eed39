// GET /v1/accounts/:domain/journey: an account's contacts (hashed ids), touches in time order as the
// job stitches them, its conversions, and each conversion's stored credit per touch per model.
import { LIMITS } from '../../../schemas/limits';
import type { JourneyReport, ModelName } from '../../../schemas/query';
import { splitAkeys } from '../attribution/stitch';
import { loadCandidateConversions, loadTouches } from '../db/attribution';
import {
  accountContacts,
  conversionDetails,
  creditOf,
  touchFieldStatements,
  type StoredCredit,
  type TouchFields,
} from '../db/reports';
import type { Site } from '../db/sites';
import { ApiError } from '../errors';

const iso = (ms: number) => new Date(ms).toISOString();
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export interface JourneyRequest {
  domain: string;
  models: ModelName[];
  /** Optional filter on touch and conversion time (inclusive ms); null: the whole history. */
  range: { fromMs: number; toMs: number; from: string; to: string } | null;
}

function via(t: TouchFields): 'account' | 'contact' | 'visitor' {
  if (t.account_domain !== null) return 'account';
  return t.contact_id !== null ? 'contact' : 'visitor';
}

export async function buildJourney(db: D1Database, site: Site, req: JourneyRequest): Promise<JourneyReport> {
  const { domain } = req;
  const from = req.range?.fromMs ?? 0;
  const to = req.range?.toMs ?? Number.MAX_SAFE_INTEGER;
  // The job's own loaders, so the journey shows exactly the touches and conversions credit is computed from.
  const [loaded, candidates] = await Promise.all([
    loadTouches(db, site.id, { accounts: [{ akey: domain, id: domain, from, to }], personal: [], visitors: [] }),
    loadCandidateConversions(db, site.id, splitAkeys([domain]), [domain]),
  ]);
  const touchIds = [...new Set(loaded.map((t) => t.touch_id))];
  if (touchIds.length > LIMITS.queryRows) {
    throw new ApiError(
      400,
      'too_many_rows',
      `${domain} has ${touchIds.length.toLocaleString('en-US')} touches in this range, more than ${LIMITS.queryRows.toLocaleString('en-US')}; pass a shorter from/to range`,
    );
  }
  const conversions = candidates
    .filter((c) => c.akey === domain && c.occurred_at >= from && c.occurred_at <= to)
    .sort((a, b) => a.occurred_at - b.occurred_at || byText(a.conversion_id, b.conversion_id));
  const conversionIds = conversions.map((c) => c.conversion_id);

  const fieldStatements = touchFieldStatements(db, site.id, touchIds);
  const [contactRows, creditRows, detailRows, ...fieldRows] = await db.batch<Record<string, unknown>>([
    accountContacts(db, site.id, domain),
    creditOf(db, site.id, req.models, conversionIds),
    conversionDetails(db, site.id, conversionIds),
    ...fieldStatements,
  ]);
  const contacts = contactRows.results as { contact_id: string; first_seen: number }[];
  const touches = fieldRows.flatMap((r) => r.results as unknown as TouchFields[]);
  if (!contacts.length && !touches.length && !conversions.length) {
    throw new ApiError(404, 'not_found', `no account ${domain} on this site`);
  }
  // The job's order: time, then id by plain string comparison.
  touches.sort((a, b) => a.occurred_at - b.occurred_at || byText(a.touch_id, b.touch_id));
  const position = new Map(touches.map((t, i) => [t.touch_id, i]));

  const credit = new Map<string, StoredCredit[]>();
  for (const row of creditRows.results as unknown as StoredCredit[]) {
    const list = credit.get(row.conversion_id) ?? [];
    list.push(row);
    credit.set(row.conversion_id, list);
  }
  const currency = new Map((detailRows.results as { conversion_id: string; currency: string | null }[]).map((r) => [r.conversion_id, r.currency]));
  // A touch outside the from/to filter (or not yet loaded) sorts after those shown; '' (no touch) first.
  const order = (id: string) => (id === '' ? -1 : (position.get(id) ?? touches.length));

  return {
    domain,
    from: req.range?.from ?? null,
    to: req.range?.to ?? null,
    models: req.models,
    contacts: contacts.map((c) => ({ contact_id: c.contact_id, first_seen: iso(c.first_seen) })),
    touches: touches.map((t) => ({
      touch_id: t.touch_id,
      occurred_at: iso(t.occurred_at),
      touch_type: t.touch_type,
      channel: t.channel,
      source: t.source,
      medium: t.medium,
      campaign: t.campaign,
      content: t.content,
      term: t.term,
      origin: t.origin,
      contact_id: t.contact_id,
      via: via(t),
    })),
    conversions: conversions.map((c) => {
      const rows = (credit.get(c.conversion_id) ?? []).sort((a, b) => order(a.touch_id) - order(b.touch_id) || byText(a.touch_id, b.touch_id));
      return {
        conversion_id: c.conversion_id,
        stage: c.stage,
        occurred_at: iso(c.occurred_at),
        amount: c.amount_cents === null ? null : c.amount_cents / 100,
        currency: currency.get(c.conversion_id) ?? null,
        opportunity_id: c.opportunity_id,
        credited: rows.length > 0,
        credit: Object.fromEntries(
          req.models.map((m) => [
            m,
            rows.filter((r) => r.model === m).map((r) => ({ touch_id: r.touch_id === '' ? null : r.touch_id, weight: r.weight, revenue: r.revenue_cents / 100 })),
          ]),
        ),
      };
    }),
  };
}
