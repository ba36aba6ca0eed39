// The one skeleton of every ingest path (snippet, Segment, offline touches, CRM conversions): validate
// each item, reject per item, resolve repeated ids, redact, write in one D1 batch, count, answer.
import type { BatchResult } from '../../../schemas/api';
import type { Tally } from '../db/counters';
import type { Site } from '../db/sites';
import { commitWrites, WriteSet, type CommitResult } from '../db/write-set';
import { reclassifyFormSessions } from './form-channels';
import { redactWrites } from './redact-writes';

export type Rejection = { code: string; message: string };

export interface ItemPath {
  /** What the request counts (db/counters.ts). */
  counter: Tally['kind'];
  /**
   * Validates one item and adds the rows it writes to `w`, which holds that item's rows alone.
   * Returns the item's dedupe id, or why it is refused (its rows are then dropped).
   */
  build: (item: unknown, w: WriteSet, index: number) => Promise<{ id: string } | Rejection>;
  /** The ids the commit stored for the first time or changed: the accepted items. */
  fresh: (committed: CommitResult) => Set<string>;
}

/**
 * One request's items, stored as one D1 batch. The rule for an id repeated inside one request: the
 * last valid item with that id is the one written, with all of its rows (touch or conversion, contact,
 * identity link, account, visitor); each earlier one is answered as a duplicate and writes nothing.
 * So a batch [opportunity, closed_won] for one deal stores closed_won, as two requests in that
 * order would.
 */
export async function ingestItems(db: D1Database, site: Site, items: unknown[], path: ItemPath, receivedAt: number): Promise<BatchResult> {
  const rejected: BatchResult['rejected'] = [];
  const valid: { index: number; id: string; rows: WriteSet }[] = [];
  for (let index = 0; index < items.length; index++) {
    const rows = new WriteSet();
    const outcome = await path.build(items[index], rows, index);
    if ('id' in outcome) valid.push({ index, id: outcome.id, rows });
    else rejected.push({ index, code: outcome.code, message: outcome.message });
  }

  const last = new Map(valid.map((v) => [v.id, v.index]));
  const kept = valid.filter((v) => last.get(v.id) === v.index);
  const w = new WriteSet();
  for (const v of kept) w.absorb(v.rows);
  await redactWrites(site, w);

  const tally: Tally = { kind: path.counter, items: valid.length, rejected: rejected.length, bots: 0 };
  const fresh = path.fresh(await commitWrites(db, site.id, w, receivedAt, tally));
  await reclassifyFormSessions(db, site, w, receivedAt);
  const accepted = kept.filter((v) => fresh.has(v.id)).length;
  return { accepted, duplicates: valid.length - accepted, rejected };
}
