// Every attribution model, by name: the job, on-demand windows, journeys, compare and the API read
// this list. Adding a model is its own file plus one line here (and its name in schemas/models.ts).
import { MODEL_NAMES, type ModelName } from '../../../../schemas/models';
import { custom } from './custom';
import { firstTouch } from './first-touch';
import { fullPath } from './full-path';
import { lastNonDirect } from './last-non-direct';
import { lastTouch } from './last-touch';
import { linear } from './linear';
import { markov } from './markov';
import { shapley } from './shapley';
import { timeDecay } from './time-decay';
import type { AttributionModel } from './types';
import { uShaped } from './u-shaped';
import { wShaped } from './w-shaped';

/** Keyed by name, so the compiler refuses a registry that misses or invents a name. */
const BY_NAME: Record<ModelName, AttributionModel> = {
  first_touch: firstTouch,
  last_touch: lastTouch,
  last_non_direct: lastNonDirect,
  linear,
  time_decay: timeDecay,
  u_shaped: uShaped,
  w_shaped: wShaped,
  full_path: fullPath,
  custom,
  markov,
  shapley,
};

/** Models that learn from the site's journeys: fitted by the job, and only on the site's own window. */
export const DATA_DRIVEN: ReadonlySet<ModelName> = new Set(MODEL_NAMES.filter((name) => BY_NAME[name].fit !== undefined));

/** In the order of schemas/models.ts, which is the order stored credit lists them in. */
export const REGISTRY: readonly AttributionModel[] = MODEL_NAMES.map((name) => BY_NAME[name]);

export function modelNamed(name: ModelName): AttributionModel {
  const model = BY_NAME[name];
  // Model names arrive from stored settings and query strings, not only from typed code.
  if (!model) throw new RangeError(`unknown attribution model: ${String(name)}`);
  return model;
}
