// first_touch: all credit to the first touch in the window.
import type { AttributionModel } from './types';
import { oneHot } from './weights';

export const firstTouch: AttributionModel = {
  name: 'first_touch',
  weights: ({ touches }) => oneHot(touches.length, 0),
};
