// Deterministic touch ids, so that a replayed event can never make a second touch.
import { sha256Hex } from '../identity/hash';
import type { Attribution } from './campaign';

/** Web touches are unique per session and attribution fields (a new campaign or click id is a new touch). */
export async function webTouchId(sessionId: string, a: Attribution): Promise<string> {
  const key = [sessionId, a.source, a.medium, a.campaign, a.content, a.term, a.utmId, a.clickIdType, a.clickId].join('\u0000');
  return `w_${(await sha256Hex(key)).slice(0, 32)}`;
}

/** Server-side page touches have no session: the event id itself is the dedupe key. */
export const serverTouchId = (eventId: string) => `s_${eventId}`;
