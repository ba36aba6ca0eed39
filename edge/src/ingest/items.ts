// Shared checks for server-side batch bodies: the envelope, the per-item size limit, and stable ids
// for Segment messages.
import type { z } from 'zod';
import { EVENT_ID_PATTERN, LIMITS } from '../../../schemas/limits';
import { ApiError, issueDetails } from '../errors';
import { sha256Hex } from '../identity/hash';

const encoder = new TextEncoder();

/** An item over 32 KB makes the whole request 413, naming the item. */
export function assertItemSizes(items: unknown[]): void {
  const details = [];
  for (let i = 0; i < items.length; i++) {
    const bytes = encoder.encode(JSON.stringify(items[i]) ?? '').length;
    if (bytes > LIMITS.serverItemBytes) details.push({ index: i, message: `item is ${bytes} bytes; the limit is ${LIMITS.serverItemBytes}` });
  }
  if (details.length) throw new ApiError(413, 'item_too_large', `an item is larger than ${LIMITS.serverItemBytes / 1024} KB`, details);
}

/**
 * The items of a body `{<field>: [items], …}` checked against its envelope `schema`: "too many items"
 * is a 413, any other envelope problem a 400 with `code`; items are validated one by one later.
 */
export function itemsOf<T extends Record<string, unknown>>(body: unknown, schema: z.ZodType<T>, field: string, code: string): { envelope: T; items: unknown[] } {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    if (parsed.error.issues.some((i) => i.path[0] === field && i.code === 'too_big')) {
      throw new ApiError(413, 'too_many_items', `"${field}" holds at most ${LIMITS.serverItems} items per request`);
    }
    throw new ApiError(400, code, `body must be {"${field}": [ … ]}`, issueDetails(parsed.error.issues));
  }
  const items = parsed.data[field] as unknown[];
  assertItemSizes(items);
  return { envelope: parsed.data, items };
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
