// What stored credit adds up to per stage, dimension, UTC day and key, for every model (pure): the
// rows of credit_rollup for some days, and sums over any set of conversions for reports.
import { NO_TOUCH } from '../../../schemas/akey';
import { centsByTouch, DAY_MS, decodeCredit, WEIGHT_UNITS } from '../../../schemas/credit';
import { GROUP_BY, NOT_SET, type GroupBy } from '../../../schemas/dimensions';
import type { CreditRowMeta } from '../db/credit';
import { accountOf } from './credit-key';

/** Per model: weight units, cents (exact whatever the amounts) and credited touches. */
export interface ModelSums {
  units: number;
  cents: bigint;
  touches: number;
}

export type KeySums = Map<string, ModelSums>;

/**
 * Not a model: what a key influenced. Its sums are [conversions, cents, touches]: the conversions
 * with at least one touch of that key (each once, however many touches), their whole amounts, and
 * those touches. A conversion without touches counts under "(no touch)". GET /v1/influence reads it.
 */
export const INFLUENCED = '(influenced)';

function add(sums: KeySums, model: string, units: number, cents: number | bigint, touches: number): void {
  const s = sums.get(model);
  if (s) {
    s.units += units;
    s.cents += BigInt(cents);
    s.touches += touches;
  } else sums.set(model, { units, cents: BigInt(cents), touches });
}

/**
 * Adds one conversion's credit to `into(dim, key)`: each touch's units and cents per model to its
 * fields' keys (NULL → "(not set)"), and the whole conversion to its account. A conversion without
 * touches adds WEIGHT_UNITS and its whole amount to "(no touch)" in every dimension. Each key its
 * touches have also gets the conversion once under INFLUENCED.
 */
export function addConversion(meta: CreditRowMeta, payloads: readonly string[], dims: readonly GroupBy[], into: (dim: GroupBy, key: string) => KeySums): void {
  const { models, touches } = decodeCredit(payloads);
  if (!touches.length) {
    for (const dim of dims) {
      const sums = into(dim, NO_TOUCH);
      for (const model of models) add(sums, model, WEIGHT_UNITS, meta.amount_cents, 0);
      add(sums, INFLUENCED, 1, meta.amount_cents, 0);
    }
    return;
  }
  const account = dims.includes('account') ? into('account', accountOf(meta.akey, meta.window_touches)) : undefined;
  for (const dim of dims) {
    if (dim === 'account') {
      add(account!, INFLUENCED, 1, meta.amount_cents, touches.length);
      continue;
    }
    // Every window touch is listed (linear credits each), so these are the conversion's window touches.
    const perKey = new Map<string, number>();
    for (const t of touches) {
      const key = t.fields[dim] ?? NOT_SET;
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
    }
    for (const [key, n] of perKey) add(into(dim, key), INFLUENCED, 1, meta.amount_cents, n);
  }
  models.forEach((model, m) => {
    const units = touches.map((t) => t.units[m]);
    const cents = centsByTouch(meta.amount_cents, units);
    let credited = 0;
    touches.forEach((t, i) => {
      if (units[i] === 0) return;
      credited++;
      for (const dim of dims) if (dim !== 'account') add(into(dim, t.fields[dim] ?? NOT_SET), model, units[i], cents[i], 1);
    });
    if (account) add(account, model, WEIGHT_UNITS, meta.amount_cents, credited);
  });
}

/** Serialised sums, models in a fixed order so that equal sums are equal strings. */
export function encodeSums(sums: KeySums, order: readonly string[]): string {
  const parts: string[] = [];
  for (const model of order) {
    const s = sums.get(model);
    if (s) parts.push(`${JSON.stringify(model)}:[${s.units},${s.cents},${s.touches}]`);
  }
  return `{${parts.join(',')}}`;
}

/** Adds serialised sums into `into`; cents are read as text first, so no total is ever rounded. */
export function addEncodedSums(into: KeySums, json: string, models: ReadonlySet<string>): void {
  // Big integers stay exact: each number is matched as text before it becomes a BigInt.
  for (const m of json.matchAll(/"([^"]+)":\[(-?\d+),(-?\d+),(-?\d+)\]/g)) {
    if (models.has(m[1])) add(into, m[1], Number(m[2]), BigInt(m[3]), Number(m[4]));
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

