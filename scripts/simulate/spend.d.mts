// Types for spend.mjs, for the unit test.
export function buildSpend(opts: { days?: number; seed: number; now: number }): {
  spend: { id: string; date?: string; start_date?: string; end_date?: string; amount: number; currency?: string; channel?: string; source?: string; medium?: string; campaign: string }[];
  rates: { currency: string; date: string; rate: number }[];
};
