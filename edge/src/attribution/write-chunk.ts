// Commits one chunk's credit: per conversion, delete its old rows and insert the new ones in the
// same D1 batch; the chunk's queue bookkeeping rides in the last batch.
import {
  deleteCredit,
  deleteCreditedConversions,
  insertCredit,
  upsertCreditedConversions,
  type CreditRow,
} from '../db/credit';
import type { CreditConversion } from './models';

/**
 * Credit rows per D1 batch. A usual chunk fits in one batch; a huge one is split between
 * conversions, never inside one, so a conversion's credit is always replaced whole. A failure
 * between batches leaves the chunk's keys queued (the dequeue is in the last batch) and the
 * rerun rewrites the same rows.
 */
const ROWS_PER_BATCH = 20_000;

interface Pending {
  ids: string[];
  rows: CreditRow[];
  mappings: { conversion_id: string; akey: string }[];
}

/** Returns the number of D1 batches it took. */
export async function writeChunk(
  db: D1Database,
  siteId: string,
  credited: { akey: string; conversions: CreditConversion[]; rows: CreditRow[] }[],
  movedOut: string[],
  bookkeeping: D1PreparedStatement[],
  now: number,
): Promise<number> {
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
      current.rows.push(...rows);
      current.mappings.push({ conversion_id: c.id, akey: key.akey });
    }
  }

  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    const statements = [
      ...deleteCredit(db, siteId, b.ids),
      ...insertCredit(db, siteId, b.rows),
      ...upsertCreditedConversions(db, siteId, b.mappings, now),
    ];
    if (i === batches.length - 1) {
      statements.push(...deleteCredit(db, siteId, movedOut), ...deleteCreditedConversions(db, siteId, movedOut), ...bookkeeping);
    }
    if (statements.length) await db.batch(statements);
  }
  return batches.length;
}
