// Stored credit flattened to one row per conversion × model × credited touch, as tests read it:
// decoded from the compact store (schemas/credit.ts), data-driven models derived, with the same rules the reports use.
import { env } from 'cloudflare:test';
import { centsByTouch, decodeParts, WEIGHT_UNITS } from '../../schemas/credit';
import { creditParts } from '../../edge/src/attribution/derived-credit';
import { parseFits } from '../../edge/src/attribution/parsed-fits';
import { readFits, type StoredFit } from '../../edge/src/db/fits';
import { accountOf } from '../../edge/src/attribution/credit-key';
import { allCredit, groupParts, type StoredCreditRow } from '../../edge/src/db/credit';

export interface FlatCredit {
  model: string;
  conversion_id: string;
  /** '' for a conversion credited "(no touch)". */
  touch_id: string;
  weight: number;
  weight_units: number;
  revenue_cents: number;
  stage: string;
  converted_at: number;
  account_domain: string;
  touch_type: string | null;
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function flatCredit(siteId: string, filter: { conversionId?: string; model?: string } = {}): Promise<FlatCredit[]> {
  const [credit, fitRows] = await env.DB.batch<Record<string, unknown>>([allCredit(env.DB, siteId), readFits(env.DB, siteId)]);
  const fits = parseFits(fitRows.results as unknown as StoredFit[]);
  const results = credit.results as unknown as StoredCreditRow[];
  const out: FlatCredit[] = [];
  for (const { meta, payloads } of groupParts(results)) {
    if (filter.conversionId && meta.conversion_id !== filter.conversionId) continue;
    // Every model, the data-driven ones derived under the latest fit, as every reader sees them.
    const { models, touches } = decodeParts(creditParts(payloads, meta.stage, fits));
    const base = { conversion_id: meta.conversion_id, stage: meta.stage, converted_at: meta.converted_at, account_domain: accountOf(meta.akey, meta.window_touches) };
    models.forEach((model, m) => {
      if (filter.model && model !== filter.model) return;
      if (!touches.length) {
        const none = '(no touch)';
        out.push({ model, ...base, touch_id: '', weight: 1, weight_units: WEIGHT_UNITS, revenue_cents: meta.amount_cents, touch_type: none, channel: none, source: none, medium: none, campaign: none, content: none, term: none });
        return;
      }
      const units = touches.map((t) => t.units[m]);
      const cents = centsByTouch(meta.amount_cents, units);
      touches.forEach((t, i) => {
        if (units[i] > 0) out.push({ model, ...base, touch_id: t.id, weight: units[i] / WEIGHT_UNITS, weight_units: units[i], revenue_cents: cents[i], ...t.fields });
      });
    });
  }
  return out.sort((a, b) => byText(a.model, b.model) || byText(a.conversion_id, b.conversion_id) || byText(a.touch_id, b.touch_id));
}

