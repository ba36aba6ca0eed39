// Keeps each credited key's first touch (db/first-touch.ts) for the funnel, from the touches the
// chunk loads anyway. Why that is enough: whatever changes a key's touches queues it with the time
// of the change (attribution_dirty.touched_since, db/queue.ts), so touches before then are as they
// were when its stored first touch was found. A stored first touch before that time therefore
// stands (and always when the touches did not change: a full recompute after a settings or fit
// change reads no history for it); one at or after it is found again among the touches from then
// on; a key with none stored yet reads its touches from the beginning once.
import type { FirstTouchRow } from '../db/first-touch';
import { sameFirstTouch } from '../db/first-touch';
import type { KeyTouch } from './credit-key';

/** Where a key's touches must be read from for its first touch: null when the stored one stands. */
export function firstTouchFrom(stored: FirstTouchRow | undefined, touchedSince: number | null): number | null {
  if (!stored) return Number.MIN_SAFE_INTEGER;
  if (touchedSince === null) return null;
  return stored.occurred_at < touchedSince ? null : touchedSince;
}

/** The earliest touch (time, then id) as a stored row; null when there is none. */
export function earliestTouch(akey: string, touches: readonly KeyTouch[]): FirstTouchRow | null {
  let first: KeyTouch | null = null;
  for (const t of touches) if (!first || t.at < first.at || (t.at === first.at && t.id < first.id)) first = t;
  if (!first) return null;
  return { akey, occurred_at: first.at, touch_id: first.id, ...first.fields, touch_type: first.touchType, channel: first.channel };
}

/** What to write for one key: a changed row, a removal (null), or nothing (undefined). */
export function firstTouchChange(stored: FirstTouchRow | undefined, found: FirstTouchRow | null): FirstTouchRow | null | undefined {
  if (!found) return stored ? null : undefined;
  return stored && sameFirstTouch(stored, found) ? undefined : found;
}
