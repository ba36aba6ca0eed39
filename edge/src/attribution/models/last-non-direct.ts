// last_non_direct: all credit to the last touch whose channel is not Direct; all Direct → the last touch.
import type { AttributionModel } from './types';
import { oneHot } from './weights';

export const lastNonDirect: AttributionModel = {
  name: 'last_non_direct',
  weights: ({ touches }) => {
    let i = touches.length - 1;
    while (i >= 0 && touches[i].channel === 'Direct') i--;
    return oneHot(touches.length, i < 0 ? touches.length - 1 : i);
  },
};
