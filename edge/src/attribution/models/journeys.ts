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

/** The first index of sorted `touches` at or after `at` (strictly after, when `strictly`). */
function firstFrom(touches: readonly JourneyTouch[], at: number, strictly = false): number {
  let lo = 0;
  let hi = touches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (touches[mid].at < at || (strictly && touches[mid].at === at)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Channels of sorted `touches` with from ≤ at ≤ to (both inclusive, as a conversion's window is), in order. */
function channelsWithin(touches: readonly JourneyTouch[], from: number, to: number): string[] {
  const channels: string[] = [];
  for (let i = firstFrom(touches, from); i < touches.length && touches[i].at <= to; i++) channels.push(touches[i].channel);
  return channels;
}

/**
 * One key's journeys of `stage` for a fit at F (`fittedAt`), converting ones first, each in time order:
 * - converting: every stage conversion at T with F − 365 d ≤ T ≤ F gives the channels of its window
 *   touches, T − window_days ≤ t ≤ T (the touches every model credits, in the same order);
 * - non-converting: the touches after the key's latest stage conversion (all its touches if it has
 *   none) within window_days before the latest of them, both ends inclusive, when there is at least
 *   one such touch and the latest is at or after F − 365 d.
 * A conversion without window touches gives no journey: it has no channel to learn from, and every
 * model leaves it as "(no touch)". Touches or conversions after F are taken as given (the contract
 * bounds only conversions by F): the caller passes what it loaded at F.
 * Pure, and per key, so the caller can feed keys in chunks and keep only the journeys.
 */
export function keyJourneys(key: KeyHistory, { stage, windowDays, fittedAt }: JourneyOptions): Journey[] {
  if (stage === 'closed_lost') throw new RangeError('closed_lost is never credited, so it has no journeys');
  if (!(windowDays >= 0)) throw new RangeError(`windowDays must be >= 0, got ${windowDays}`);
  const window = windowDays * DAY_MS;
  const from = fittedAt - FIT_LOOKBACK_MS;
  const touches = [...key.touches].sort(byTimeThenId);
  const conversions = key.conversions.filter((c) => c.stage === stage).sort(byTimeThenId);

  const journeys: Journey[] = [];
  for (const c of conversions) {
    if (c.at < from || c.at > fittedAt) continue;
    const channels = channelsWithin(touches, c.at - window, c.at);
    if (channels.length > 0) journeys.push({ stage, channels, converted: true });
  }

  // Strictly after: a touch at the conversion's own instant is in its window, so it has converted.
  const latestConversion = conversions.at(-1);
  const after = latestConversion ? touches.slice(firstFrom(touches, latestConversion.at, true)) : touches;
  const last = after.at(-1);
  if (last && last.at >= from) journeys.push({ stage, channels: channelsWithin(after, last.at - window, last.at), converted: false });
  return journeys;
}
