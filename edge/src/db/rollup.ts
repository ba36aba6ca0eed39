// The credit_rollup table (migration 0006): which days wait for a rebuild, the rebuild's reads and
// writes, and the report's read over whole days. Every statement is keyed by site.
import { chunks, jsonParts } from './json-parts';

export interface StageDay {
  stage: string;
  day: number;
}

export interface RollupRow extends StageDay {
  dim: string;
  key: string;
  /** JSON: {"<model>": [weight units, cents, credited touches]} */
  sums: string;
}

const DAYS_PER_STATEMENT = 500;

/** Marks days whose credit changed; the rebuild picks them up oldest mark first. */
export function markRollupDays(db: D1Database, siteId: string, days: StageDay[], markedAt: number): D1PreparedStatement[] {
  return chunks(days, DAYS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `INSERT INTO credit_rollup_dirty (site_id, stage, day, marked_at)
         SELECT ?1, j.value->>'stage', j.value->>'day', ?3 FROM json_each(?2) AS j WHERE true
         ON CONFLICT (site_id, stage, day) DO UPDATE SET marked_at = excluded.marked_at`,
      )
      .bind(siteId, JSON.stringify(part), markedAt),
  );
}

export interface DirtyDay extends StageDay {
  marked_at: number;
}

export function readRollupDirty(db: D1Database, siteId: string, limit: number): D1PreparedStatement {
  return db
    .prepare('SELECT stage, day, marked_at FROM credit_rollup_dirty WHERE site_id = ?1 ORDER BY marked_at, stage, day LIMIT ?2')
    .bind(siteId, limit);
}

/** Count and oldest mark of the days waiting, in one row. */
export function rollupBacklog(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT COUNT(*) AS days, MIN(marked_at) AS oldest FROM credit_rollup_dirty WHERE site_id = ?1').bind(siteId);
}

/** Takes days off only if no chunk marked them again since they were read. */
export function dequeueRollupDays(db: D1Database, siteId: string, days: DirtyDay[]): D1PreparedStatement[] {
  return chunks(days, DAYS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `DELETE FROM credit_rollup_dirty WHERE site_id = ?1 AND (stage, day, marked_at) IN
           (SELECT j.value->>'stage', j.value->>'day', j.value->>'marked_at' FROM json_each(?2) AS j)`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

/** The rollup rows of some days, every dimension, through the primary key (one seek per day and dimension). */
export function rollupOfDays(db: D1Database, siteId: string, days: StageDay[], dims: readonly string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT r.stage, r.dim, r.day, r.key, r.sums FROM json_each(?2) d CROSS JOIN json_each(?3) m
       CROSS JOIN credit_rollup r ON r.site_id = ?1 AND r.stage = d.value->>'stage' AND r.dim = m.value AND r.day = d.value->>'day'`,
    )
    .bind(siteId, JSON.stringify(days), JSON.stringify(dims));
}

export function upsertRollup(db: D1Database, siteId: string, rows: RollupRow[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.day, r.key, r.sums]));
  return jsonParts(encoded, 400_000, 5000).map((json) =>
    db
      .prepare(
        `INSERT INTO credit_rollup (site_id, stage, dim, day, key, sums)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4 FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, stage, dim, day, key) DO UPDATE SET sums = excluded.sums`,
      )
      .bind(siteId, json),
  );
}

export function deleteRollup(db: D1Database, siteId: string, rows: Omit<RollupRow, 'sums'>[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.day, r.key]));
  return jsonParts(encoded, 400_000, 5000).map((json) =>
    db
      .prepare(
        `DELETE FROM credit_rollup WHERE site_id = ?1 AND (stage, dim, day, key) IN (
           SELECT r.stage, r.dim, r.day, r.key FROM json_each(?2) j
           CROSS JOIN credit_rollup r ON r.site_id = ?1 AND r.stage = j.value->>0 AND r.dim = j.value->>1
             AND r.day = j.value->>2 AND r.key = j.value->>3)`,
      )
      .bind(siteId, json),
  );
}

/**
 * Whole days of one stage and dimension, through the primary key: rows = days × keys. Each row's sums
 * are cut down to the entries asked for (`models`) before they leave the database: a report reads one
 * or a few of the ten, and what it does not read need not be sent. The sums are added up by the
 * caller (exactly, in BigInt where needed); `limit` caps what a too-wide grouping can pull.
 */
export function rollupRange(
  db: D1Database,
  siteId: string,
  stage: string,
  dim: string,
  days: { first: number; last: number },
  limit: number,
  models: readonly string[],
) {
  return db
    .prepare(
      `SELECT r.key, (SELECT json_group_object(m.key, json(m.value)) FROM json_each(r.sums) m
                      WHERE m.key IN (SELECT value FROM json_each(?7))) AS sums
       FROM credit_rollup r WHERE r.site_id = ?1 AND r.stage = ?2 AND r.dim = ?3 AND r.day BETWEEN ?4 AND ?5 LIMIT ?6`,
    )
    .bind(siteId, stage, dim, days.first, days.last, limit, JSON.stringify(models));
}
