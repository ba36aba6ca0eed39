// The credit rollup (credit_sums, migrations 0013 and 0015; its queue credit_rollup_dirty, migration 0006): which
// days wait for a rebuild, the rebuild's reads and writes, and the report's read over whole days.
// Every statement is keyed by site.
import { DAY_MS } from '../../../schemas/credit';
import type { RollupGrain } from '../../../schemas/dimensions';
import { ROLLUP_KEYS, rollupPath, SPANS_ASCII, SPANS_WRITES } from '../../../schemas/rollup';
import { abortWhen } from './guard';
import { chunks, deleteByKeys, jsonParts } from './json-parts';

export interface StageDay {
  stage: string;
  day: number;
}

/** One stored rollup row: a day or month of one stage and dimension (or a part of it), every key and model. */
export interface RollupRow extends StageDay {
  dim: string;
  grain: RollupGrain;
  part: number;
  /** JSON: {"k": [keys], "<model>": [weight units, cents, credited touches, … per key]} (attribution/rollup.ts) */
  sums: string;
  /** JSON: where each entry lies in `sums` (schemas/rollup.ts RollupSpans); null in a row written before migration 0015. */
  spans: string | null;
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

/**
 * Marks every day that has credit, of every stage: after a new fit, whose data-driven credit the
 * rollup derives from each stored conversion (attribution/derived-credit.ts) on its next rebuild.
 */
export function markCreditedDays(db: D1Database, siteId: string, markedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO credit_rollup_dirty (site_id, stage, day, marked_at)
       SELECT DISTINCT ?1, stage, converted_at / ${DAY_MS}, ?2 FROM credit INDEXED BY credit_by_stage_time WHERE site_id = ?1
       ON CONFLICT (site_id, stage, day) DO UPDATE SET marked_at = excluded.marked_at`,
    )
    .bind(siteId, markedAt);
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
  return deleteByKeys(db, 'credit_rollup_dirty', siteId, days.map((d) => [d.stage, d.day, d.marked_at]));
}

/** The rows of some days (or months, by their first day) of one grain, every dimension and part, through the primary key. */
export function rollupOf(db: D1Database, siteId: string, grain: RollupGrain, days: StageDay[], dims: readonly string[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT r.stage, r.dim, r.grain, r.day, r.part, r.sums, r.spans FROM json_each(?3) d CROSS JOIN json_each(?4) m
       CROSS JOIN credit_sums r ON r.site_id = ?1 AND r.stage = d.value->>'stage' AND r.dim = m.value AND r.grain = ?2
         AND r.day = d.value->>'day'`,
    )
    .bind(siteId, grain, JSON.stringify(days), JSON.stringify(dims));
}

/**
 * Writes rows with their spans. Each update also counts up the spans' write counter, so the spans of
 * a row always change when this writes its sums: the trigger of migration 0015 then takes the spans
 * off a row whose sums were written without them (by code older than 0015, until it is replaced),
 * and such a row is read with json_extract, never with stale spans.
 */
export function upsertRollup(db: D1Database, siteId: string, rows: RollupRow[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.grain, r.day, r.part, r.sums, r.spans]));
  return jsonParts(encoded, 500_000, 1000).map((json) =>
    db
      .prepare(
        `INSERT INTO credit_sums (site_id, stage, dim, grain, day, part, sums, spans)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4, j.value->>5, j.value->>6 FROM json_each(?2) j WHERE true
         ON CONFLICT (site_id, stage, dim, grain, day, part) DO UPDATE SET sums = excluded.sums,
           spans = json_set(excluded.spans, '$."${SPANS_WRITES}"', coalesce(credit_sums.spans ->> '$."${SPANS_WRITES}"', 0) + 1)`,
      )
      .bind(siteId, json),
  );
}

export function deleteRollup(db: D1Database, siteId: string, rows: Omit<RollupRow, 'sums' | 'spans'>[]): D1PreparedStatement[] {
  const encoded = rows.map((r) => JSON.stringify([r.stage, r.dim, r.grain, r.day, r.part]));
  return jsonParts(encoded, 200_000, 5000).map((json) =>
    db
      .prepare(
        `DELETE FROM credit_sums WHERE site_id = ?1 AND (stage, dim, grain, day, part) IN (
           SELECT r.stage, r.dim, r.grain, r.day, r.part FROM json_each(?2) j
           CROSS JOIN credit_sums r ON r.site_id = ?1 AND r.stage = j.value->>0 AND r.dim = j.value->>1
             AND r.grain = j.value->>2 AND r.day = j.value->>3 AND r.part = j.value->>4)`,
      )
      .bind(siteId, json),
  );
}

/** Whole days or whole months (by their first days) of the rollup, inclusive. */
export interface RollupSpan {
  grain: RollupGrain;
  first: number;
  last: number;
}

/**
 * Whole days and months of one stage and dimension (a report's whole months and the days around them,
 * all in one statement: each statement of a batch costs the round trip about 0.3 ms locally), every
 * part, through the primary key: per row one JSON array [keys, sums of models[0], sums of models[1], …]
 * (null for a model the row lacks). Only the asked models' entries leave SQLite, so a one-model report
 * carries a twelfth of each row to the Worker. substr cuts them out where the row's spans say they are,
 * so SQLite never parses the row's JSON (json_extract would parse every model's sums to find them: most
 * of a year-by-account report's time), and an ASCII row (SPANS_ASCII) is cut as a blob, so SQLite does
 * not count characters either; a row written before migration 0015 has no spans and is read with
 * json_extract, the same array. The caller adds them up, exactly.
 */
export function rollupModels(db: D1Database, siteId: string, stage: string, dim: string, spans: readonly RollupSpan[], models: readonly string[]) {
  // One placeholder per path (the keys' and each model's): the statement's text depends on the count only.
  const params = [ROLLUP_KEYS, ...models].map((_, i) => `?${5 + i}`);
  const start = (p: string) => `r.spans ->> (${p} || '[0]'), r.spans ->> (${p} || '[1]')`;
  // An ASCII row's spans count bytes too: its blob is sliced without counting characters.
  const text = (p: string) => `substr(r.sums, ${start(p)})`;
  const blob = (p: string) => `CAST(substr(CAST(r.sums AS BLOB), ${start(p)}) AS TEXT)`;
  const array = (slice: (p: string) => string) => `'[' || ${params.map((p, i) => (i ? `coalesce(${slice(p)}, 'null')` : slice(p))).join(` || ',' || `)} || ']'`;
  return db
    .prepare(
      `SELECT CASE WHEN r.spans IS NULL THEN json_extract(r.sums, ${params.join(', ')})
         WHEN r.spans ->> '$."${SPANS_ASCII}"' = 1 THEN ${array(blob)} ELSE ${array(text)} END AS v
       FROM json_each(?4) s CROSS JOIN credit_sums r ON r.site_id = ?1 AND r.stage = ?2 AND r.dim = ?3
         AND r.grain = s.value ->> 0 AND r.day BETWEEN s.value ->> 1 AND s.value ->> 2`,
    )
    .bind(siteId, stage, dim, JSON.stringify(spans.map((s) => [s.grain, s.first, s.last])), ...[ROLLUP_KEYS, ...models].map(rollupPath));
}

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
