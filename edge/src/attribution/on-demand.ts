// Credit for a window other than the site's, computed per request exactly as the job would store it:
// the job's loaders and creditKey, summed per key of one dimension without storing anything.
import { readParts } from '../../../schemas/credit';
import type { GroupBy } from '../../../schemas/dimensions';
import { LIMITS } from '../../../schemas/limits';
import { conversionsInRange } from '../db/reports';
import type { D1Meter } from '../db/meter';
import type { Site } from '../db/sites';
import { creditKey, touchRange } from './credit-key';
import { loadCandidates, loadKeyTouches, toConversion } from './load';
import type { CreditConversion } from './models';
import { addConversion } from './rollup';
import type { KeySums } from './rollup-rows';

/** A request recomputes at most this many conversions (docs/limits.md): a few seconds of work at the largest. */
export const ON_DEMAND_MAX_CONVERSIONS = LIMITS.onDemandConversions;
/** Keys per load: two round trips each, touches of a few hundred accounts per batch. */
const KEYS_PER_CHUNK = 500;

export class TooManyConversions extends Error {}

/** Sums per key of `dim` for one stage's conversions in the range, under `windowDays`. */
export async function creditForWindow(
  meter: D1Meter,
  site: Site,
  req: { stage: string; dim: GroupBy; fromMs: number; toMs: number; windowDays: number },
): Promise<Map<string, KeySums>> {
  const targets = await meter.all<{ conversion_id: string; akey: string }>(
    conversionsInRange(meter.db, site.id, req.stage, req, ON_DEMAND_MAX_CONVERSIONS + 1),
  );
  if (targets.length > ON_DEMAND_MAX_CONVERSIONS) throw new TooManyConversions();
  const only = new Set(targets.map((t) => t.conversion_id));
  const akeys = [...new Set(targets.map((t) => t.akey))];
  const settings = { ...site.settings, window_days: req.windowDays };
  const groups = new Map<string, KeySums>();
  const into = (_dim: GroupBy, key: string) => {
    let sums = groups.get(key);
    if (!sums) groups.set(key, (sums = new Map()));
    return sums;
  };

  for (let i = 0; i < akeys.length; i += KEYS_PER_CHUNK) {
    const chunk = new Set(akeys.slice(i, i + KEYS_PER_CHUNK));
    // Every conversion of each key, not only the targets: milestones (LC, OC) need them all.
    const all = new Map<string, CreditConversion[]>();
    for (const row of await loadCandidates(meter, site.id, [...chunk], site.settings.currency)) {
      if (!chunk.has(row.akey)) continue;
      const list = all.get(row.akey) ?? [];
      list.push(toConversion(row));
      all.set(row.akey, list);
    }
    const ranges = new Map<string, { from: number; to: number }>();
    for (const [akey, conversions] of all) {
      const range = touchRange(conversions.filter((c) => only.has(c.id)), req.windowDays);
      if (range) ranges.set(akey, range);
    }
    const touches = await loadKeyTouches(meter, site.id, ranges);
    for (const [akey, conversions] of all) {
      const targetsOfKey = conversions.filter((c) => only.has(c.id));
      for (const credit of creditKey(akey, conversions, targetsOfKey, touches.get(akey) ?? [], settings)) {
        // Rule-based models only: data-driven ones are refused another window (window_fixed_for_model).
        addConversion(credit, readParts(credit.parts), [req.dim], into);
      }
    }
  }
  return groups;
}
