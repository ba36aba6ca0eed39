// The dimensions credit is grouped by (group_by): the touch fields, and the account of the key.

export const GROUP_BY = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The dimensions a touch carries itself; `account` comes from the key the conversion is credited under. */
export const TOUCH_DIMENSIONS = ['touch_type', 'channel', 'source', 'medium', 'campaign', 'content', 'term'] as const;
export type TouchDimension = (typeof TOUCH_DIMENSIONS)[number];

/** A touch's grouping fields; NULL fields are reported as "(not set)". */
export type TouchFields = Record<TouchDimension, string | null>;

export const NOT_SET = '(not set)';

/** The grains of the credit rollup: days, and calendar months (keyed by their first day). */
export type RollupGrain = 'day' | 'month';

/** The first day (days since the epoch, UTC) of the month holding `day`. */
export function monthStart(day: number): number {
  const d = new Date(day * 86_400_000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86_400_000);
}

/** The first day of the month after the one holding `day`. */
export function nextMonthStart(day: number): number {
  const d = new Date(day * 86_400_000);
  return Math.floor(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / 86_400_000);
}
