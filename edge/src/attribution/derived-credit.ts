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
import type { StoredFit } from '../db/fits';
import { REGISTRY, type AttributionModel, type CreditTouch } from './models';

/** stage → model name → fit, as the models read them. */
export type SiteFits = ReadonlyMap<string, ReadonlyMap<string, unknown>>;

/**
 * Fits parsed, by their stored text (a stage's models together), in this isolate. A fit read again
 * is then the same object, so what a model derives from it once per fit (models/data-driven.ts
 * perFit: Shapley values per channel set, Markov shares) is derived once, not once per read: the
 * rollup reads the fits with every round of days, and reports with every request. A handful of
 * sites' current fits; cleared whole when full, since fits change daily.
 */
const PARSED = new Map<string, ReadonlyMap<string, unknown>>();
const PARSED_MAX = 32;
/**
 * And at most this many characters of fit text held: a fit grows with a site's channels and
 * channel sets, and an isolate has 128 MB. A larger fit is parsed for its read alone, as before.
 */
const PARSED_MAX_CHARS = 4_000_000;
let parsedChars = 0;

function parsedStageFit(text: string): ReadonlyMap<string, unknown> {
  let fit = PARSED.get(text);
  if (!fit) {
    fit = new Map(Object.entries(JSON.parse(text) as Record<string, unknown>));
    if (text.length > PARSED_MAX_CHARS) return fit;
    if (PARSED.size >= PARSED_MAX || parsedChars + text.length > PARSED_MAX_CHARS) {
      PARSED.clear();
      parsedChars = 0;
    }
    PARSED.set(text, fit);
    parsedChars += text.length;
  }
  return fit;
}

/** The stored fits (db/fits.ts) as the models read them (models never change a fit). */
export function parseFits(rows: readonly Pick<StoredFit, 'stage' | 'fit'>[]): SiteFits {
  return new Map(rows.map((r) => [r.stage, parsedStageFit(r.fit)]));
}

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
