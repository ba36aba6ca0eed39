// The stored layout of a funnel month row (table funnel_months, migration 0014): the one definition the
// job that builds rows (edge/src/attribution/funnel-months.ts) and the funnel that reads them
// (edge/src/db/funnel-months.ts, edge/src/query/funnel.ts) share.
//
// A row is one first stage F × UTC month (or a part of one) and holds every key whose first
// conversion of F (t0) falls in that month, in (t0, key) order, column by column:
//   t0s:    [t0 of the first key (epoch ms), then each key's t0 minus the previous key's]
//   stages: {"<stage>": [[gaps], [ms]]} for every stage other than F some key reaches at or after its
//           t0: those keys only (most keys stop early), each as its position minus the previous such
//           key's position (the first: its position + 1), and the ms from its t0 to its earliest
//           conversion of the stage at or after t0
//   one column per dimension (GROUP_BY): {"v": [the group values of the row's keys], "i": [index into
//           "v" per key]} — the key's first touch's field ("(not set)" when empty), its reported
//           account for `account`, "(no touch)" when it has no touch at or before t0.
// Columns, not objects per key, and one SQL column per dimension: a report reads the stages and the
// one dimension it groups by, and t0s only of the months at either end of its range (a month inside
// it holds no key outside; days between stages are differences of the stored ms). SQLite parses no
// JSON, and the Worker parses short arrays of small numbers.
import { DAY_MS } from './credit';
import { monthStart, type GroupBy } from './dimensions';

/** A row's first stage and month. */
export interface FunnelMonth {
  stage: string;
  month: number;
}

export type FunnelMonthStages = Record<string, [gaps: number[], ms: number[]]>;

export interface FunnelMonthGroups {
  v: string[];
  i: number[];
}

/** The SQL column of each dimension's groups (constant text, never input). */
export const FUNNEL_GROUP_COLUMNS: Record<GroupBy, string> = {
  channel: 'g_channel',
  source: 'g_source',
  medium: 'g_medium',
  campaign: 'g_campaign',
  content: 'g_content',
  term: 'g_term',
  touch_type: 'g_touch_type',
  account: 'g_account',
};

/** Each key's t0 from the stored differences. */
export function funnelT0s(t: readonly number[]): number[] {
  const out = new Array<number>(t.length);
  let at = 0;
  for (let i = 0; i < t.length; i++) out[i] = at += t[i];
  return out;
}

/** A stage's column as each of the row's `keys` ms from its t0, NaN for the keys that have none. */
export function funnelStageAfter(keys: number, column: FunnelMonthStages[string] | undefined): Float64Array {
  const out = new Float64Array(keys).fill(Number.NaN);
  if (!column) return out;
  const [gaps, ms] = column;
  let k = -1;
  for (let j = 0; j < gaps.length; j++) {
    k += gaps[j];
    out[k] = ms[j];
  }
  return out;
}

/** The month (its first day, days since the epoch, UTC) of a time in epoch ms. */
export const monthOfMs = (ms: number): number => monthStart(Math.floor(ms / DAY_MS));

/** The same as SQL over an expression of epoch ms (≥ 0): constant text, never a value. */
export const monthOfMsSql = (ms: string): string =>
  `CAST(julianday(date((${ms}) / 1000, 'unixepoch', 'start of month')) - 2440587.5 AS INTEGER)`;
