// A key's stored non-converting journey (db/tails.ts key_tails), computed from its touches or brought
// up to date from its stored row and its touches since a mark (pure: the fit's tails.ts stores them).
import { decodeJourney, encodeJourney, type TailRow } from '../../../schemas/credit';
import { byTimeThenId, firstFrom, type JourneyTouch } from './models/journeys';

/** Every conversion's time by key and stage, sorted (what a key's journeys start after; a key's entry: schemas/key-funnel.ts stageTimes). */
export type KeyConversions = ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;

/** The end of a range that reads a key's touches up to its latest, whenever that is (a fit takes touches as they are). */
export const NO_END = Number.MAX_SAFE_INTEGER;

/**
 * One key's stored tail from its touches sorted by time then id (`times`, `channels`; at least those
 * from its latest touch − window on): the channels within the window before its latest touch, how
 * long before it each one is, and per stage with conversions how many of them are at or before the
 * latest conversion of that stage. Null without touches.
 */
export function tailOfSorted(
  akey: string,
  times: readonly number[],
  channels: readonly string[],
  conversions: ReadonlyMap<string, readonly number[]> | undefined,
  windowMs: number,
): TailRow | null {
  if (!times.length) return null;
  const latest = times[times.length - 1];
  const start = firstFrom(times, latest - windowMs);
  let cuts: Record<string, number> | null = null;
  for (const [stage, list] of conversions ?? []) {
    // Strictly after: a touch at the conversion's own instant is in its window, so it has converted.
    const cut = firstFrom(times, list[list.length - 1], true) - start;
    if (cut > 0) (cuts ??= {})[stage] = cut;
  }
  const ages = times.slice(start).map((t) => latest - t);
  return { akey, latest, journey: encodeJourney(channels.slice(start)), ages: JSON.stringify(ages), cuts: cuts && JSON.stringify(cuts) };
}

/** tailOfSorted of touches in any order. */
export function tailRow(akey: string, touches: readonly JourneyTouch[], conversions: ReadonlyMap<string, readonly number[]> | undefined, windowMs: number): TailRow | null {
  const sorted = [...touches].sort(byTimeThenId);
  return tailOfSorted(akey, sorted.map((t) => t.at), sorted.map((t) => t.channel), conversions, windowMs);
}

/**
 * A key's row from its touches loaded from `loadedFrom` on (to its latest), or undefined when that
 * load may miss part of its last window: it has no touch there, or its latest is less than a window
 * after `loadedFrom`.
 */
export function coveredTail(akey: string, touches: readonly JourneyTouch[], loadedFrom: number, conversions: ReadonlyMap<string, readonly number[]> | undefined, windowMs: number): TailRow | undefined {
  let latest = -Infinity;
  for (const t of touches) if (t.at > latest) latest = t.at;
  if (latest - windowMs < loadedFrom) return undefined;
  return tailRow(akey, touches, conversions, windowMs) ?? undefined;
}

/** A marked key as read with its stored row (null columns: it has none): `since` as the mark's. */
export interface DirtyTail {
  akey: string;
  since: number;
  marked_at: number;
  latest: number | null;
  journey: string | null;
  ages: string | null;
}

/**
 * A marked key's new row from its stored one and its touches at or after `since` (all of them, in
 * any order), or undefined when the stored row cannot serve: the key has none, it changed before
 * the stored window, or its latest touch moved back (touches left it). Exact otherwise: the stored
 * touches before `since` are unchanged, and the new window lies within what is stored and read.
 */
export function mergedTail(stored: DirtyTail, after: readonly JourneyTouch[], conversions: ReadonlyMap<string, readonly number[]> | undefined, windowMs: number): TailRow | null | undefined {
  if (stored.latest === null || stored.journey === null || stored.ages === null) return undefined;
  const latest = stored.latest;
  if (stored.since < latest - windowMs) return undefined;
  const ages = JSON.parse(stored.ages) as number[];
  const storedChannels = decodeJourney(stored.journey);
  const times: number[] = [];
  const channels: string[] = [];
  for (let i = 0; i < ages.length && latest - ages[i] < stored.since; i++) {
    times.push(latest - ages[i]);
    channels.push(storedChannels[i]);
  }
  for (const t of [...after].sort(byTimeThenId)) {
    times.push(t.at);
    channels.push(t.channel);
  }
  if (!times.length || times[times.length - 1] < latest) return undefined;
  return tailOfSorted(stored.akey, times, channels, conversions, windowMs);
}

