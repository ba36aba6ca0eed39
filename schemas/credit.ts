// Stored credit: one row per conversion (split into parts only when huge) holding every model's
// weight units for each credited touch, plus each touch's grouping fields, deduplicated per row.
// This file is the one definition of that stored format and of the integer rules it relies on.
import { TOUCH_DIMENSIONS, type TouchFields } from './dimensions';

/** A conversion's weight in integer units (billionths): every model's units over its touches sum to this. */
export const WEIGHT_UNITS = 1_000_000_000;
export const DAY_MS = 86_400_000;

export interface CreditedTouch {
  id: string;
  fields: TouchFields;
  /** Weight units per model, aligned with the payload's `models`; every window touch is listed, in window order. */
  units: number[];
}

/** What one conversion's credit holds: empty `touches` means "(no touch)" in its window. */
export interface CreditPayload {
  models: string[];
  touches: CreditedTouch[];
}

/**
 * A touch's grouping fields as stored (JSON, TOUCH_DIMENSIONS order), made once per loaded touch: a
 * touch sits in the window of every conversion of its key within window_days after it, and the job
 * encodes it for each. Loaded fields are never changed in place, so the object is the key.
 */
const tuples = new WeakMap<TouchFields, string>();
function tupleJson(fields: TouchFields): string {
  let json = tuples.get(fields);
  if (json === undefined) tuples.set(fields, (json = JSON.stringify(TOUCH_DIMENSIONS.map((d) => fields[d]))));
  return json;
}

/**
 * JSON of one part: {"m": models, "g": distinct field tuples (TOUCH_DIMENSIONS order), "t": [[touch id,
 * tuple index, units per model…]]}. A part stays under `maxChars` so that no row nears D1's 2 MB row
 * limit, however many touches a window holds; parts are numbered from 0 and each is self-contained.
 */
export function encodeCredit(p: CreditPayload, maxChars = 400_000): string[] {
  return encodeCreditParts(p, maxChars).map((part) => part.payload);
}

/** encodeCredit, with how many of the touches (in order) each part holds. */
export function encodeCreditParts(p: CreditPayload, maxChars = 400_000): { payload: string; touches: number }[] {
  const parts: { payload: string; touches: number }[] = [];
  let groups: string[] = [];
  let groupIndex = new Map<string, number>();
  let touches: string[] = [];
  let chars = 0;
  const flush = () => {
    parts.push({ payload: `{"m":${JSON.stringify(p.models)},"g":[${groups.join(',')}],"t":[${touches.join(',')}]}`, touches: touches.length });
    groups = [];
    groupIndex = new Map();
    touches = [];
    chars = 0;
  };
  for (const t of p.touches) {
    const tuple = tupleJson(t.fields);
    if (touches.length && chars + t.id.length + 12 * t.units.length + (groupIndex.has(tuple) ? 0 : tuple.length) > maxChars) flush();
    let g = groupIndex.get(tuple);
    if (g === undefined) {
      g = groups.length;
      groups.push(tuple);
      groupIndex.set(tuple, g);
      chars += tuple.length;
    }
    // As JSON.stringify([id, g, ...units]) writes it (units are integers), without the spread array.
    const touch = `[${JSON.stringify(t.id)},${g},${t.units.join(',')}]`;
    touches.push(touch);
    chars += touch.length;
  }
  flush();
  return parts;
}

/**
 * The channels of a part's touches, in window order, as stored beside the payload (credit.journey):
 * a conversion's journey is its parts' in part order, what a data-driven fit learns from (attribution/fit.ts)
 * without reading payloads or touches. JSON [names in order of first appearance, index per touch]:
 * each name once, as in the payload's tuples, so a journey is never much longer than its part; and
 * one form per channel sequence, so equal journeys are equal strings (the fit groups them in SQL).
 */
export function encodeJourney(channels: readonly string[]): string {
  const index = new Map<string, number>();
  const order = channels.map((c) => index.get(c) ?? (index.set(c, index.size), index.size - 1));
  return `[${JSON.stringify([...index.keys()])},[${order.join(',')}]]`;
}

/**
 * A key's stored non-converting journey (key_tails, migration 0016): the channels of its touches
 * within window_days before its latest touch (`journey`, as encodeJourney), how long before `latest`
 * each one is (`ages`, JSON ms), and per stage how many of them lie at or before the key's latest
 * conversion of that stage (`cuts`, JSON {stage: n}, or null).
 */
export interface TailRow {
  akey: string;
  latest: number;
  journey: string;
  ages: string;
  cuts: string | null;
}

export function decodeJourney(json: string): string[] {
  const [names, order] = JSON.parse(json) as [string[], number[]];
  return order.map((i) => names[i]);
}

/** One stored part as JSON gives it: models, field tuples (TOUCH_DIMENSIONS order), [touch id, tuple, units…]. */
export interface RawCreditPart {
  m: string[];
  g: (string | null)[][];
  t: [string, number, ...number[]][];
}

/** The stored parts as written, for readers that sum straight off the tuples (the rollup). */
export const readParts = (parts: readonly string[]): RawCreditPart[] => parts.map((json) => JSON.parse(json) as RawCreditPart);

/** The inverse of encodeCredit over all of a conversion's parts, in part order. */
export function decodeCredit(parts: readonly string[]): CreditPayload {
  return decodeParts(readParts(parts));
}

/** decodeCredit of parts already read (readParts), e.g. with derived models added to them. */
export function decodeParts(raw: readonly RawCreditPart[]): CreditPayload {
  let models: string[] = [];
  const touches: CreditedTouch[] = [];
  for (const part of raw) {
    models = part.m;
    const fields = part.g.map((tuple) => Object.fromEntries(TOUCH_DIMENSIONS.map((d, i) => [d, tuple[i]])) as TouchFields);
    for (const [id, g, ...units] of part.t) touches.push({ id, fields: fields[g], units: units as number[] });
  }
  return { models, touches };
}

/** Candidates per split packed with their index (splitLargestRemainder). */
const INDEX_SPAN = 2 ** 20;

/**
 * Splits a whole `total` over `weights` by largest remainder, so the parts sum exactly to it: weight
 * units per conversion and cents per touch alike. Weights need not be normalised. Remainders equal
 * to within 1e-9 are ties, broken by lower index, so float noise between mathematically equal
 * weights does not pick who gets the spare unit; a zero weight never receives one. Weights may be a
 * typed array: the rollup splits every model of every conversion and reuses one buffer.
 */
export function splitLargestRemainder(total: number, weights: ArrayLike<number>): number[] {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`total must be a non-negative integer, got ${total}`);
  const n = weights.length;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weights must be finite and >= 0, got ${w}`);
    sum += w;
  }
  const parts = new Array<number>(n);
  if (total === 0) return parts.fill(0);
  if (!(sum > 0)) throw new RangeError(`cannot split ${total} over weights summing to 0`);

  let left = total;
  let positives = 0;
  // Spare units go by remainder (to 1e-9), largest first, ties to the lower index. Each candidate is
  // one number, key · 2^20 + (2^20 − 1 − i), sorted by a typed array's numeric sort: no comparator
  // and no object per touch on the job's hottest path (every model of every conversion). key ≤ 1e9
  // < 2^30, so it stays an exact integer below 2^53; lists of 2^20 or more take the general sort.
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = total * (weights[i] / sum);
    parts[i] = Math.floor(x);
    left -= parts[i];
    keys[i] = Math.round((x - parts[i]) * 1e9);
    if (weights[i] > 0) positives++;
  }
  if (left === 0) return parts;
  const order = new Array<number>(positives);
  if (n < INDEX_SPAN) {
    const packed = new Float64Array(positives);
    for (let i = 0, k = 0; i < n; i++) if (weights[i] > 0) packed[k++] = keys[i] * INDEX_SPAN + (INDEX_SPAN - 1 - i);
    packed.sort();
    for (let k = 0; k < positives; k++) order[k] = INDEX_SPAN - 1 - (packed[positives - 1 - k] % INDEX_SPAN);
  } else {
    for (let i = 0, k = 0; i < n; i++) if (weights[i] > 0) order[k++] = i;
    order.sort((a, b) => keys[b] - keys[a] || a - b);
  }
  // Rounding error can leave more than one spare unit per part, or take one too many; cycle.
  for (let k = 0; left > 0; k++, left--) parts[order[k % order.length]]++;
  for (let k = order.length - 1; left < 0; k = (k - 1 + order.length) % order.length) {
    if (parts[order[k]] > 0) {
      parts[order[k]]--;
      left++;
    }
  }
  return parts;
}

/** Each touch's cents for one model: the conversion's amount split by its weight units. */
export function centsByTouch(amountCents: number, units: ArrayLike<number>): number[] {
  return splitLargestRemainder(amountCents, units);
}

/**
 * A 53-bit hash of a conversion's encoded parts (cyrb53): stored beside them, so a recompute whose
 * credit came out the same is recognised without reading the stored payload back.
 */
export function hashParts(parts: readonly string[]): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (const part of parts) {
    for (let i = 0; i < part.length; i++) {
      const ch = part.charCodeAt(i);
      h1 = Math.imul(h1 ^ ch, 2654435761);
      h2 = Math.imul(h2 ^ ch, 1597334677);
    }
    h1 = Math.imul(h1 ^ 0x1f, 2654435761);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
