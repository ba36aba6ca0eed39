// A rollup row's sums and their stored form (pure): per key and model the weight units, cents and
// credited touches, added exactly, and encoded as schemas/rollup.ts lays rows out.
import { ROLLUP_KEYS, SPANS_ASCII, type RollupSpans, type StoredCents, type StoredRollupRow } from '../../../schemas/rollup';

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
  addInto(s, units, cents, touches);
}

/** Adds to one model's sums, exactly. */
export function addInto(s: ModelSums, units: number, cents: number | bigint, touches: number): void {
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
 * An integer as stored: trailing zeros as an exponent from three on (1000000000 as 1e9), which JSON
 * reads back as the same number. An account's units are whole conversions, 1e9 each, in every model:
 * a year-by-account report hands D1's answer over with about a seventh fewer characters.
 */
function storedInt(n: number): string {
  if (n === 0 || n % 1000 !== 0 || !Number.isSafeInteger(n)) return String(n);
  let zeros = 0;
  let m = n;
  // Exact: each quotient is an integer below 2^53.
  while (m % 10 === 0) {
    m /= 10;
    zeros++;
  }
  return `${m}e${zeros}`;
}

/** One model's sums of one key as stored: units,cents,touches — cents quoted past 2^53, so JSON keeps them exact. */
function encodeSums(s: ModelSums | undefined): string {
  if (!s) return '0,0,0';
  if (s.bigCents === undefined) return `${storedInt(s.units)},${storedInt(s.cents)},${s.touches}`;
  const cents = totalCents(s);
  const safe = cents >= -BigInt(Number.MAX_SAFE_INTEGER) && cents <= BigInt(Number.MAX_SAFE_INTEGER);
  return `${storedInt(s.units)},${safe ? storedInt(Number(cents)) : `"${cents}"`},${s.touches}`;
}

/** One stored part of a day or month: its sums (schemas/rollup.ts) and where each entry lies in them (RollupSpans, as JSON). */
export interface EncodedPart {
  sums: string;
  spans: string;
}

/** Characters as SQLite counts them in text: code points (JSON.stringify leaves no lone surrogate). */
export const codePoints = (s: string): number => s.length - (s.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

const ASCII = /^[\x00-\x7f]*$/;

/**
 * A day's (or month's) keys as stored rows (schemas/rollup.ts): keys listed once, sorted, then each
 * model's triples in a fixed model order, so equal sums are equal strings. A model that gives a key
 * nothing has 0,0,0 there, and a model with nothing in the row is left out. Rows are split into
 * self-contained parts of at most about `maxChars`; each part comes with its entries' spans, marked
 * SPANS_ASCII when the part is ASCII.
 */
export function encodeDay(keys: ReadonlyMap<string, KeySums>, order: readonly string[], maxChars = 400_000): EncodedPart[] {
  const parts: EncodedPart[] = [];
  let names: string[] = [];
  let namePoints = 0;
  let columns: string[][] = order.map(() => []);
  let chars = 0;
  const flush = () => {
    // [entry, its array, the array's length in code points]: the keys' brackets and commas add n + 1.
    const entries: [string, string, number][] = [[ROLLUP_KEYS, `[${names.join(',')}]`, namePoints + names.length + 1]];
    order.forEach((m, i) => {
      if (!columns[i].some((c) => c !== '0,0,0')) return;
      const array = `[${columns[i].join(',')}]`;
      entries.push([m, array, array.length]);
    });
    let sums = '{';
    let at = 2;
    const spans: RollupSpans = {};
    entries.forEach(([entry, array, points], i) => {
      const head = `${i ? ',' : ''}${JSON.stringify(entry)}:`;
      sums += head + array;
      at += codePoints(head);
      spans[entry] = [at, points];
      at += points;
    });
    sums += '}';
    parts.push({ sums, spans: JSON.stringify(ASCII.test(sums) ? { ...spans, [SPANS_ASCII]: 1 } : spans) });
    names = [];
    namePoints = 0;
    columns = order.map(() => []);
    chars = 0;
  };
  for (const key of [...keys.keys()].sort()) {
    const sums = keys.get(key)!;
    const name = JSON.stringify(key);
    const triples = order.map((m) => encodeSums(sums.get(m)));
    const size = name.length + triples.reduce((n, t) => n + t.length + 1, 1);
    if (names.length && chars + size > maxChars) flush();
    names.push(name);
    namePoints += codePoints(name);
    triples.forEach((t, i) => columns[i].push(t));
    chars += size;
  }
  if (names.length) flush();
  return parts;
}

/**
 * Calls `add` with each key's triple of one model's flat triples (`values`, aligned with `keys`),
 * cents as stored (a string past 2^53) made exact. A key the model gives nothing (0,0,0) is skipped,
 * as the stored credit has no entry for it.
 */
function eachTriple(keys: readonly string[], values: readonly StoredCents[] | null | undefined, add: (key: string, units: number, cents: number | bigint, touches: number) => void): void {
  if (!values) return;
  for (let i = 0; i < keys.length; i++) {
    const units = values[3 * i] as number;
    const cents = values[3 * i + 1];
    const touches = values[3 * i + 2] as number;
    if (units === 0 && cents === 0 && touches === 0) continue;
    add(keys[i], units, typeof cents === 'string' ? BigInt(cents) : cents, touches);
  }
}

/** Adds one model's flat triples (`values`, aligned with `keys`) into `into(key)`; `sign` -1 takes them away. */
export function addModelSums(keys: readonly string[], values: readonly StoredCents[] | null | undefined, model: string, into: (key: string) => KeySums, sign: 1 | -1 = 1): void {
  eachTriple(keys, values, (key, units, cents, touches) => addSums(into(key), model, sign * units, sign === 1 ? cents : -cents, sign * touches));
}

/**
 * Adds one model's flat triples (`values`, aligned with `keys`, as a report reads them) into that
 * model's sums per key: one map per model, not one per key, for reports of thousands of keys. Its own
 * loop rather than eachTriple's callback: a year-by-account report adds ~3,000 triples per request,
 * and a key met for the first time (most of them) takes its triple as its sums, with no add.
 */
export function addColumn(keys: readonly string[], values: readonly StoredCents[] | null | undefined, into: Map<string, ModelSums>): void {
  if (!values) return;
  for (let i = 0, j = 0; i < keys.length; i++, j += 3) {
    const units = values[j] as number;
    const cents = values[j + 1];
    const touches = values[j + 2] as number;
    if (units === 0 && cents === 0 && touches === 0) continue;
    const s = into.get(keys[i]);
    if (s === undefined && typeof cents === 'number') into.set(keys[i], { units, cents, touches });
    else {
      const to = s ?? { units: 0, cents: 0, touches: 0 };
      if (s === undefined) into.set(keys[i], to);
      addInto(to, units, typeof cents === 'string' ? BigInt(cents) : cents, touches);
    }
  }
}

/** Adds one whole stored row's sums (encodeDay) into `into(key)`, for the given models only; `sign` -1 takes them away. */
export function addEncodedDay(json: string, models: ReadonlySet<string>, into: (key: string) => KeySums, sign: 1 | -1 = 1): void {
  const row = JSON.parse(json) as StoredRollupRow;
  const keys = (row[ROLLUP_KEYS] ?? []) as string[];
  for (const [model, values] of Object.entries(row)) if (model !== ROLLUP_KEYS && models.has(model)) addModelSums(keys, values, model, into, sign);
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
