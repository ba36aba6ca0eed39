// Shared checks for server-side batch bodies: per-item size limit and stable ids for items without one.
import { EVENT_ID_PATTERN, LIMITS } from '../../../schemas/limits';
import { ApiError } from '../errors';
import { sha256Hex } from '../identity/hash';

const encoder = new TextEncoder();

/** CONTRACT §8: an item over 32 KB makes the whole request 413, naming the item. */
export function assertItemSizes(items: unknown[]): void {
  const details = [];
  for (let i = 0; i < items.length; i++) {
    const bytes = encoder.encode(JSON.stringify(items[i]) ?? '').length;
    if (bytes > LIMITS.serverItemBytes) details.push({ index: i, message: `item is ${bytes} bytes; the limit is 32768` });
  }
  if (details.length) throw new ApiError(413, 'item_too_large', 'an item is larger than 32 KB', details);
}

/**
 * The dedupe id of a Segment message: its messageId when it fits our id format, else a hash of the
 * messageId, else a hash of the whole message, so that a replay is still recognised.
 */
export async function messageEventId(messageId: string | undefined, message: unknown): Promise<string> {
  if (messageId && EVENT_ID_PATTERN.test(messageId)) return messageId;
  if (messageId) return `m_${(await sha256Hex(messageId)).slice(0, 40)}`;
  return `h_${(await sha256Hex(JSON.stringify(message))).slice(0, 40)}`;
}
