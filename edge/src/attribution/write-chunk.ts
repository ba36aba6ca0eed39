// Commits one chunk's credit: per conversion whose credit changed, delete its old rows and insert
// the new ones in the same D1 batch, with the credit_daily rollup moved by the difference; the
// chunk's queue bookkeeping rides in the last batch.
import {
  deleteCredit,
  deleteCreditedConversions,
  insertCredit,
  upsertCreditedConversions,
  type CreditRow,
} from '../db/credit';
import { guardCreditState, pruneRollup, STALE_CREDIT_MARK, upsertRollup, type CreditState } from '../db/rollup';
import type { CreditConversion } from './models';
import { diffCredit, type TouchFieldSet } from './rollup';

/**
 * Credit rows per D1 batch. A usual chunk fits in one batch; a huge one is split between
 * conversions, never inside one, so a conversion's credit is always replaced whole. A failure
 * between batches leaves the chunk's keys queued (the dequeue is in the last batch) and the
 * rerun rewrites the same rows.
 */
const ROWS_PER_BATCH = 20_000;

/** Another run rewrote some of this chunk's credit after it was read; nothing of the batch was written. */
export class StaleCreditError extends Error {
  constructor() {
    super('credit changed under this attribution run (a concurrent run?); its keys stay queued');
  }
}

interface Pending {
  ids: string[];
  rows: CreditRow[];
  mappings: { conversion_id: string; akey: string }[];
}

/** What the chunk read before computing: the stored credit it replaces and its touches' fields. */
export interface ChunkInputs {
  state: CreditState;
  fields: ReadonlyMap<string, TouchFieldSet>;
}

/**
 * Returns the D1 batches it took and the credit rows it wrote. A conversion whose new rows equal
 * its stored ones exactly is not rewritten (only its key mapping is), which is most of an
 * incremental run: a key is recomputed whole when any of its data changed.
 */
export async function writeChunk(
  db: D1Database,
  siteId: string,
  credited: { akey: string; conversions: CreditConversion[]; rows: CreditRow[] }[],
  movedOut: string[],
  bookkeeping: D1PreparedStatement[],
  inputs: ChunkInputs,
): Promise<{ batches: number; rowsWritten: number }> {
  const batches: Pending[] = [{ ids: [], rows: [], mappings: [] }];
  for (const key of credited) {
    const rowsOf = new Map<string, CreditRow[]>();
    for (const row of key.rows) {
      const list = rowsOf.get(row[1]) ?? [];
      list.push(row);
      rowsOf.set(row[1], list);
    }
    for (const c of key.conversions) {
      const rows = rowsOf.get(c.id) ?? [];
      let current = batches[batches.length - 1];
      if (current.ids.length && current.rows.length + rows.length > ROWS_PER_BATCH) {
        current = { ids: [], rows: [], mappings: [] };
        batches.push(current);
      }
      current.ids.push(c.id);
      for (const row of rows) current.rows.push(row); // no spread: a huge account's rows overflow the stack
      current.mappings.push({ conversion_id: c.id, akey: key.akey });
    }
  }

  // Stamped at write time: a concurrent run's guard sees that these conversions changed.
  const stamp = Date.now();
  let rowsWritten = 0;
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    const last = i === batches.length - 1;
    const replaced = last ? [...b.ids, ...movedOut] : b.ids;
    const diff = diffCredit(replaced, inputs.state.rows, b.rows, inputs.fields);
    const changed = replaced.filter((id) => !diff.unchanged.has(id));
    const rows = b.rows.filter((r) => !diff.unchanged.has(r[1]));
    rowsWritten += rows.length;
    const statements = [
      ...guardCreditState(db, siteId, replaced, inputs.state.stamps),
      ...deleteCredit(db, siteId, changed),
      ...insertCredit(db, siteId, rows, inputs.fields),
      ...upsertRollup(db, siteId, diff.deltas),
      ...pruneRollup(db, siteId, diff.reduced),
      ...upsertCreditedConversions(db, siteId, b.mappings, stamp),
    ];
    if (last) statements.push(...deleteCreditedConversions(db, siteId, movedOut), ...bookkeeping);
    if (!statements.length) continue;
    try {
      await db.batch(statements);
    } catch (err) {
      if (String((err as Error)?.message ?? err).includes(STALE_CREDIT_MARK)) throw new StaleCreditError();
      throw err;
    }
  }
  return { batches: batches.length, rowsWritten };
}
