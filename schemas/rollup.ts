// The stored layout of a credit rollup row (table credit_sums, migrations 0013 and 0015): the one definition the
// job that writes rows (edge/src/attribution/rollup.ts) and the reports that read them (db/rollup.ts) share.
//
// A row is one stage × dimension × day or month (or a part of one): {"k": [keys], "<model>": [weight
// units, cents, credited touches, … one triple per key, in the order of "k"]}, integers with three or more
// trailing zeros written with an exponent (1e9), as JSON allows. Model first, keys once:
// a report extracts only the models it asks for, in SQL, and the keys are not repeated per model.

/** The entry that lists a row's keys; every other entry is a model's (no model is named "k"). */
export const ROLLUP_KEYS = 'k';

/** The JSON path of one entry of a row, quoted, as model names hold characters such as "(". */
export const rollupPath = (entry: string): string => `$."${entry}"`;

/**
 * Where each entry's array lies in a row's sums, stored beside them (column `spans`, migration 0015):
 * {"<entry>": [start, length]}, in characters as SQLite's substr counts them in text (code points),
 * start 1-based. A report slices out the arrays it asks for with substr: json_extract would parse the
 * whole row, every model's sums, to find them.
 */
export type RollupSpans = Record<string, [start: number, length: number]>;

/** The entry of spans that counts a row's writes (db/rollup.ts upsertRollup): not an entry of sums. */
export const SPANS_WRITES = '#';

/**
 * The entry of spans (value 1) that says a row's sums are ASCII, so its spans count bytes as well as
 * code points: a report then slices the row as a blob, in constant time, where substr over text counts
 * the characters up to each start (a one-model report of a year by account spent most of its SQL time
 * there). Rows without it (not ASCII, or written before it existed) are sliced as text, as before.
 */
export const SPANS_ASCII = '#a';

/** A triple's cents are a number, or a string of digits past 2^53 so that JSON keeps them exact. */
export type StoredCents = number | string;

/** A row as JSON.parse gives it. */
export type StoredRollupRow = Record<string, (number | string)[]>;
