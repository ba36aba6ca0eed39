// linear: every touch in the window gets an equal share.
import type { AttributionModel } from './types';
import { equalWeights } from './weights';

export const linear: AttributionModel = {
  name: 'linear',
  weights: ({ touches }) => equalWeights(touches.length),
};
