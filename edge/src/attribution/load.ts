// Loads what crediting a set of keys needs: their conversions (now and where last credited) and
// their touches over the ranges asked for. The job and on-demand windows read through here alike.
import { parseAkey, splitAkeys } from '../../../schemas/akey';
import { convertCents } from '../../../schemas/money';
import { candidateStatements, mergeCandidates, touchStatements, type CandidateConversion, type LoadedTouch, type TouchRequest } from '../db/attribution';
import type { D1Meter } from '../db/meter';
import type { KeyTouch } from './credit-key';
import type { CreditConversion } from './models';

/**
 * Amounts are credited in the reporting currency, converted here at the rate loaded with the row; one
 * without a rate yet is credited with no revenue, and a rate that arrives later re-queues it.
 */
export const toConversion = (row: CandidateConversion): CreditConversion => ({
  id: row.conversion_id,
  stage: row.stage,
  at: row.occurred_at,
  opportunityId: row.opportunity_id,
  amountCents: row.amount_cents === null || row.rate === null ? null : convertCents(row.amount_cents, row.rate),
});

/** Conversions that belong to the keys now or were last credited under one of them, with their rates into `currency`. */
export async function loadCandidates(meter: D1Meter, siteId: string, akeys: string[], currency: string): Promise<CandidateConversion[]> {
  return mergeCandidates(await meter.batch<CandidateConversion>(candidateStatements(meter.db, siteId, splitAkeys(akeys), akeys, currency)));
}

/** Each key's touches over its range, deduped by id (a touch reached through several links comes back more than once). */
export async function loadKeyTouches(meter: D1Meter, siteId: string, ranges: ReadonlyMap<string, { from: number; to: number }>): Promise<Map<string, KeyTouch[]>> {
  const req: TouchRequest = { accounts: [], personal: [], visitors: [] };
  for (const [akey, range] of ranges) {
    const p = parseAkey(akey);
    if (p.kind === 'account') req.accounts.push({ akey, id: p.domain, ...range });
    else if (p.kind === 'personal') req.personal.push({ akey, id: p.contactId, ...range });
    else if (p.kind === 'visitor') req.visitors.push({ akey, id: p.visitorId, ...range });
  }
  const out = new Map<string, Map<string, KeyTouch>>();
  for (const r of await meter.batch<LoadedTouch>(touchStatements(meter.db, siteId, req))) {
    for (const t of r.results) {
      let touches = out.get(t.akey);
      if (!touches) out.set(t.akey, (touches = new Map()));
      touches.set(t.touch_id, {
        id: t.touch_id,
        at: t.occurred_at,
        channel: t.channel,
        touchType: t.touch_type,
        fields: { touch_type: t.touch_type, channel: t.channel, source: t.source, medium: t.medium, campaign: t.campaign, content: t.content, term: t.term },
      });
    }
  }
  return new Map([...out].map(([akey, touches]) => [akey, [...touches.values()]]));
}
