// GET /v1/accounts/:domain/journey: an account's contacts (hashed ids), touches in time order as the
// job stitches them, its conversions, and each conversion's stored credit per touch per model.
import { LIMITS } from '../../../schemas/limits';
import type { JourneyReport, ModelName } from '../../../schemas/query';
import { centsByTouch, decodeParts, WEIGHT_UNITS, type CreditPayload } from '../../../schemas/credit';
import { creditParts } from '../attribution/derived-credit';
import { parseFits } from '../attribution/parsed-fits';
import { loadCandidates } from '../attribution/load';
import { touchStatements, type LoadedTouch } from '../db/attribution';
import { creditOf, groupParts, type StoredCreditRow } from '../db/credit';
import { readFits, type StoredFit } from '../db/fits';
import { D1Meter } from '../db/meter';
import { accountContacts, conversionDetails, touchFieldStatements, type JourneyTouch } from '../db/reports';
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

function via(t: JourneyTouch): 'account' | 'contact' | 'visitor' {
  if (t.account_domain !== null) return 'account';
  return t.contact_id !== null ? 'contact' : 'visitor';
}

export async function buildJourney(db: D1Database, site: Site, req: JourneyRequest): Promise<JourneyReport> {
  const { domain } = req;
  const from = req.range?.fromMs ?? 0;
  const to = req.range?.toMs ?? Number.MAX_SAFE_INTEGER;
  // The job's own loaders, so the journey shows exactly the touches and conversions credit is computed from.
  const meter = new D1Meter(db);
  const [loaded, candidates] = await Promise.all([
    meter.batch<LoadedTouch>(touchStatements(db, site.id, { accounts: [{ akey: domain, id: domain, from, to }], personal: [], visitors: [] })),
    loadCandidates(meter, site.id, [domain], site.settings.currency),
  ]);
  const touchIds = [...new Set(loaded.flatMap((r) => r.results.map((t) => t.touch_id)))];
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
  const [contactRows, creditRows, fitRows, detailRows, ...fieldRows] = await db.batch<Record<string, unknown>>([
    accountContacts(db, site.id, domain),
    creditOf(db, site.id, conversionIds),
    readFits(db, site.id),
    conversionDetails(db, site.id, conversionIds),
    ...fieldStatements,
  ]);
  const contacts = contactRows.results as { contact_id: string; first_seen: number }[];
  const touches = fieldRows.flatMap((r) => r.results as unknown as JourneyTouch[]);
  if (!contacts.length && !touches.length && !conversions.length) {
    throw new ApiError(404, 'not_found', `no account ${domain} on this site`);
  }
  // The job's order: time, then id by plain string comparison.
  touches.sort((a, b) => a.occurred_at - b.occurred_at || byText(a.touch_id, b.touch_id));
  const position = new Map(touches.map((t, i) => [t.touch_id, i]));

  const fits = parseFits(fitRows.results as unknown as StoredFit[]);
  // Each conversion's credit under every model, the data-driven ones derived under the latest fit.
  const credit = new Map(
    groupParts(creditRows.results as unknown as StoredCreditRow[]).map((c) => [c.meta.conversion_id, { meta: c.meta, payload: decodeParts(creditParts(c.payloads, c.meta.stage, fits)) }]),
  );
  const currency = new Map((detailRows.results as { conversion_id: string; currency: string | null }[]).map((r) => [r.conversion_id, r.currency]));
  // A touch outside the from/to filter (or not yet loaded) sorts after those shown; '' (no touch) first.
  const order = (id: string) => position.get(id) ?? touches.length;

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
      const stored = credit.get(c.conversion_id);
      return {
        conversion_id: c.conversion_id,
        stage: c.stage,
        occurred_at: iso(c.occurred_at),
        amount: c.amount_cents === null ? null : c.amount_cents / 100,
        currency: currency.get(c.conversion_id) ?? null,
        opportunity_id: c.opportunity_id,
        credited: stored !== undefined,
        credit: Object.fromEntries(req.models.map((m) => [m, stored ? creditOfModel(stored.meta.amount_cents, stored.payload, m, order) : []])),
      };
    }),
  };
}

/** One model's credit of a conversion, per touch with credit, in the journey's touch order; "(no touch)": one row without a touch. */
function creditOfModel(amountCents: number, { models, touches }: CreditPayload, model: string, order: (id: string) => number) {
  if (!touches.length) return [{ touch_id: null, weight: 1, revenue: amountCents / 100 }];
  const m = models.indexOf(model);
  if (m < 0) return [];
  const units = touches.map((t) => t.units[m]);
  const cents = centsByTouch(amountCents, units);
  return touches
    .map((t, i) => ({ touch_id: t.id as string | null, weight: units[i] / WEIGHT_UNITS, revenue: cents[i] / 100 }))
    .filter((_, i) => units[i] > 0)
    .sort((a, b) => order(a.touch_id!) - order(b.touch_id!) || byText(a.touch_id!, b.touch_id!));
}
