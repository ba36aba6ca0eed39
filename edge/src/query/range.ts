// from/to of the query API: ISO dates (whole UTC days, inclusive) or ISO timestamps, with defaults and limits.
import { LIMITS } from '../../../schemas/limits';
import { QUERY_DEFAULTS } from '../../../schemas/query';
import { DAY_MS } from '../../../schemas/credit';
import { monthStart, nextMonthStart } from '../../../schemas/dimensions';
import { ApiError } from '../errors';

export interface QueryRange {
  /** Inclusive bounds, epoch ms. */
  fromMs: number;
  toMs: number;
  /** As echoed in responses: the date when a date was given or defaulted, else the ISO timestamp. */
  from: string;
  to: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayStart = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS;

interface Bound {
  ms: number;
  isDate: boolean;
}

function parseBound(name: 'from' | 'to', raw: string): Bound {
  const date = DATE.exec(raw);
  if (date) {
    const ms = Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]));
    // Date.UTC rolls 2026-02-30 over to March; a date that does not round-trip does not exist.
    if (!Number.isFinite(ms) || isoDate(ms) !== raw) throw invalid(`${name} is not a calendar date: ${raw}`);
    return { ms: name === 'from' ? ms : ms + DAY_MS - 1, isDate: true };
  }
  // A timestamp without an offset is UTC, whatever the server's zone.
  const ms = Date.parse(HAS_OFFSET.test(raw) ? raw : `${raw}Z`);
  if (!Number.isFinite(ms)) throw invalid(`${name} is not a valid ISO timestamp: ${raw}`);
  return { ms, isDate: false };
}

function invalid(message: string): ApiError {
  return new ApiError(400, 'invalid_range', message);
}

/**
 * Without `to`: today (UTC). Without `from`: the whole day QUERY_DEFAULTS.rangeDays − 1 days before
 * `to`'s day, so the default is the last 90 whole days, today included. `wholeDays` widens timestamps
 * to their UTC days (for reports read from daily counters).
 */
export function parseRange(from: string | undefined, to: string | undefined, now: number, wholeDays = false): QueryRange {
  const t: Bound = to ? parseBound('to', to) : { ms: dayStart(now) + DAY_MS - 1, isDate: true };
  const f: Bound = from ? parseBound('from', from) : { ms: dayStart(t.ms) - (QUERY_DEFAULTS.rangeDays - 1) * DAY_MS, isDate: true };
  if (wholeDays) {
    f.ms = dayStart(f.ms);
    t.ms = dayStart(t.ms) + DAY_MS - 1;
    f.isDate = t.isDate = true;
  }
  if (f.ms > t.ms) throw invalid('from must not be after to');
  const days = (t.ms - f.ms + 1) / DAY_MS;
  if (days > LIMITS.queryRangeDays) {
    throw new ApiError(
      400,
      'range_too_long',
      `the range from ${isoDate(f.ms)} to ${isoDate(t.ms)} spans ${Math.ceil(days)} days; at most ${LIMITS.queryRangeDays} days per query`,
    );
  }
  return {
    fromMs: f.ms,
    toMs: t.ms,
    from: f.isDate ? isoDate(f.ms) : new Date(f.ms).toISOString(),
    to: t.isDate ? isoDate(t.ms) : new Date(t.ms).toISOString(),
  };
}

export interface DaySplit {
  /** Whole UTC days (day numbers, inclusive) read from the rollup, or null. */
  days: { first: number; last: number } | null;
  /** Partial days at the edges of a timestamp range, read from credit rows (inclusive ms). */
  partial: { fromMs: number; toMs: number }[];
}

/** Splits a range into the whole days the rollup holds and the partial edge days it cannot answer. */
export function splitDays(fromMs: number, toMs: number): DaySplit {
  let first = Math.floor(fromMs / DAY_MS);
  let last = Math.floor(toMs / DAY_MS);
  const partial: DaySplit['partial'] = [];
  if (fromMs !== first * DAY_MS) {
    partial.push({ fromMs, toMs: Math.min(toMs, (first + 1) * DAY_MS - 1) });
    first++;
  }
  if (toMs !== (last + 1) * DAY_MS - 1 && last >= first) {
    partial.push({ fromMs: last * DAY_MS, toMs });
    last--;
  }
  return { days: first <= last ? { first, last } : null, partial };
}

/**
 * Whole days as the rollup stores them: the calendar months wholly inside (by their first days) and
 * the days around them, so a year reads about 12 month rows and a few dozen day rows.
 */
export function splitMonths(days: { first: number; last: number }): { months: { first: number; last: number } | null; days: { first: number; last: number }[] } {
  const start = monthStart(days.first) === days.first ? days.first : nextMonthStart(days.first);
  const end = nextMonthStart(days.last) - 1 === days.last ? nextMonthStart(days.last) : monthStart(days.last);
  if (start >= end) return { months: null, days: [days] };
  const around: { first: number; last: number }[] = [];
  if (start > days.first) around.push({ first: days.first, last: start - 1 });
  if (end <= days.last) around.push({ first: end, last: days.last });
  return { months: { first: start, last: monthStart(end - 1) }, days: around };
}
