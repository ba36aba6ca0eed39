// What every view reads: the date range, the conversion stage, the model for single-model views and
// the models compared side by side.
export interface Filters {
  from: string;
  to: string;
  conversion: string;
  model: string;
  models: string[];
}

/** The report types and stage names every view reads, from the contract (types and plain values only: no zod ships). */
export type { CreditReport } from '../../schemas/query';
export { USUAL_STAGES as STAGES } from '../../schemas/stages';
export { DATA_DRIVEN_MODELS as DATA_DRIVEN, MODEL_NAMES } from '../../schemas/models';

/**
 * The filters of the latest load. A view whose answers arrive after the filters changed drops them,
 * so a slow answer for an old range never overwrites a newer one.
 */
let latest: Filters | null = null;

export function setLatest(f: Filters): void {
  latest = f;
}

export const isStale = (f: Filters): boolean => f !== latest;

export const latestFilters = (): Filters | null => latest;
