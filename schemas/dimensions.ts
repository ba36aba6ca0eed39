// The dimensions credit is grouped by (group_by): the touch fields, and the account of the key.

export const GROUP_BY = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

/** The dimensions a touch carries itself; `account` comes from the key the conversion is credited under. */
export const TOUCH_DIMENSIONS = ['touch_type', 'channel', 'source', 'medium', 'campaign', 'content', 'term'] as const;
export type TouchDimension = (typeof TOUCH_DIMENSIONS)[number];

/** A touch's grouping fields; NULL fields are reported as "(not set)". */
export type TouchFields = Record<TouchDimension, string | null>;

export const NOT_SET = '(not set)';
