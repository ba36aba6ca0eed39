// What stored credit adds up to per stage, dimension, UTC day and key, for every model (pure): the
// rollup of some days, and sums over any set of conversions for reports (rollup-rows.ts stores them).
import { NO_TOUCH } from '../../../schemas/akey';
import { centsByTouch, DAY_MS, WEIGHT_UNITS, type RawCreditPart } from '../../../schemas/credit';
import { GROUP_BY, NOT_SET, TOUCH_DIMENSIONS, type GroupBy } from '../../../schemas/dimensions';
import type { CreditRowMeta } from '../db/credit';
import { accountOf } from './credit-key';
import { creditParts, type SiteFits } from './derived-credit';
import { addSums, type KeySums } from './rollup-rows';

/**
 * Not a model: what a key influenced. Its sums are [conversions, cents, touches]: the conversions
 * with at least one touch of that key (each once, however many touches), their whole amounts, and
 * those touches. A conversion without touches counts under "(no touch)". GET /v1/influence reads it.
 */
export const INFLUENCED = '(influenced)';

/**
 * Adds one conversion's credit (its stored parts as read, with the derived models when the caller
 * wants them: derived-credit.ts) to `into(dim, key)`: each touch's units and cents per model to its
 * fields' keys (NULL → "(not set)"), and the whole conversion to its account. A conversion without
 * touches adds WEIGHT_UNITS and its whole amount to "(no touch)" in every dimension. Touches sharing
 * their fields (one stored tuple) are summed first, so the maps are reached once per tuple. Each key
 * the conversion's touches have also gets the conversion once under INFLUENCED.
 */
export function addConversion(meta: CreditRowMeta, parts: readonly RawCreditPart[], dims: readonly GroupBy[], into: (dim: GroupBy, key: string) => KeySums): void {
  // Read straight off the parts (schemas/credit.ts): tuples "g", touches "t" = [id, tuple, units…].
  const models = parts[0].m;
  const touches = parts.reduce((n, p) => n + p.t.length, 0);
  if (!touches) {
    for (const dim of dims) {
      const sums = into(dim, NO_TOUCH);
      for (const model of models) addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, 0);
      addSums(sums, INFLUENCED, 1, meta.amount_cents, 0);
    }
    return;
  }
  // Per stored tuple, per model: [units, cents, touches]. Cents are split over all of the
  // conversion's touches by their units, so only a conversion with an amount needs the split.
  const tuples: { fields: (string | null)[]; acc: number[][]; touches: number }[] = [];
  const tupleOf: number[] = [];
  for (const p of parts) {
    const base = tuples.length;
    for (const fields of p.g) tuples.push({ fields, acc: models.map(() => [0, 0, 0]), touches: 0 });
    for (const t of p.t) {
      tupleOf.push(base + t[1]);
      tuples[base + t[1]].touches++;
    }
  }
  const credited = models.map(() => 0);
  models.forEach((_, m) => {
    const units: number[] = [];
    for (const p of parts) for (const t of p.t) units.push(t[2 + m] as number);
    const cents = meta.amount_cents ? centsByTouch(meta.amount_cents, units) : null;
    for (let i = 0; i < units.length; i++) {
      if (units[i] === 0) continue;
      const acc = tuples[tupleOf[i]].acc[m];
      acc[0] += units[i];
      if (cents) acc[1] += cents[i];
      acc[2]++;
      credited[m]++;
    }
  });
  for (const dim of dims) {
    if (dim === 'account') {
      const sums = into('account', accountOf(meta.akey, meta.window_touches));
      models.forEach((model, m) => addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, credited[m]));
      addSums(sums, INFLUENCED, 1, meta.amount_cents, touches);
      continue;
    }
    const column = TOUCH_DIMENSIONS.indexOf(dim);
    // Every window touch is listed (linear credits each), so these are the conversion's window touches.
    const influenced = new Map<string, number>();
    for (const { fields, acc, touches: n } of tuples) {
      const key = fields[column] ?? NOT_SET;
      influenced.set(key, (influenced.get(key) ?? 0) + n);
      const sums = into(dim, key);
      models.forEach((model, m) => {
        if (acc[m][2] > 0) addSums(sums, model, acc[m][0], acc[m][1], acc[m][2]);
      });
    }
    for (const [key, n] of influenced) if (n > 0) addSums(into(dim, key), INFLUENCED, 1, meta.amount_cents, n);
  }
}

export interface RollupDay {
  stage: string;
  dim: GroupBy;
  day: number;
  keys: Map<string, KeySums>;
}

/**
 * The rollup of the days the given conversions fall on (all of each day's conversions must be given),
 * every model: the data-driven ones derived under `fits`, the site's latest.
 */
export function rollupDays(conversions: readonly { meta: CreditRowMeta; payloads: string[] }[], fits: SiteFits): Map<string, RollupDay> {
  const days = new Map<string, RollupDay>();
  for (const { meta, payloads } of conversions) {
    const day = Math.floor(meta.converted_at / DAY_MS);
    const byDim = new Map<GroupBy, Map<string, KeySums>>();
    for (const dim of GROUP_BY) {
      const id = rollupDayId(meta.stage, dim, day);
      let d = days.get(id);
      if (!d) days.set(id, (d = { stage: meta.stage, dim, day, keys: new Map() }));
      byDim.set(dim, d.keys);
    }
    addConversion(meta, creditParts(payloads, meta.stage, fits), GROUP_BY, (dim, key) => {
      const keys = byDim.get(dim)!;
      let sums = keys.get(key);
      if (!sums) keys.set(key, (sums = new Map()));
      return sums;
    });
  }
  return days;
}

export const rollupDayId = (stage: string, dim: string, day: number) => `${stage}\u0000${dim}\u0000${day}`;
