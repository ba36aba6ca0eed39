// Checks a site's stored credit against the invariants of CONTRACT §7; used by tests and benchmarks.
import { countStrayCredit, readConversionAmounts, readCreditSums, type CreditSum } from '../db/credit';
import type { Site } from '../db/sites';
import { MODELS } from './models';

const WEIGHT_TOLERANCE = 1e-9;

export interface CreditAudit {
  conversions: number;
  credited: number;
  /** Human-readable violations; empty when every invariant holds. */
  problems: string[];
}

/**
 * Every non-closed_lost conversion has, for every model, weights summing to 1 and revenue summing
 * to its amount to the cent; closed_lost has no credit; no credited touch lies outside the window;
 * no credit outlives its conversion. Meaningful once the job has caught up (no keys queued).
 */
export async function auditCredit(db: D1Database, site: Site): Promise<CreditAudit> {
  const sums = new Map<string, CreditSum[]>();
  for (const s of await readCreditSums(db, site.id)) sums.set(s.conversion_id, [...(sums.get(s.conversion_id) ?? []), s]);
  const conversions = await readConversionAmounts(db, site.id);

  const problems: string[] = [];
  let credited = 0;
  for (const { conversion_id: id, stage, amount_cents } of conversions) {
    const models = sums.get(id) ?? [];
    if (stage === 'closed_lost') {
      if (models.length) problems.push(`${id}: closed_lost has credit`);
      continue;
    }
    credited++;
    for (const model of MODELS) {
      const m = models.find((x) => x.model === model);
      if (!m) {
        problems.push(`${id}: no ${model} credit`);
        continue;
      }
      if (Math.abs(m.weight - 1) > WEIGHT_TOLERANCE) problems.push(`${id}/${model}: weights sum to ${m.weight}`);
      if (m.revenue_cents !== (amount_cents ?? 0)) problems.push(`${id}/${model}: revenue ${m.revenue_cents} != amount ${amount_cents ?? 0}`);
    }
    for (const m of models) if (!(MODELS as readonly string[]).includes(m.model)) problems.push(`${id}: unknown model ${m.model}`);
  }
  const stray = await countStrayCredit(db, site.id, site.settings.window_days);
  if (stray.outside) problems.push(`${stray.outside} credit rows for touches outside the window`);
  if (stray.orphans) problems.push(`${stray.orphans} credit rows without a conversion`);
  return { conversions: conversions.length, credited, problems };
}
