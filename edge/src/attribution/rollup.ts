// What stored credit adds up to per stage, dimension, UTC day and key, for every model (pure): the
// rollup of some days, and sums over any set of conversions for reports (rollup-rows.ts stores them).
import { NO_TOUCH } from '../../../schemas/akey';
import { centsByTouch, DAY_MS, WEIGHT_UNITS, type RawCreditPart } from '../../../schemas/credit';
import { GROUP_BY, NOT_SET, TOUCH_DIMENSIONS, type GroupBy } from '../../../schemas/dimensions';
import type { CreditRowMeta } from '../db/credit';
import { accountOf } from './credit-key';
import { creditParts } from './derived-credit';
import type { SiteFits } from './parsed-fits';
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
  const M = models.length;
  let touches = 0;
  let tupleCount = 0;
  for (const p of parts) {
    touches += p.t.length;
    tupleCount += p.g.length;
  }
  if (!touches) {
    for (const dim of dims) {
      const sums = into(dim, NO_TOUCH);
      for (const model of models) addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, 0);
      addSums(sums, INFLUENCED, 1, meta.amount_cents, 0);
    }
    return;
  }
  // Per stored tuple, per model: units, cents, credited touches, flat in one array (acc[(tuple · M +
  // model) · 3 + k]): a conversion has a few dozen tuples and a dozen models, and the rollup adds
  // every conversion of the site, so no small array per tuple and model. Sums per conversion are
  // below 2^53 (one amount, one WEIGHT_UNITS), exact in a double.
  const fields: (string | null)[][] = [];
  const tupleTouches = new Float64Array(tupleCount);
  const tupleOf = new Int32Array(touches);
  const units = new Float64Array(touches);
  const acc = new Float64Array(tupleCount * M * 3);
  let i = 0;
  for (const p of parts) {
    const base = fields.length;
    for (const g of p.g) fields.push(g);
    for (const t of p.t) {
      tupleOf[i++] = base + t[1];
      tupleTouches[base + t[1]]++;
    }
  }
  const credited = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    i = 0;
    for (const p of parts) for (const t of p.t) units[i++] = t[2 + m] as number;
    // Cents are split over all of the conversion's touches by their units: only an amount needs it.
    const cents = meta.amount_cents ? centsByTouch(meta.amount_cents, units) : null;
    for (i = 0; i < touches; i++) {
      if (units[i] === 0) continue;
      const at = (tupleOf[i] * M + m) * 3;
      acc[at] += units[i];
      if (cents) acc[at + 1] += cents[i];
      acc[at + 2]++;
      credited[m]++;
    }
  }
  for (const dim of dims) {
    if (dim === 'account') {
      const sums = into('account', accountOf(meta.akey, meta.window_touches));
      models.forEach((model, m) => addSums(sums, model, WEIGHT_UNITS, meta.amount_cents, credited[m]));
      addSums(sums, INFLUENCED, 1, meta.amount_cents, touches);
      continue;
    }
    // Tuples sharing the dimension's value are added up first (a conversion's tuples differ in other
    // fields: a channel dimension has a handful of keys for dozens of tuples), then added once per key.
    const column = TOUCH_DIMENSIONS.indexOf(dim);
    const keys: string[] = [];
    const slotOf = new Int32Array(tupleCount);
    for (let g = 0; g < tupleCount; g++) {
      const key = fields[g][column] ?? NOT_SET;
      let slot = keys.indexOf(key);
      if (slot < 0) slot = keys.push(key) - 1;
      slotOf[g] = slot;
    }
    // Every tuple its own key (a high-cardinality dimension): the tuples' sums are the keys'.
    let byKey = acc;
    let keyTouches = tupleTouches;
    if (keys.length < tupleCount) {
      byKey = new Float64Array(keys.length * M * 3);
      keyTouches = new Float64Array(keys.length);
      for (let g = 0; g < tupleCount; g++) {
        const slot = slotOf[g];
        keyTouches[slot] += tupleTouches[g];
        for (let k = 0, from = g * M * 3, to = slot * M * 3; k < M * 3; k++) byKey[to + k] += acc[from + k];
      }
    }
    keys.forEach((key, slot) => {
      const sums = into(dim, key);
      models.forEach((model, m) => {
        const at = (slot * M + m) * 3;
        if (byKey[at + 2] > 0) addSums(sums, model, byKey[at], byKey[at + 1], byKey[at + 2]);
      });
      // Every window touch is listed, so these are the conversion's window touches of this key.
      if (keyTouches[slot] > 0) addSums(sums, INFLUENCED, 1, meta.amount_cents, keyTouches[slot]);
    });
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
