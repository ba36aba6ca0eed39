// time_decay: weight ∝ 2^(−Δdays / half_life_days), Δ = conversion time − touch time in fractional days.
import type { AttributionModel } from './types';
import { normalise } from './weights';

const DAY_MS = 86_400_000;

/**
 * Measured from the newest touch rather than from T: the ratios are the same, and the newest
 * touch weighing 1 keeps long windows with short half-lives from underflowing every weight to 0.
 */
export const timeDecay: AttributionModel = {
  name: 'time_decay',
  weights: ({ touches, conversion, ctx }) => {
    if (!(ctx.halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be > 0, got ${ctx.halfLifeDays}`);
    const deltas = touches.map((t) => (conversion.at - t.at) / DAY_MS);
    const nearest = deltas.reduce((a, b) => Math.min(a, b));
    return normalise(deltas.map((d) => 2 ** (-(d - nearest) / ctx.halfLifeDays)));
  },
};
