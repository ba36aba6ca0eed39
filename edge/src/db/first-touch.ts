// Each key's first touch (migration 0009): stored by the job beside the key's credit, read by the
// funnel. Keys are attribution keys (schemas/akey.ts).
import type { TouchFields } from '../../../schemas/dimensions';
import { chunks, deleteByIds } from './json-parts';

/** A key's first touch (time, then id) with every field a funnel can group by. */
export interface FirstTouchRow extends TouchFields {
  akey: string;
  occurred_at: number;
  touch_id: string;
  touch_type: string;
  channel: string;
}

const FIELDS = ['occurred_at', 'touch_id', 'touch_type', 'channel', 'source', 'medium', 'campaign', 'content', 'term'] as const;

/** What is stored for some keys. */
export function storedFirstTouches(db: D1Database, siteId: string, akeys: string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT f.akey, ${FIELDS.map((c) => `f.${c}`).join(', ')} FROM json_each(?2) j
       CROSS JOIN key_first_touch f ON f.site_id = ?1 AND f.akey = j.value`,
    )
    .bind(siteId, JSON.stringify(akeys));
}

/** Inserts or replaces whole rows. */
export function writeFirstTouches(db: D1Database, siteId: string, rows: FirstTouchRow[]): D1PreparedStatement[] {
  return chunks(rows, 500).map((part) =>
    db
      .prepare(
        `INSERT INTO key_first_touch (site_id, akey, ${FIELDS.join(', ')})
         SELECT ?1, j.value->>'akey', ${FIELDS.map((f) => `j.value->>'${f}'`).join(', ')} FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, akey) DO UPDATE SET ${FIELDS.map((f) => `${f} = excluded.${f}`).join(', ')}`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

export function deleteFirstTouches(db: D1Database, siteId: string, akeys: string[]): D1PreparedStatement[] {
  return deleteByIds(db, 'key_first_touch', siteId, akeys);
}

/** True when two rows describe the same touch with the same fields (nothing to write). */
export function sameFirstTouch(a: FirstTouchRow, b: FirstTouchRow): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}
