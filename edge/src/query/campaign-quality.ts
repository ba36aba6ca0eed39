// The campaign hygiene report (docs/governance.md): spellings of one source, medium or campaign that
// differ only in case, spaces or separators, and the source/medium pairs no channel rule catches.
import { normalizeCampaignValue } from '../../../schemas/governance';
import { unassignedPairs, valueCounts, type HygieneField } from '../db/hygiene';

const FIELDS: HygieneField[] = ['source', 'medium', 'campaign'];
/** Unassigned pairs listed by default. */
export const DEFAULT_UNASSIGNED = 20;

export interface CampaignQuality {
  groups: { field: HygieneField; normalized: string; variants: { value: string; touches: number }[] }[];
  unassigned: { source: string | null; medium: string | null; touches: number }[];
}

/** Groups of two or more spellings, biggest first; within a group the most used spelling first. */
export function groupVariants(field: HygieneField, counts: { value: string; touches: number }[]): CampaignQuality['groups'] {
  const byNorm = new Map<string, { value: string; touches: number }[]>();
  for (const c of counts) {
    const key = normalizeCampaignValue(c.value);
    if (key === '') continue;
    const list = byNorm.get(key) ?? [];
    list.push({ value: c.value, touches: c.touches });
    byNorm.set(key, list);
  }
  const total = (v: { touches: number }[]) => v.reduce((n, x) => n + x.touches, 0);
  return [...byNorm.entries()]
    .filter(([, v]) => v.length >= 2)
    .map(([normalized, variants]) => ({
      field,
      normalized,
      variants: variants.sort((a, b) => b.touches - a.touches || (a.value < b.value ? -1 : 1)),
    }))
    .sort((a, b) => total(b.variants) - total(a.variants) || (a.normalized < b.normalized ? -1 : 1));
}

export async function buildCampaignQuality(db: D1Database, siteId: string, limit = DEFAULT_UNASSIGNED): Promise<CampaignQuality> {
  const results = await db.batch<{ value: string; touches: number; source: string | null; medium: string | null }>([
    ...FIELDS.map((f) => valueCounts(db, siteId, f)),
    unassignedPairs(db, siteId, limit),
  ]);
  const groups = FIELDS.flatMap((f, i) => groupVariants(f, results[i].results));
  const unassigned = results[FIELDS.length].results.map((r) => ({ source: r.source, medium: r.medium, touches: r.touches }));
  return { groups, unassigned };
}
