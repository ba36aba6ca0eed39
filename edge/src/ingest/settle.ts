// Turns a committed write into the per-item answer {accepted, duplicates, rejected} and counts it.
import type { BatchResult } from '../../../schemas/api';
import { bumpCounters, type CounterName } from '../db/counters';

/**
 * `items` are the valid items in request order with the id that dedupes them; `fresh` are the ids
 * the database stored for the first time. An id repeated inside one request is accepted once.
 */
export async function settleBatch(
  db: D1Database,
  siteId: string,
  items: { index: number; id: string }[],
  fresh: Set<string>,
  rejected: BatchResult['rejected'],
  at: number,
  extra: { kind?: Extract<CounterName, 'events' | 'touches' | 'conversions'>; bots?: number } = {},
): Promise<BatchResult> {
  let accepted = 0;
  const claimed = new Set<string>();
  for (const { id } of items) {
    if (fresh.has(id) && !claimed.has(id)) {
      claimed.add(id);
      accepted++;
    }
  }
  const duplicates = items.length - accepted;
  rejected.sort((a, b) => a.index - b.index);
  const stmt = bumpCounters(db, siteId, at, {
    [extra.kind ?? 'events']: accepted,
    duplicates,
    rejected: rejected.length - (extra.bots ?? 0),
    bots: extra.bots,
  });
  // Counters are statistics: they are written after the data, outside its transaction.
  if (stmt) await stmt.run();
  return { accepted, duplicates, rejected };
}
