// What a chunk's rewrite changes (pure): which conversions' credit rows differ from the stored ones,
// and how the credit_daily rollup moves — Σ new − Σ stored per (model, stage, dimension, UTC day, key).
import { GROUP_BY, type GroupBy } from '../../../schemas/query';
import type { CreditRow } from '../db/credit';
import { NO_TOUCH } from './stitch';

export const NOT_SET = '(not set)';
const DAY_MS = 86_400_000;

/** A touch's grouping fields as the credit row copies them. */
export interface TouchFieldSet {
  touch_type: string | null;
  channel: string | null;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  content: string | null;
  term: string | null;
}

/** A stored credit row, as read back before it is replaced. */
export interface StoredCredit extends TouchFieldSet {
  model: string;
  conversion_id: string;
  touch_id: string;
  stage: string;
  converted_at: number;
  weight: number;
  weight_units: number;
  revenue_cents: number;
  account_domain: string | null;
}

export interface RollupKey {
  model: string;
  stage: string;
  dim: GroupBy;
  day: number;
  key: string;
}

export interface RollupDelta extends RollupKey {
  units: number;
  cents: number;
  touches: number;
}

const NO_TOUCH_FIELDS: TouchFieldSet = {
  touch_type: NO_TOUCH,
  channel: NO_TOUCH,
  source: NO_TOUCH,
  medium: NO_TOUCH,
  campaign: NO_TOUCH,
  content: NO_TOUCH,
  term: NO_TOUCH,
};
const MISSING_TOUCH: TouchFieldSet = { touch_type: null, channel: null, source: null, medium: null, campaign: null, content: null, term: null };

/** The fields a new credit row stores: "(no touch)" throughout for a no-touch row, NULLs for a vanished touch. */
export function fieldsOf(row: CreditRow, fields: ReadonlyMap<string, TouchFieldSet>): TouchFieldSet {
  if (row[2] === '') return NO_TOUCH_FIELDS;
  return fields.get(row[2]) ?? MISSING_TOUCH;
}

/** Everything a credit row stores, as one comparable string. */
function signature(model: string, touchId: string, weight: number, units: number, cents: number, stage: string, at: number, account: string | null, f: TouchFieldSet): string {
  return JSON.stringify([model, touchId, weight, units, cents, stage, at, account, f.touch_type, f.channel, f.source, f.medium, f.campaign, f.content, f.term]);
}

function byConversion<T>(items: readonly T[], id: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const list = out.get(id(item));
    if (list) list.push(item);
    else out.set(id(item), [item]);
  }
  return out;
}

/** Sums per rollup key; rows share a (model, stage, day) prefix map, then one small map per dimension. */
class RollupSums {
  private readonly groups = new Map<string, { model: string; stage: string; day: number; dims: Map<string, RollupDelta>[] }>();

  add(model: string, stage: string, at: number, f: TouchFieldSet, account: string | null, units: number, cents: number, touches: number): void {
    const day = Math.floor(at / DAY_MS);
    const prefix = `${model}\u0000${stage}\u0000${day}`;
    let g = this.groups.get(prefix);
    if (!g) {
      g = { model, stage, day, dims: GROUP_BY.map(() => new Map()) };
      this.groups.set(prefix, g);
    }
    for (let i = 0; i < GROUP_BY.length; i++) {
      const dim = GROUP_BY[i];
      const key = (dim === 'account' ? account : f[dim]) ?? NOT_SET;
      const d = g.dims[i].get(key);
      if (d) {
        d.units += units;
        d.cents += cents;
        d.touches += touches;
      } else g.dims[i].set(key, { model, stage, dim, day, key, units, cents, touches });
    }
  }

  *values(): Generator<RollupDelta> {
    for (const g of this.groups.values()) for (const m of g.dims) yield* m.values();
  }
}

export interface CreditDiff {
  /** Conversions whose new rows equal the stored ones exactly: nothing to rewrite. */
  unchanged: Set<string>;
  deltas: RollupDelta[];
  /** Keys a delta reduced: they may now hold nothing and be pruned. */
  reduced: RollupKey[];
}

/**
 * Compares each conversion's new rows with its stored rows. Only the changed ones (and conversions
 * losing all credit) move the rollup, so a recomputed key whose credit did not change writes nothing.
 */
export function diffCredit(
  conversionIds: readonly string[],
  stored: readonly StoredCredit[],
  fresh: readonly CreditRow[],
  fields: ReadonlyMap<string, TouchFieldSet>,
): CreditDiff {
  const storedOf = byConversion(stored, (r) => r.conversion_id);
  const freshOf = byConversion(fresh, (r) => r[1]);
  const sums = new RollupSums();
  const unchanged = new Set<string>();
  for (const id of conversionIds) {
    const before = storedOf.get(id) ?? [];
    const after = freshOf.get(id) ?? [];
    if (before.length === after.length && before.length > 0) {
      const a = before.map((r) => signature(r.model, r.touch_id, r.weight, r.weight_units, r.revenue_cents, r.stage, r.converted_at, r.account_domain, r)).sort();
      const b = after.map((r) => signature(r[0], r[2], r[3], r[8], r[4], r[5], r[6], r[7], fieldsOf(r, fields))).sort();
      if (a.every((s, i) => s === b[i])) {
        unchanged.add(id);
        continue;
      }
    }
    for (const r of before) sums.add(r.model, r.stage, r.converted_at, r, r.account_domain, -r.weight_units, -r.revenue_cents, r.touch_id === '' ? 0 : -1);
    for (const r of after) sums.add(r[0], r[5], r[6], fieldsOf(r, fields), r[7], r[8], r[4], r[2] === '' ? 0 : 1);
  }
  const deltas: RollupDelta[] = [];
  const reduced: RollupKey[] = [];
  for (const d of sums.values()) {
    if (d.units === 0 && d.cents === 0 && d.touches === 0) continue;
    deltas.push(d);
    if (d.units < 0 || d.cents < 0 || d.touches < 0) reduced.push({ model: d.model, stage: d.stage, dim: d.dim, day: d.day, key: d.key });
  }
  return { unchanged, deltas, reduced };
}
