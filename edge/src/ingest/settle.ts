// Turns a committed write into the per-item answer {accepted, duplicates, rejected}.
import type { BatchResult } from '../../../schemas/api';
import type { Tally } from '../db/counters';

/**
 * `items` are the valid items in request order with the id that dedupes them; `fresh` are the ids
 * the database stored for the first time. An id repeated inside one request is accepted once.
 * The counters were written with the data (db/counters.ts) and agree with this answer.
 */
export function settleBatch(
  items: { index: number; id: string }[],
  fresh: Set<string>,
  rejected: BatchResult['rejected'],
): BatchResult {
  let accepted = 0;
  const claimed = new Set<string>();
  for (const { id } of items) {
    if (fresh.has(id) && !claimed.has(id)) {
      claimed.add(id);
      accepted++;
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted, duplicates: items.length - accepted, rejected };
}

/** The counters of a request that sent `items` valid items of `kind` and had `rejected` refused. */
export function tallyOf(kind: Tally['kind'], items: unknown[], rejected: unknown[], bots = 0): Tally {
  return { kind, items: items.length, rejected: rejected.length, bots };
}
