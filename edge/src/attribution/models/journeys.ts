// The journeys of one stage that the data-driven fits learn from (docs/attribution.md), built one key at a time.
import type { Journey } from './types';

const DAY_MS = 86_400_000;

/** A fit learns from the last 365 days before it: conversions in them, and keys last touched in them. */
export const FIT_LOOKBACK_MS = 365 * DAY_MS;

export interface JourneyTouch {
  /** epoch ms */
  at: number;
  id: string;
  channel: string;
}

export interface JourneyConversion {
  /** epoch ms */
  at: number;
  id: string;
  stage: string;
}

/** Everything one key (account, personal contact or lone visitor) has: touches and conversions, any order. */
export interface KeyHistory {
  touches: readonly JourneyTouch[];
  conversions: readonly JourneyConversion[];
}

export interface JourneyOptions {
  stage: string;
  windowDays: number;
  /** F, epoch ms. */
  fittedAt: number;
}

/** Time, then id by plain string comparison: the order window.ts gives every model's touches. */
export function byTimeThenId(a: { at: number; id: string }, b: { at: number; id: string }): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The first index of sorted `times` at or after `at` (strictly after, when `strictly`). */
export function firstFrom(times: ArrayLike<number>, at: number, strictly = false): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < at || (strictly && times[mid] === at)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One key's journeys of one stage for a fit at F (`fittedAt`), as spans [start, end) of its touches
 * sorted by time then id (`times` their times), converting ones first, in conversion order:
 * - converting: every stage conversion at T with F − 365 d ≤ T ≤ F gives its window touches,
 *   T − window_days ≤ t ≤ T (the touches every model credits, in the same order);
 * - non-converting: the touches after the key's latest stage conversion (all its touches if it has
 *   none) within window_days before the latest of them, both ends inclusive, when there is at least
 *   one such touch and the latest is at or after F − 365 d.
 * A conversion without window touches gives no journey: it has no channel to learn from, and every
 * model leaves it as "(no touch)". Touches or conversions after F are taken as given (the contract
 * bounds only conversions by F): the caller passes what it loaded at F. `conversionTimes` are the
 * key's conversions of the stage, sorted. Allocates nothing: a fit calls it for every key and stage.
 */
export function journeySpans(
  times: ArrayLike<number>,
  conversionTimes: readonly number[],
  windowMs: number,
  fittedAt: number,
  emit: (start: number, end: number, converted: boolean) => void,
): void {
  const from = fittedAt - FIT_LOOKBACK_MS;
  for (const at of conversionTimes) {
    if (at < from || at > fittedAt) continue;
    const start = firstFrom(times, at - windowMs);
    const end = firstFrom(times, at, true);
    if (end > start) emit(start, end, true);
  }
  tailSpan(times, conversionTimes, windowMs, fittedAt, (start, end) => emit(start, end, false));
}

/**
 * The non-converting journey of journeySpans alone: the span of the touches after the key's latest
 * conversion within `windowMs` before the latest of them, when the latest is at or after F − 365 d.
 * `times` need only reach back to that window: the span is the same over any suffix of the key's
 * sorted touches that starts at or before (latest touch − window), which is what a fit loads.
 */
export function tailSpan(
  times: ArrayLike<number>,
  conversionTimes: readonly number[],
  windowMs: number,
  fittedAt: number,
  emit: (start: number, end: number) => void,
): void {
  // Strictly after: a touch at the conversion's own instant is in its window, so it has converted.
  const after = conversionTimes.length ? firstFrom(times, conversionTimes[conversionTimes.length - 1], true) : 0;
  const n = times.length;
  if (n > after && times[n - 1] >= fittedAt - FIT_LOOKBACK_MS) emit(Math.max(after, firstFrom(times, times[n - 1] - windowMs)), n);
}

/**
 * One key's journeys of `stage` for a fit at F, each with its channels in time order: journeySpans
 * over the key's touches and conversions given in any order.
 * Pure, and per key, so the caller can feed keys in chunks and keep only the journeys.
 */
export function keyJourneys(key: KeyHistory, { stage, windowDays, fittedAt }: JourneyOptions): Journey[] {
  if (stage === 'closed_lost') throw new RangeError('closed_lost is never credited, so it has no journeys');
  if (!(windowDays >= 0)) throw new RangeError(`windowDays must be >= 0, got ${windowDays}`);
  const touches = [...key.touches].sort(byTimeThenId);
  const conversionTimes = key.conversions
    .filter((c) => c.stage === stage)
    .sort(byTimeThenId)
    .map((c) => c.at);
  const journeys: Journey[] = [];
  journeySpans(
    touches.map((t) => t.at),
    conversionTimes,
    windowDays * DAY_MS,
    fittedAt,
    (start, end, converted) => journeys.push({ stage, channels: touches.slice(start, end).map((t) => t.channel), converted }),
  );
  return journeys;
}
