// Attribution models as pure functions: the registry, a conversion's window and milestones, and
// each model's weights, weight units and cents per touch.
import { splitLargestRemainder, WEIGHT_UNITS } from '../../../../schemas/credit';
import { MODEL_NAMES, type ModelName } from '../../../../schemas/models';
import { modelNamed } from './registry';
import type { CreditConversion, CreditTouch, ModelContext } from './types';

export { findMilestones } from './milestones';
export { DATA_DRIVEN, REGISTRY, modelNamed } from './registry';
export type { AttributionModel, CreditConversion, CreditTouch, Journey, Milestones, ModelContext, ModelInput } from './types';
export { compareTouches, selectWindowTouches } from './window';
export type { ModelName };
export const MODELS = MODEL_NAMES;

/** Splits whole cents by largest remainder (schemas/credit.ts), so the parts sum exactly to amountCents. */
export const allocateCents = splitLargestRemainder;

export interface TouchCredit {
  touchId: string;
  weight: number;
  /** The weight in integer units: a conversion's units sum to exactly WEIGHT_UNITS. */
  units: number;
  revenueCents: number;
}

/** Weights aligned with `touches` (windowed and ordered), summing to 1; [] for no touches. */
export function modelWeights(model: ModelName, touches: readonly CreditTouch[], conversion: CreditConversion, ctx: ModelContext, fit?: unknown): number[] {
  if (touches.length === 0) return [];
  return modelNamed(model).weights({ touches, conversion, ctx }, fit);
}

/**
 * One row per window touch, in touch order, zero-credit touches included so the caller sees the
 * whole path. Weights become integer units first (largest remainder over WEIGHT_UNITS), and cents
 * are split by those units, exactly as stored credit derives them. `closed_lost` is stored but never
 * credited: it returns [], as does a conversion without touches (the caller records "(no touch)").
 */
export function creditConversion(model: ModelName, windowTouches: readonly CreditTouch[], conversion: CreditConversion, ctx: ModelContext, fit?: unknown): TouchCredit[] {
  if (conversion.stage === 'closed_lost' || windowTouches.length === 0) return [];
  const weights = modelWeights(model, windowTouches, conversion, ctx, fit);
  const units = splitLargestRemainder(WEIGHT_UNITS, weights);
  const cents = splitLargestRemainder(conversion.amountCents ?? 0, units);
  return windowTouches.map((t, i) => ({ touchId: t.id, weight: weights[i], units: units[i], revenueCents: cents[i] }));
}
