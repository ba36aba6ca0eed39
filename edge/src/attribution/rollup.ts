// What stored credit adds up to per stage, dimension, UTC day and key, for every model (pure): the
// rows of credit_rollup for some days, and sums over any set of conversions for reports.
import { NO_TOUCH } from '../../../schemas/akey';
import { centsByTouch, DAY_MS, decodeCredit, WEIGHT_UNITS } from '../../../schemas/credit';
import { GROUP_BY, NOT_SET, type GroupBy } from '../../../schemas/dimensions';
import type { CreditRowMeta } from '../db/credit';
import { accountOf } from './credit-key';

/**
 * Per model: weight units, cents and credited touches. Cents are exact whatever the amounts: they
 * add as a safe integer, and whatever would pass 2^53 is carried in `bigCents` (total = both).
 */
export interface ModelSums {
  units: number;
  cents: number;
  bigCents?: bigint;
  touches: number;
}

export type KeySums = Map<string, ModelSums>;

export const totalCents = (s: ModelSums): bigint => (s.bigCents ?? 0n) + BigInt(s.cents);

export function addSums(sums: KeySums, model: string, units: number, cents: number | bigint, touches: number): void {
  let s = sums.get(model);
  if (!s) sums.set(model, (s = { units: 0, cents: 0, touches: 0 }));
  s.units += units;
  s.touches += touches;
  const next = typeof cents === 'number' ? s.cents + cents : NaN;
  if (Number.isSafeInteger(next)) s.cents = next;
  else {
    s.bigCents = totalCents(s) + BigInt(cents);
    s.cents = 0;
  }
}

/**
 * Adds one conversion's credit to `into(dim, key)`: each touch's units and cents per model to its
 * fields' keys (NULL → "(not set)"), and the whole conversion to its account. A conversion without
 * touches adds WEIGHT_UNITS and its whole amount to "(no touch)" in every dimension. Touches sharing
 * their fields (one stored tuple) are summed first, so the maps are reached once per tuple.
 */
export function addConversion(meta: CreditRowMeta, payloads: readonly string[], dims: readonly GroupBy[], into: (dim: GroupBy, key: string) => KeySums): void {
  const { models, touches } = decodeCredit(payloads);
  if (!touches.length) {
    for (const dim of dims) {
      const sums = into(dim, NO_TOUCH);
      for (const model of models) addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, 0);
    }
    return;
  }
  // Per field tuple (decodeCredit shares one fields object per stored tuple), per model: [units, cents, touches].
  const tuples = new Map<object, number[][]>();
  for (const t of touches) if (!tuples.has(t.fields)) tuples.set(t.fields, models.map(() => [0, 0, 0]));
  const credited = models.map(() => 0);
  models.forEach((_, m) => {
    const units = touches.map((t) => t.units[m]);
    const cents = centsByTouch(meta.amount_cents, units);
    touches.forEach((t, i) => {
      if (units[i] === 0) return;
      const acc = tuples.get(t.fields)![m];
      acc[0] += units[i];
      acc[1] += cents[i];
      acc[2]++;
      credited[m]++;
    });
  });
  for (const dim of dims) {
    if (dim === 'account') {
      const sums = into('account', accountOf(meta.akey, meta.window_touches));
      models.forEach((model, m) => addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, credited[m]));
      continue;
    }
    for (const [fields, acc] of tuples) {
      const sums = into(dim, (fields as Record<string, string | null>)[dim] ?? NOT_SET);
      models.forEach((model, m) => {
        if (acc[m][2] > 0) addSums(sums, model, acc[m][0], acc[m][1], acc[m][2]);
      });
    }
  }
}

/** Serialised sums, models in a fixed order so that equal sums are equal strings. */
export function encodeSums(sums: KeySums, order: readonly string[]): string {
  const parts: string[] = [];
  for (const model of order) {
    const s = sums.get(model);
    if (s) parts.push(`${JSON.stringify(model)}:[${s.units},${totalCents(s)},${s.touches}]`);
  }
  return `{${parts.join(',')}}`;
}

/** Adds serialised sums into `into`; cents are read as text first, so no total is ever rounded. */
export function addEncodedSums(into: KeySums, json: string, models: ReadonlySet<string>): void {
  // Big integers stay exact: each number is matched as text before it becomes a BigInt.
  for (const m of json.matchAll(/"([^"]+)":\[(-?\d+),(-?\d+),(-?\d+)\]/g)) {
    if (!models.has(m[1])) continue;
    const cents = Number(m[3]);
    addSums(into, m[1], Number(m[2]), Number.isSafeInteger(cents) ? cents : BigInt(m[3]), Number(m[4]));
  }
}

export interface RollupGroup {
  stage: string;
  dim: GroupBy;
  day: number;
  key: string;
  sums: KeySums;
}

/** The rollup rows of the days the given conversions fall on (all of each day's conversions must be given). */
export function rollupDays(conversions: readonly { meta: CreditRowMeta; payloads: string[] }[]): Map<string, RollupGroup> {
  const groups = new Map<string, RollupGroup>();
  for (const { meta, payloads } of conversions) {
    const day = Math.floor(meta.converted_at / DAY_MS);
    addConversion(meta, payloads, GROUP_BY, (dim, key) => {
      const id = rollupId(meta.stage, dim, day, key);
      let g = groups.get(id);
      if (!g) {
        g = { stage: meta.stage, dim, day, key, sums: new Map() };
        groups.set(id, g);
      }
      return g.sums;
    });
  }
  return groups;
}

export const rollupId = (stage: string, dim: string, day: number, key: string) => `${stage}\u0000${dim}\u0000${day}\u0000${key}`;

