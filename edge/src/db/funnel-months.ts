// The funnel's month rows (funnel_months, migration 0014) and their queue (funnel_months_dirty): marking
// months, the rebuild's reads and guarded writes, and the report's read. Every statement is keyed by site.
import { GROUP_BY, type GroupBy } from '../../../schemas/dimensions';
import { FUNNEL_GROUP_COLUMNS, monthOfMsSql, type FunnelMonth } from '../../../schemas/funnel-months';
import { firstTimePath } from '../../../schemas/key-funnel';
import { abortWhen } from './guard';
import { chunks, deleteByKeys } from './json-parts';

export interface DirtyFunnelMonth extends FunnelMonth {
  marked_at: number;
}

/** A stored part: JSON text of its t0s, its stages and its groups per dimension (GROUP_BY order), as schemas/funnel-months.ts lays them out. */
export interface FunnelMonthRow extends FunnelMonth {
  part: number;
  t0s: string;
  stages: string;
  groups: string[];
}

/** The dimensions' columns in GROUP_BY order (constant text). */
const GROUP_COLUMNS = GROUP_BY.map((dim) => FUNNEL_GROUP_COLUMNS[dim]);

const MONTHS_PER_STATEMENT = 500;

/**
 * The one upsert of the queue: `monthsSql` yields rows (stage, month); `mark` is the SQL of the stamp.
 * A month marked again always gets a later stamp than it had, so a rebuild that read it before the
 * new mark neither writes (its guard) nor takes it off.
 */
export function markMonthsSql(monthsSql: string, mark: string): string {
  return `INSERT INTO funnel_months_dirty (site_id, stage, month, marked_at)
  SELECT DISTINCT ?1, m.stage, m.month, ${mark} FROM (${monthsSql}) AS m WHERE true
  ON CONFLICT (site_id, stage, month) DO UPDATE SET marked_at = MAX(excluded.marked_at, funnel_months_dirty.marked_at + 1)`;
}

/** The months of every stage of the records of the keys `akeysSql` yields (site ?1): for erasure, before the records go. */
export const recordMonthsSql = (akeysSql: string): string =>
  `SELECT j.key AS stage, ${monthOfMsSql("j.value ->> '$[0]'")} AS month
   FROM key_funnel k CROSS JOIN json_each(k.stages) j WHERE k.site_id = ?1 AND k.akey IN (${akeysSql})`;

export function markFunnelMonths(db: D1Database, siteId: string, months: FunnelMonth[], markedAt: number): D1PreparedStatement[] {
  return chunks(months, MONTHS_PER_STATEMENT).map((part) =>
    db
      .prepare(markMonthsSql("SELECT j.value->>'stage' AS stage, j.value->>'month' AS month FROM json_each(?2) j", '?3'))
      .bind(siteId, JSON.stringify(part), markedAt),
  );
}

export function readFunnelDirty(db: D1Database, siteId: string, limit: number): D1PreparedStatement {
  return db
    .prepare('SELECT stage, month, marked_at FROM funnel_months_dirty WHERE site_id = ?1 ORDER BY marked_at, stage, month LIMIT ?2')
    .bind(siteId, limit);
}

/** Count and oldest mark of the months waiting, in one row. */
export function funnelBacklog(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT COUNT(*) AS months, MIN(marked_at) AS oldest FROM funnel_months_dirty WHERE site_id = ?1').bind(siteId);
}

/**
 * Every key whose first time of a stage falls in one of `runs` ([stage, from ms, to ms]), with its
 * record and its first touch's time and fields: one pass over the site's records, whatever the runs.
 */
export function funnelKeysIn(db: D1Database, siteId: string, runs: { stage: string; fromMs: number; toMs: number }[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT k.akey, k.stages, f.occurred_at AS first_at, f.touch_type, f.channel, f.source, f.medium, f.campaign, f.content, f.term
       FROM key_funnel k LEFT JOIN key_first_touch f ON f.site_id = ?1 AND f.akey = k.akey
       WHERE k.site_id = ?1 AND EXISTS (SELECT 1 FROM json_each(?2) r WHERE (k.stages ->> (r.value ->> 0)) BETWEEN r.value ->> 1 AND r.value ->> 2)`,
    )
    .bind(siteId, JSON.stringify(runs.map((r) => [firstTimePath(r.stage), r.fromMs, r.toMs])));
}

/** The stored rows of some months, every part (map each with `funnelMonthRowOf`). */
export function storedFunnelMonths(db: D1Database, siteId: string, months: FunnelMonth[]): D1PreparedStatement {
  return db
    .prepare(
      `SELECT m.stage, m.month, m.part, m.t0s, m.stages, ${GROUP_COLUMNS.map((c) => `m.${c}`).join(', ')} FROM json_each(?2) j
       CROSS JOIN funnel_months m ON m.site_id = ?1 AND m.stage = j.value ->> 0 AND m.month = j.value ->> 1`,
    )
    .bind(siteId, JSON.stringify(months.map((m) => [m.stage, m.month])));
}

export function funnelMonthRowOf(row: Record<string, unknown>): FunnelMonthRow {
  return {
    stage: row.stage as string,
    month: row.month as number,
    part: row.part as number,
    t0s: row.t0s as string,
    stages: row.stages as string,
    groups: GROUP_COLUMNS.map((c) => row[c] as string),
  };
}

/** One statement per row: a row is up to a megabyte, its columns bound as they are. */
export function upsertFunnelMonths(db: D1Database, siteId: string, rows: FunnelMonthRow[]): D1PreparedStatement[] {
  const values = GROUP_COLUMNS.map((_, i) => `?${7 + i}`).join(', ');
  const updates = ['t0s', 'stages', ...GROUP_COLUMNS].map((c) => `${c} = excluded.${c}`).join(', ');
  return rows.map((r) =>
    db
      .prepare(
        `INSERT INTO funnel_months (site_id, stage, month, part, t0s, stages, ${GROUP_COLUMNS.join(', ')}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ${values})
         ON CONFLICT (site_id, stage, month, part) DO UPDATE SET ${updates}`,
      )
      .bind(siteId, r.stage, r.month, r.part, r.t0s, r.stages, ...r.groups),
  );
}

export type FunnelPartId = Pick<FunnelMonthRow, 'stage' | 'month' | 'part'>;

export function deleteFunnelMonths(db: D1Database, siteId: string, rows: FunnelPartId[]): D1PreparedStatement[] {
  return deleteByKeys(db, 'funnel_months', siteId, rows.map((r) => [r.stage, r.month, r.part]));
}

/**
 * In a rebuild's write batch: aborts it (db/guard.ts) unless every month it read is still queued with
 * the mark it read — marked again means a key changed after the read; gone means another rebuild wrote it.
 */
export function guardFunnelMarks(db: D1Database, siteId: string, marks: DirtyFunnelMonth[]): D1PreparedStatement {
  return db
    .prepare(
      abortWhen(`(SELECT COUNT(*) FROM json_each(?2) j CROSS JOIN funnel_months_dirty d ON d.site_id = ?1
        AND d.stage = j.value ->> 0 AND d.month = j.value ->> 1 AND d.marked_at = j.value ->> 2) <> json_array_length(?2)`),
    )
    .bind(siteId, JSON.stringify(marks.map((m) => [m.stage, m.month, m.marked_at])));
}

export function dequeueFunnelMonths(db: D1Database, siteId: string, marks: DirtyFunnelMonth[]): D1PreparedStatement[] {
  return deleteByKeys(db, 'funnel_months_dirty', siteId, marks.map((m) => [m.stage, m.month, m.marked_at]));
}

/**
 * The report's read: the rows of one first stage over some months, as stored: each part's stages and
 * its groups of `dim`, and its t0s only in the first and last month (a month between them lies wholly
 * in the range). SQLite parses no JSON, and nothing of the other dimensions leaves it.
 */
export function funnelMonthsRead(db: D1Database, siteId: string, stage: string, months: { first: number; last: number }, dim: GroupBy) {
  return db
    .prepare(
      `SELECT month, CASE WHEN month IN (?3, ?4) THEN t0s END AS t0s, stages, ${FUNNEL_GROUP_COLUMNS[dim]} AS groups FROM funnel_months
       WHERE site_id = ?1 AND stage = ?2 AND month BETWEEN ?3 AND ?4 ORDER BY month, part`,
    )
    .bind(siteId, stage, months.first, months.last);
}
