// Data-driven credit is derived, never stored: a conversion's stored credit lists its window touches
// in window order with their fields, and a model that learns from the site's journeys weighs a
// conversion by its touches' channels alone, so its units follow from that list and the latest fit
// wherever credit is read (rollup, partial days, journeys, audits).
//
// Why: a new fit (each UTC day) then rewrites no stored credit and reads no touch. Only the rollup
// is rebuilt from stored credit; before, every refit recomputed every conversion of the site from
// its touches and rewrote nearly every credit row.
import { readParts, splitLargestRemainder, WEIGHT_UNITS, type RawCreditPart } from '../../../schemas/credit';
import { TOUCH_DIMENSIONS } from '../../../schemas/dimensions';
import { REGISTRY, type AttributionModel, type CreditTouch } from './models';
import type { SiteFits } from './parsed-fits';

/** Stored credit parts as read (readParts), with the derived models added under the latest fits. */
export const creditParts = (payloads: readonly string[], stage: string, fits: SiteFits): RawCreditPart[] =>
  withDerivedCredit(readParts(payloads), stage, fits);

/** Models whose units the job stores: those that need only their conversion's path. */
export const STORED_MODELS: readonly AttributionModel[] = REGISTRY.filter((m) => !m.fit);
/** Models derived on read from stored credit and the latest fit. */
export const DERIVED_MODELS: readonly AttributionModel[] = REGISTRY.filter((m) => m.fit);

const CHANNEL = TOUCH_DIMENSIONS.indexOf('channel');
const TOUCH_TYPE = TOUCH_DIMENSIONS.indexOf('touch_type');

/**
 * Appends every derived model's units to each touch of one conversion's parts (and its name to `m`),
 * as if the job had stored them: units split by largest remainder over the conversion's touches in
 * stored (window) order, exactly as creditKey splits every model. The parts are changed in place and
 * returned: they are freshly read (creditParts), and the rollup derives every conversion of a site,
 * so no copy of each touch. A conversion credited "(no touch)" has no touch to weigh and gets the
 * names only; parts that already hold a derived model (none are stored so) are left as they are.
 */
export function withDerivedCredit(parts: RawCreditPart[], stage: string, fits: SiteFits): RawCreditPart[] {
  if (!parts.length || DERIVED_MODELS.some((m) => parts[0].m.includes(m.name))) return parts;
  const names = [...parts[0].m, ...DERIVED_MODELS.map((m) => m.name)];
  for (const p of parts) p.m = names;
  const touches: CreditTouch[] = [];
  for (const p of parts) {
    for (const t of p.t) {
      const fields = p.g[t[1]];
      // Time is not stored with credit, and these models never read it: they weigh channels.
      touches.push({ id: t[0], at: Number.NaN, channel: fields[CHANNEL] ?? '', touchType: fields[TOUCH_TYPE] ?? '' });
    }
  }
  if (!touches.length) return parts;
  const stageFits = fits.get(stage);
  const input = { touches, conversion: { id: '', stage, at: Number.NaN }, ctx: { milestones: {}, halfLifeDays: 0, customWeights: {} } };
  for (const model of DERIVED_MODELS) {
    const units = splitLargestRemainder(WEIGHT_UNITS, model.weights(input, stageFits?.get(model.name)));
    let i = 0;
    for (const p of parts) for (const t of p.t) t.push(units[i++]);
  }
  return parts;
}
