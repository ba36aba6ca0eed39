// last_touch: all credit to the last touch at or before the conversion.
import type { AttributionModel } from './types';
import { oneHot } from './weights';

export const lastTouch: AttributionModel = {
  name: 'last_touch',
  weights: ({ touches }) => oneHot(touches.length, touches.length - 1),
};
