// The limits of docs/limits.md, in one place for the Worker, the snippet's tests and the docs.

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
  /** Server-side ids (touches, conversions, spend, Segment messageId): 1–128 characters. */
  serverIdChars: 128,
  /**
   * The largest accepted amount (a conversion, a spend), in cents: 10,000,000,000 currency units.
   * Report sums stay exact in SQLite's 64-bit integers: 9 million such amounts still fit.
   */
  maxAmountCents: 1_000_000_000_000,
  queryRangeDays: 366,
  queryRows: 10_000,
  /**
   * A report with another window_days than the site's recomputes at most this many conversions (each
   * needs its key's conversions and touches loaded): a year of one stage for most sites.
   */
  onDemandConversions: 5_000,
} as const;

export const EVENT_ID_PATTERN = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * Server-side ids as CRMs and ad platforms make them (4711, Salesforce's 18-character ids,
 * "deal:2026/acme #1"): no control characters, no white space at either end.
 */
export const SERVER_ID_PATTERN = /^(?!\s)[^\u0000-\u001f\u007f-\u009f]*(?<!\s)$/;

/** A UTF-16 surrogate without its pair: such text cannot be stored as UTF-8. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
