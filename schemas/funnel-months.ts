// The stored layout of a funnel month row (table funnel_months, migration 0014): the one definition the
// job that builds rows (edge/src/attribution/funnel-months.ts) and the funnel that reads them
// (edge/src/db/funnel.ts, edge/src/query/funnel.ts) share.
//
// A row is one first stage F × UTC month (or a part of one) and holds every key whose first
// conversion of F (t0) falls in that month, in (t0, key) order, column by column:
//   "t": [t0 per key] (epoch ms)
//   "s": {"<stage>": [ms from t0 to the key's earliest conversion of the stage at or after t0, or null]}
//        for every stage other than F that some key of the row has
//   "g": {"<dim>": [index into "v"'s list of the dimension, per key]} for every dimension (GROUP_BY)
//   "v": {"<dim>": [the group values the row's keys fall in]}: the key's first touch's field ("(not
//        set)" when empty), its reported account for `account`, "(no touch)" when it has no touch
//        at or before t0.
// Columns, not objects per key: a report extracts in SQL only the stages and the one dimension it
// asks for, and the Worker parses flat arrays.
import { DAY_MS } from './credit';
import { monthStart } from './dimensions';

/** A row's first stage and month. */
export interface FunnelMonth {
  stage: string;
  month: number;
}

export interface FunnelMonthBody {
  t: number[];
  s: Record<string, (number | null)[]>;
  g: Record<string, number[]>;
  v: Record<string, string[]>;
}

export const FUNNEL_T0_PATH = '$.t';
/** JSON paths of one stage's column and of one dimension's indexes and values (bound parameters, never spliced). */
export const funnelStagePath = (stage: string): string => `$.s."${stage}"`;
export const funnelGroupPath = (dim: string): string => `$.g."${dim}"`;
export const funnelValuesPath = (dim: string): string => `$.v."${dim}"`;

/** The month (its first day, days since the epoch, UTC) of a time in epoch ms. */
export const monthOfMs = (ms: number): number => monthStart(Math.floor(ms / DAY_MS));

/** The same as SQL over an expression of epoch ms (≥ 0): constant text, never a value. */
export const monthOfMsSql = (ms: string): string =>
  `CAST(julianday(date((${ms}) / 1000, 'unixepoch', 'start of month')) - 2440587.5 AS INTEGER)`;
