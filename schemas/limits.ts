// The limits of CONTRACT.md §8, in one place for the Worker, the snippet's tests and the docs.

export const LIMITS = {
  snippetBodyBytes: 64 * 1024,
  snippetEvents: 50,
  serverBodyBytes: 512 * 1024,
  serverItems: 500,
  serverItemBytes: 32 * 1024,
  urlChars: 2048,
  stringChars: 1024,
  /** Snippet events may be this old (after clock-skew correction)… */
  pastSkewMs: 72 * 3600 * 1000,
  /** …and this far in the future. Server-side occurred_at has the same future bound. */
  futureSkewMs: 5 * 60 * 1000,
  /** Server-side occurred_at must be after 2000-01-01. */
  earliestServerTime: Date.UTC(2000, 0, 1),
  queryRangeDays: 366,
  queryRows: 10_000,
} as const;

export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;
