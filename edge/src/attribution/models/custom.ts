// custom: weight ∝ the site's custom_weights[touch_type] (a type not listed weighs 1).
import type { AttributionModel } from './types';
import { equalWeights, normalise } from './weights';

/**
 * Own keys only, so a type named `constructor` is not read off Object.prototype. When every touch
 * weighs 0 the model falls back to equal shares: the weights must still sum to 1, and an operator
 * who zeroed every type present has expressed no preference among these touches.
 */
function customWeight(weights: Record<string, number>, touchType: string): number {
  if (!Object.hasOwn(weights, touchType)) return 1;
  const w = weights[touchType];
  if (!(Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`custom weight for ${touchType} must be a finite number >= 0, got ${w}`);
  }
  return w;
}

export const custom: AttributionModel = {
  name: 'custom',
  weights: ({ touches, ctx }) => {
    const raw = touches.map((t) => customWeight(ctx.customWeights, t.touchType));
    return raw.some((w) => w > 0) ? normalise(raw) : equalWeights(touches.length);
  },
};
