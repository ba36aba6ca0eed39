// The credit_rollup table (migration 0006): which days wait for a rebuild, the rebuild's reads and
// writes, and the report's read over whole days. Every statement is keyed by site.
import type { RollupGrain } from '../../../schemas/dimensions';
import { abortWhen } from './guard';
import { chunks, jsonParts } from './json-parts';

export interface StageDay {
  stage: string;
  day: number;
}

/** One stored rollup row: a day or month of one stage and dimension (or a part of it), every key and model. */
export interface RollupRow extends StageDay {
  dim: string;
  grain: RollupGrain;
  part: number;
  /** JSON: {"<key>": {"<model>": [weight units, cents, credited touches]}} */
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

/** The rows of some days (or months, by their first day) of one grain, every dimension and part, through the primary key. */
export function rollupOf(db: D1Database, siteId: string, grain: RollupGrain, days: StageDay[], dims: readonly string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT r.stage, r.dim, r.grain, r.day, r.part, r.sums FROM json_each(?3) d CROSS JOIN json_each(?4) m
       CROSS JOIN credit_rollup r ON r.site_id = ?1 AND r.stage = d.value->>'stage' AND r.dim = m.value AND r.grain = ?2
         AND r.day = d.value->>'day'`,
    )
    .bind(siteId, grain, JSON.stringify(days), JSON.stringify(dims));
}

export function upsertRollup(db: D1Database, siteId: string, rows: RollupRow[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.grain, r.day, r.part, r.sums]));
  return jsonParts(encoded, 500_000, 1000).map((json) =>
    db
      .prepare(
        `INSERT INTO credit_rollup (site_id, stage, dim, grain, day, part, sums)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5 FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, stage, dim, grain, day, part) DO UPDATE SET sums = excluded.sums`,
      )
      .bind(siteId, json),
  );
}

export function deleteRollup(db: D1Database, siteId: string, rows: Omit<RollupRow, 'sums'>[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.grain, r.day, r.part]));
  return jsonParts(encoded, 200_000, 5000).map((json) =>
    db
      .prepare(
        `DELETE FROM credit_rollup WHERE site_id = ?1 AND (stage, dim, grain, day, part) IN (
           SELECT r.stage, r.dim, r.grain, r.day, r.part FROM json_each(?2) j
           CROSS JOIN credit_rollup r ON r.site_id = ?1 AND r.stage = j.value->>0 AND r.dim = j.value->>1
             AND r.grain = j.value->>2 AND r.day = j.value->>3 AND r.part = j.value->>4)`,
      )
      .bind(siteId, json),
  );
}

/**
 * Whole days of one stage and dimension, every part, through the primary key: a row per day. The
 * sums are added up by the caller, exactly.
 */
export function rollupRange(db: D1Database, siteId: string, stage: string, dim: string, grain: RollupGrain, days: { first: number; last: number }) {
  return db
    .prepare('SELECT sums FROM credit_rollup WHERE site_id = ?1 AND stage = ?2 AND dim = ?3 AND grain = ?4 AND day BETWEEN ?5 AND ?6')
    .bind(siteId, stage, dim, grain, days.first, days.last);
}

/**
 * The same days summed in SQL per key and model: the fast path of reports, one result row per key
 * and model. Each key's entry is looked up by the asked-for model names (`->`), rather than walking
 * every model it holds, so a report of one model reads one entry per key. Cents come back as text, so a sum past 2^53 reaches JavaScript exactly. SQLite's SUM
 * is 64-bit and raises "integer overflow" past it; the caller then falls back to rollupRange and
 * adds in BigInt, so a total is never wrong and never a fault.
 */
export function rollupTotals(
  db: D1Database,
  siteId: string,
  stage: string,
  dim: string,
  grain: RollupGrain,
  days: { first: number; last: number },
  models: readonly string[],
  limit: number,
) {
  return db
    .prepare(
      `SELECT key, model, SUM(s->>0) AS units, CAST(SUM(s->>1) AS TEXT) AS cents, SUM(s->>2) AS touches FROM (
         SELECT k.key, mm.value AS model, k.value -> mm.value AS s
         FROM credit_rollup r CROSS JOIN json_each(r.sums) k CROSS JOIN json_each(?7) mm
         WHERE r.site_id = ?1 AND r.stage = ?2 AND r.dim = ?3 AND r.grain = ?4 AND r.day BETWEEN ?5 AND ?6)
       WHERE s IS NOT NULL GROUP BY key, model LIMIT ?8`,
    )
    .bind(siteId, stage, dim, grain, days.first, days.last, JSON.stringify(models), limit);
}

export const SUM_OVERFLOW = 'integer overflow';

/** Takes the site's rollup lease when nobody holds it (or it expired): meta.changes is 1 when taken. */
export function takeRollupLease(db: D1Database, siteId: string, token: string, now: number, until: number): D1PreparedStatement {
  return db
    .prepare(
      `UPDATE attribution_state SET rollup_lease = ?2, rollup_lease_until = ?4
       WHERE site_id = ?1 AND (rollup_lease IS NULL OR rollup_lease_until < ?3)`,
    )
    .bind(siteId, token, now, until);
}

/** In each write batch of a rebuild: aborts the batch (db/guard.ts) unless `token` still holds the lease, and extends it. */
export function guardRollupLease(db: D1Database, siteId: string, token: string, until: number): D1PreparedStatement[] {
  return [
    db.prepare(abortWhen('NOT EXISTS (SELECT 1 FROM attribution_state WHERE site_id = ?1 AND rollup_lease = ?2)')).bind(siteId, token),
    db.prepare('UPDATE attribution_state SET rollup_lease_until = ?3 WHERE site_id = ?1 AND rollup_lease = ?2').bind(siteId, token, until),
  ];
}

export function releaseRollupLease(db: D1Database, siteId: string, token: string): D1PreparedStatement {
  return db
    .prepare('UPDATE attribution_state SET rollup_lease = NULL, rollup_lease_until = NULL WHERE site_id = ?1 AND rollup_lease = ?2')
    .bind(siteId, token);
}
