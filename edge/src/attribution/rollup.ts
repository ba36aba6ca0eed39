// What stored credit adds up to per stage, dimension, UTC day and key, for every model (pure): the
// rows of credit_rollup for some days, and sums over any set of conversions for reports.
import { NO_TOUCH } from '../../../schemas/akey';
import { centsByTouch, DAY_MS, readParts, WEIGHT_UNITS } from '../../../schemas/credit';
import { GROUP_BY, NOT_SET, TOUCH_DIMENSIONS, type GroupBy } from '../../../schemas/dimensions';
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

/**
 * Not a model: what a key influenced. Its sums are [conversions, cents, touches]: the conversions
 * with at least one touch of that key (each once, however many touches), their whole amounts, and
 * those touches. A conversion without touches counts under "(no touch)". GET /v1/influence reads it.
 */
export const INFLUENCED = '(influenced)';

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
 * their fields (one stored tuple) are summed first, so the maps are reached once per tuple. Each key
 * the conversion's touches have also gets the conversion once under INFLUENCED.
 */
export function addConversion(meta: CreditRowMeta, payloads: readonly string[], dims: readonly GroupBy[], into: (dim: GroupBy, key: string) => KeySums): void {
  // Read straight off the stored parts (schemas/credit.ts): tuples "g", touches "t" = [id, tuple, units…].
  const parts = readParts(payloads);
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

/** One model's sums as stored: [units, cents, touches], cents as a string past 2^53 so JSON keeps it exact. */
function encodeModel(s: ModelSums): string {
  if (s.bigCents === undefined) return `[${s.units},${s.cents},${s.touches}]`;
  const cents = totalCents(s);
  const safe = cents >= -BigInt(Number.MAX_SAFE_INTEGER) && cents <= BigInt(Number.MAX_SAFE_INTEGER);
  return `[${s.units},${safe ? cents : `"${cents}"`},${s.touches}]`;
}

/**
 * A day's keys as stored rows: {"<key>": {"<model>": [units, cents, touches]}}, keys sorted and
 * models in a fixed order, so equal sums are equal strings; split into parts of at most `maxChars`.
 */
export function encodeDay(keys: ReadonlyMap<string, KeySums>, order: readonly string[], maxChars = 400_000): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const key of [...keys.keys()].sort()) {
    const sums = keys.get(key)!;
    const models = order.filter((m) => sums.has(m)).map((m) => `${JSON.stringify(m)}:${encodeModel(sums.get(m)!)}`);
    const entry = `${JSON.stringify(key)}:{${models.join(',')}}`;
    if (current.length && chars + entry.length > maxChars) {
      parts.push(`{${current.join(',')}}`);
      current = [];
      chars = 0;
    }
    current.push(entry);
    chars += entry.length + 1;
  }
  if (current.length) parts.push(`{${current.join(',')}}`);
  return parts;
}

/** Adds one stored row's sums (encodeDay) into `into(key)`, for the given models only; `sign` -1 takes them away. */
export function addEncodedDay(json: string, models: ReadonlySet<string>, into: (key: string) => KeySums, sign: 1 | -1 = 1): void {
  const keys = JSON.parse(json) as Record<string, Record<string, [number, number | string, number]>>;
  for (const [key, byModel] of Object.entries(keys)) {
    const sums = into(key);
    for (const [model, [units, cents, touches]] of Object.entries(byModel)) {
      if (!models.has(model)) continue;
      const c = typeof cents === 'string' ? BigInt(cents) : cents;
      addSums(sums, model, sign * units, sign === 1 ? c : -c, sign * touches);
    }
  }
}

/** Adds every sum of `from` into `into`, times `sign`. */
export function addKeySums(into: Map<string, KeySums>, from: ReadonlyMap<string, KeySums>, sign: 1 | -1): void {
  for (const [key, byModel] of from) {
    let sums = into.get(key);
    if (!sums) into.set(key, (sums = new Map()));
    for (const [model, s] of byModel) {
      const cents = s.bigCents === undefined ? s.cents : totalCents(s);
      addSums(sums, model, sign * s.units, sign === 1 ? cents : -cents, sign * s.touches);
    }
  }
}

/**
 * Drops what sums to nothing. Credit never stores an entry without units or touches, so sums built
 * from scratch have none: after adding a change, an all-zero entry is one that is gone.
 */
export function pruneZeros(keys: Map<string, KeySums>): void {
  for (const [key, byModel] of keys) {
    for (const [model, s] of byModel) if (s.units === 0 && s.touches === 0 && totalCents(s) === 0n) byModel.delete(model);
    if (!byModel.size) keys.delete(key);
  }
}

export interface RollupDay {
  stage: string;
  dim: GroupBy;
  day: number;
  keys: Map<string, KeySums>;
}

/** The rollup of the days the given conversions fall on (all of each day's conversions must be given). */
export function rollupDays(conversions: readonly { meta: CreditRowMeta; payloads: string[] }[]): Map<string, RollupDay> {
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
    addConversion(meta, payloads, GROUP_BY, (dim, key) => {
      const keys = byDim.get(dim)!;
      let sums = keys.get(key);
      if (!sums) keys.set(key, (sums = new Map()));
      return sums;
    });
  }
  return days;
}

export const rollupDayId = (stage: string, dim: string, day: number) => `${stage}\u0000${dim}\u0000${day}`;
