// w_shaped: 30% each to FT, LC and OC; 10% shared by the other touches between FT and OC.
import { milestoneWeights } from './milestones';
import type { AttributionModel } from './types';

const SHAPE = { shares: { ft: 300, lc: 300, oc: 300 }, pool: 100, poolEnd: 'oc' } as const;

export const wShaped: AttributionModel = {
  name: 'w_shaped',
  weights: ({ touches, ctx }) => milestoneWeights(touches.length, ctx.milestones, SHAPE),
};
