// Checks a site's stored credit against the invariants of docs/attribution.md; used by tests and benchmarks.
import { DAY_MS, decodeParts, WEIGHT_UNITS } from '../../../schemas/credit';
import { convertCents } from '../../../schemas/money';
import { allConversions, allCredit, groupParts, type StoredCreditRow } from '../db/credit';
import { readFits, type StoredFit } from '../db/fits';
import type { Site } from '../db/sites';
import { creditParts } from './derived-credit';
import { parseFits } from './parsed-fits';
import { REGISTRY } from './models';

export interface CreditAudit {
  conversions: number;
  credited: number;
  /** Human-readable violations; empty when every invariant holds. */
  problems: string[];
}

/**
 * Every non-closed_lost conversion has credit under every model whose units sum to exactly one
 * conversion; closed_lost has none; no credit outlives its conversion or disagrees with its time,
 * stage or amount; no credited touch lies outside the window. Meaningful once the job has caught up.
 */
export async function auditCredit(db: D1Database, site: Site): Promise<CreditAudit> {
  const [creditRows, conversionRows, fitRows] = await db.batch<Record<string, unknown>>([
    allCredit(db, site.id),
    allConversions(db, site.id, site.settings.currency),
    readFits(db, site.id),
  ]);
  const fits = parseFits(fitRows.results as unknown as StoredFit[]);
  const conversions = conversionRows.results as { conversion_id: string; stage: string; occurred_at: number; amount_cents: number | null; rate: string | null }[];
  const credit = new Map(groupParts(creditRows.results as unknown as StoredCreditRow[]).map((c) => [c.meta.conversion_id, c]));
  const touchTimes = new Map<string, number>();
  for (const { touch_id, occurred_at } of (
    await db.prepare('SELECT touch_id, occurred_at FROM touches WHERE site_id = ?').bind(site.id).all<{ touch_id: string; occurred_at: number }>()
  ).results) {
    touchTimes.set(touch_id, occurred_at);
  }

  const problems: string[] = [];
  let credited = 0;
  for (const cv of conversions) {
    const id = cv.conversion_id;
    const c = credit.get(id);
    credit.delete(id);
    if (cv.stage === 'closed_lost') {
      if (c) problems.push(`${id}: closed_lost has credit`);
      continue;
    }
    credited++;
    if (!c) {
      problems.push(`${id}: no credit`);
      continue;
    }
    // Amounts are credited in the reporting currency (0 while a foreign amount has no rate).
    const cents = cv.amount_cents === null || cv.rate === null ? 0 : (convertCents(cv.amount_cents, cv.rate) ?? 0);
    if (c.meta.stage !== cv.stage || c.meta.converted_at !== cv.occurred_at || c.meta.amount_cents !== cents) {
      problems.push(`${id}: credit row says ${c.meta.stage} at ${c.meta.converted_at} for ${c.meta.amount_cents}`);
    }
    const payload = decodeParts(creditParts(c.payloads, c.meta.stage, fits));
    for (const model of REGISTRY.map((m) => m.name)) {
      const m = payload.models.indexOf(model);
      if (m < 0) {
        problems.push(`${id}: no ${model} credit`);
        continue;
      }
      const units = payload.touches.reduce((n, t) => n + t.units[m], 0);
      if (payload.touches.length && units !== WEIGHT_UNITS) problems.push(`${id}/${model}: units sum to ${units}`);
    }
    for (const t of payload.touches) {
      const at = touchTimes.get(t.id);
      if (at !== undefined && (at > cv.occurred_at || at < cv.occurred_at - site.settings.window_days * DAY_MS)) {
        problems.push(`${id}: touch ${t.id} outside the window`);
      }
    }
  }
  for (const id of credit.keys()) problems.push(`${id}: credit without a conversion`);
  return { conversions: conversions.length, credited, problems };
}
