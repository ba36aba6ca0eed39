// full_path: 22.5% each to FT, LC, OC and CW; 10% shared by the other touches between FT and CW.
import { milestoneWeights } from './milestones';
import type { AttributionModel } from './types';

const SHAPE = { shares: { ft: 225, lc: 225, oc: 225, cw: 225 }, pool: 100, poolEnd: 'cw' } as const;

export const fullPath: AttributionModel = {
  name: 'full_path',
  weights: ({ touches, ctx }) => milestoneWeights(touches.length, ctx.milestones, SHAPE),
};
