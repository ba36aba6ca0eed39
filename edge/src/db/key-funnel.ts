// Each key's funnel record and where each closed_lost conversion was filed (migration 0012): written
// by the job beside the key's credit, read by the funnel (db/funnel.ts). Keys: schemas/akey.ts.
import { chunks, deleteByIds } from './json-parts';

export interface KeyFunnelRow {
  akey: string;
  /** JSON text of schemas/key-funnel.ts's KeyFunnelRecord. */
  stages: string;
}

export interface LostFiling {
  conversion_id: string;
  akey: string;
}

/** The stored records of some keys. */
export function storedKeyFunnels(db: D1Database, siteId: string, akeys: string[]): D1PreparedStatement {
  return db
    .prepare(`SELECT f.akey, f.stages FROM json_each(?2) j CROSS JOIN key_funnel f ON f.site_id = ?1 AND f.akey = j.value`)
    .bind(siteId, JSON.stringify(akeys));
}

/** Where some conversions were last filed, for those that have a filing. */
export function storedLostFilings(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT l.conversion_id, l.akey FROM json_each(?2) j
       CROSS JOIN key_funnel_lost l ON l.site_id = ?1 AND l.conversion_id = j.value`,
    )
    .bind(siteId, JSON.stringify(conversionIds));
}

/** Inserts or replaces whole rows (a few hundred characters each at most: see schemas/key-funnel.ts). */
export function writeKeyFunnels(db: D1Database, siteId: string, rows: KeyFunnelRow[]): D1PreparedStatement[] {
  return chunks(rows, 500).map((part) =>
    db
      .prepare(
        `INSERT INTO key_funnel (site_id, akey, stages)
         SELECT ?1, j.value->>'akey', j.value->>'stages' FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, akey) DO UPDATE SET stages = excluded.stages`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

export function deleteKeyFunnels(db: D1Database, siteId: string, akeys: string[]): D1PreparedStatement[] {
  return deleteByIds(db, 'key_funnel', siteId, akeys);
}

export function writeLostFilings(db: D1Database, siteId: string, rows: LostFiling[]): D1PreparedStatement[] {
  return chunks(rows, 1000).map((part) =>
    db
      .prepare(
        `INSERT INTO key_funnel_lost (site_id, conversion_id, akey)
         SELECT ?1, j.value->>'conversion_id', j.value->>'akey' FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, conversion_id) DO UPDATE SET akey = excluded.akey`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

export function deleteLostFilings(db: D1Database, siteId: string, conversionIds: string[]): D1PreparedStatement[] {
  return deleteByIds(db, 'key_funnel_lost', siteId, conversionIds);
}
