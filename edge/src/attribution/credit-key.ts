// Credits one attribution key's conversions under every model at once (pure): each conversion's
// window, milestones, weight units per touch per model, encoded as the row stored for it.
import { NO_TOUCH, reportedAccount } from '../../../schemas/akey';
import { encodeCreditParts, encodeJourney, hashParts, splitLargestRemainder, WEIGHT_UNITS, type CreditedTouch } from '../../../schemas/credit';
import type { TouchFields } from '../../../schemas/dimensions';
import type { NewCredit } from '../db/credit';
import type { SiteSettings } from '../db/sites';
import { STORED_MODELS } from './derived-credit';
import { findMilestones, selectWindowTouches, type CreditConversion, type CreditTouch } from './models';

export type AttributionSettings = Pick<SiteSettings, 'window_days' | 'half_life_days' | 'custom_weights' | 'currency'>;

/** A touch as the job loads it: what models read, and the grouping fields credit reports use. */
export interface KeyTouch extends CreditTouch {
  fields: TouchFields;
}

const DAY_MS = 86_400_000;
/** Part of every credit hash since credit rows store their journeys (see creditKey). */
const JOURNEY_FORMAT = 'j1';
const MODEL_NAMES = STORED_MODELS.map((m) => m.name);

export const isCreditable = (c: CreditConversion) => c.stage !== 'closed_lost';

/** The touch range some conversions need: from the earliest window start to the last conversion. */
export function touchRange(conversions: readonly CreditConversion[], windowDays: number): { from: number; to: number } | null {
  let from = Infinity;
  let to = -Infinity;
  for (const c of conversions) {
    if (!isCreditable(c)) continue;
    from = Math.min(from, c.at - windowDays * DAY_MS);
    to = Math.max(to, c.at);
  }
  return to === -Infinity ? null : { from, to };
}

/**
 * Credit of `targets` (conversions of `akey`; closed_lost ones are skipped) under every stored model
 * (the data-driven ones are derived from it on read: derived-credit.ts). `conversions` is every
 * conversion of the key: milestones (LC, OC) read them all. Every window touch is listed, in window
 * order, even one no stored model credits, since the derived models weigh them all; weight units
 * are split per model by largest remainder, so each model's units sum to exactly WEIGHT_UNITS; an
 * empty list is "(no touch)".
 */
export function creditKey(
  akey: string,
  conversions: readonly CreditConversion[],
  targets: readonly CreditConversion[],
  touches: readonly KeyTouch[],
  settings: AttributionSettings,
): NewCredit[] {
  const out: NewCredit[] = [];
  for (const c of targets) {
    if (!isCreditable(c)) continue;
    const window = selectWindowTouches(touches, c.at, settings.window_days);
    const credited: CreditedTouch[] = [];
    if (window.length) {
      const input = {
        touches: window,
        conversion: c,
        ctx: { milestones: findMilestones(window, c, conversions), halfLifeDays: settings.half_life_days, customWeights: settings.custom_weights },
      };
      const unitsByModel = STORED_MODELS.map((model) => splitLargestRemainder(WEIGHT_UNITS, model.weights(input)));
      window.forEach((t, i) => credited.push({ id: t.id, fields: t.fields, units: unitsByModel.map((u) => u[i]) }));
    }
    const encoded = encodeCreditParts({ models: MODEL_NAMES, touches: credited });
    const parts = encoded.map((p) => p.payload);
    let next = 0;
    const journeys = encoded.map((p) => encodeJourney(window.slice(next, (next += p.touches)).map((t) => t.channel)));
    out.push({
      conversion_id: c.id,
      akey,
      stage: c.stage,
      converted_at: c.at,
      amount_cents: c.amountCents ?? 0,
      window_touches: window.length,
      parts,
      journeys,
      // The amount and window size are in the row, not the payload: a change of either is a change.
      // The journeys follow from the payload (its touches' channels); JOURNEY_FORMAT tells rows written
      // before they were stored (migration 0016) from today's, so each is rewritten once with them.
      hash: hashParts([...parts, `${c.amountCents ?? 0}/${window.length}/${JOURNEY_FORMAT}`]),
    });
  }
  return out;
}

/** What group_by=account shows for a conversion's credit. */
export const accountOf = (akey: string, windowTouches: number) => (windowTouches === 0 ? NO_TOUCH : reportedAccount(akey));
