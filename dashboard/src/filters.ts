// What every view reads: the date range, the conversion stage, the model for single-model views and
// the models compared side by side.
export interface Filters {
  from: string;
  to: string;
  conversion: string;
  model: string;
  models: string[];
}

/** Credit answers carry the rows of one model's report; spend fields come with channel/source/medium/campaign. */
export interface CreditRow {
  key: string;
  conversions: number;
  revenue: number;
  touches: number;
  spend?: number;
  roas?: number | null;
  cost_per_conversion?: number | null;
}

export interface CreditReport {
  model: string;
  conversion: string;
  from: string;
  to: string;
  currency: string;
  window_days: number;
  definitions_changed_at?: string | null;
  totals: { conversions: number; revenue: number; spend?: number; roas?: number | null; cost_per_conversion?: number | null };
  rows: CreditRow[];
}

export const STAGES = ['lead', 'mql', 'sql', 'opportunity', 'closed_won'];
export const DATA_DRIVEN = ['markov', 'shapley'];

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
