// u_shaped: 40% first, 40% last, 20% shared by the touches between; one touch 100%, two 50/50.
import type { AttributionModel } from './types';
import { equalWeights, normalise } from './weights';

export const uShaped: AttributionModel = {
  name: 'u_shaped',
  weights: ({ touches }) => {
    const n = touches.length;
    if (n <= 2) return equalWeights(n);
    return normalise(touches.map((_, i) => (i === 0 || i === n - 1 ? 400 : 200 / (n - 2))));
  },
};
