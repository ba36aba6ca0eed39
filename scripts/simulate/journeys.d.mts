// Types for journeys.mjs, for the unit test.
export function buildJourneys(opts: { accounts: number; days: number; seed: number; origin: string; now: number }): {
  segment: any[];
  snippet: { v: string; e: { c: number }[] }[];
  bots: unknown[];
  touches: { id: string; occurred_at: string; touch_type: string; account_domain: string; campaign: string }[];
  conversions: any[];
  stats: { accounts: number; contacts: number; freeMail: number; visitors: number; sampleDomain: string };
};
