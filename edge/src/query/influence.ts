// GET /v1/influence: per key, the conversions its touches influenced (each once, however many
// touches) and those it sourced (its touch came first in the window), with their revenue.
import { WEIGHT_UNITS } from '../../../schemas/credit';
import type { GroupBy } from '../../../schemas/dimensions';
import { LIMITS } from '../../../schemas/limits';
import type { InfluenceReport } from '../../../schemas/pipeline';
import { INFLUENCED } from '../attribution/rollup';
import { totalCents } from '../attribution/rollup-rows';
import type { Site } from '../db/sites';
import { checkStage, storedGroups, tooManyRows } from './credit-report';
import { definitionsChangedAtOf, definitionsRead } from './definitions';
import type { QueryRange } from './range';

/**
 * Sourced is first-touch credit: first_touch gives a whole conversion and its whole amount to the
 * first window touch, which is exactly the touch that sources it ("(no touch)" when there is none).
 */
const SOURCED = 'first_touch';

export interface InfluenceRequest {
  stage: string;
  dim: GroupBy;
  range: QueryRange;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Read from the credit rollup (whole days) and stored credit (partial days), like the credit report. */
export async function buildInfluence(db: D1Database, site: Site, req: InfluenceRequest): Promise<InfluenceReport> {
  // definitions_changed_at is read in the same round trip as the sums.
  const { groups, stages, extra } = await storedGroups(db, site, req, new Set([SOURCED, INFLUENCED]), [definitionsRead(db, site.id)]);
  checkStage(req.stage, stages);
  const byInfluenced = groups.get(INFLUENCED)!;
  const bySourced = groups.get(SOURCED)!;
  const keys = new Set([...byInfluenced.keys(), ...bySourced.keys()]);
  if (keys.size > LIMITS.queryRows) {
    throw tooManyRows(req.dim);
  }
  let conversions = 0;
  let revenue = 0n;
  const rows: (InfluenceReport['rows'][number] & { cents: bigint })[] = [];
  for (const key of keys) {
    const influenced = byInfluenced.get(key);
    const sourced = bySourced.get(key);
    const sourcedConversions = Math.round((sourced?.units ?? 0) / WEIGHT_UNITS);
    conversions += sourcedConversions;
    const influencedCents = influenced ? totalCents(influenced) : 0n;
    const sourcedCents = sourced ? totalCents(sourced) : 0n;
    revenue += sourcedCents;
    rows.push({
      key,
      influenced_conversions: influenced?.units ?? 0,
      influenced_revenue: Number(influencedCents) / 100,
      sourced_conversions: sourcedConversions,
      sourced_revenue: Number(sourcedCents) / 100,
      cents: influencedCents,
    });
  }
  rows.sort(
    (a, b) =>
      b.influenced_conversions - a.influenced_conversions ||
      (b.cents > a.cents ? 1 : b.cents < a.cents ? -1 : 0) ||
      b.sourced_conversions - a.sourced_conversions ||
      byText(a.key, b.key),
  );
  return {
    conversion: req.stage,
    group_by: req.dim,
    from: req.range.from,
    to: req.range.to,
    window_days: site.settings.window_days,
    currency: site.settings.currency,
    totals: { conversions, revenue: Number(revenue) / 100 },
    rows: rows.map(({ cents: _, ...row }) => row),
    definitions_changed_at: definitionsChangedAtOf(extra[0]),
  };
}
