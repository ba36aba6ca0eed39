// Spend and return for the credit reports: spend per key over a range in the reporting currency, and
// ROAS and cost per conversion computed from sums (never averaged), null when the divisor is 0.
import { DAY_MS, WEIGHT_UNITS } from '../../../schemas/credit';
import type { GroupBy } from '../../../schemas/dimensions';
import { convertCents } from '../../../schemas/money';
import type { Site } from '../db/sites';
import { isSpendDim, spendInCurrency, spendToConvert } from '../db/spend';
import type { QueryRange } from './range';

/**
 * The statements that read spend per key of `dim` on the UTC days the range touches (spend is daily,
 * so a timestamp range counts its first and last day whole), to run in the report's own round trip;
 * null when spend cannot be grouped by `dim`.
 */
export function spendStatements(db: D1Database, site: Site, dim: GroupBy, range: QueryRange): D1PreparedStatement[] | null {
  if (!isSpendDim(dim)) return null;
  const days = { first: Math.floor(range.fromMs / DAY_MS), last: Math.floor(range.toMs / DAY_MS) };
  return [spendInCurrency(db, site.id, dim, days, site.settings.currency), spendToConvert(db, site.id, dim, days, site.settings.currency)];
}

/**
 * Cents of spend per key, from the results of spendStatements. Days in the reporting currency were
 * summed by SQL; each day of an item in another currency is converted at the latest rate at or
 * before it, and left out while there is none (/v1/quality counts it).
 */
export function spendByKey([same, other]: D1Result[]): Map<string, bigint> {
  const out = new Map<string, bigint>();
  const add = (key: string, cents: bigint) => out.set(key, (out.get(key) ?? 0n) + cents);
  for (const row of same.results as { key: string; cents: string }[]) add(row.key, BigInt(row.cents));
  for (const row of other.results as { key: string; cents: number; rate: string | null }[]) {
    const cents = row.rate === null ? null : convertCents(row.cents, row.rate);
    if (cents !== null) add(row.key, BigInt(cents));
  }
  return out;
}

export interface SpendShown {
  spend: number;
  roas: number | null;
  cost_per_conversion: number | null;
}

/** Spend and its ratios for one row or total, from its exact sums: revenue cents, weight units, spend cents. */
export function spendFigures(revenueCents: bigint, units: number, spendCents: bigint): SpendShown {
  const spend = Number(spendCents);
  return {
    spend: spend / 100,
    roas: spendCents === 0n ? null : Math.round((Number(revenueCents) / spend) * 10_000) / 10_000,
    cost_per_conversion: units === 0 ? null : Math.round((spend * WEIGHT_UNITS) / units) / 100,
  };
}
