// A conversion's window: its key's touches in [T − window_days, T], ordered by time then id.
import type { CreditTouch } from './types';

const DAY_MS = 86_400_000;

/** Time, then id by plain string comparison, so that equal timestamps order the same everywhere. */
export function compareTouches(a: CreditTouch, b: CreditTouch): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Generic so callers get their own richer touch rows back. */
export function selectWindowTouches<T extends CreditTouch>(touches: readonly T[], conversionAt: number, windowDays: number): T[] {
  if (!(windowDays >= 0)) throw new RangeError(`windowDays must be >= 0, got ${windowDays}`);
  const start = conversionAt - windowDays * DAY_MS;
  return touches.filter((t) => t.at >= start && t.at <= conversionAt).sort(compareTouches);
}
