// The funnel's read: each cohort key's conversions by stage, with the key's first touch as the job
// keeps it (db/first-touch.ts). Keys are attribution keys (schemas/akey.ts); keyed by site.
import { CONVERSION_AKEY_SQL } from '../../../schemas/akey';
import type { GroupBy } from '../../../schemas/dimensions';

export interface CohortRow {
  akey: string;
  /** The key's first conversion of the first stage (epoch ms). */
  t0: number;
  /** JSON {"<stage>": earliest conversion of that stage at or after t0}; null or {} when none. */
  reached: string | null;
  /** The key's first touch (epoch ms), null when the job has found none. */
  first_at: number | null;
  /** That touch's value of the grouped dimension (null for account, or when the touch has none). */
  field: string | null;
}

/** The stored first touch's column of each dimension (constant text, never input); account comes from the key. */
const FIELD_COLUMNS: Record<GroupBy, string> = {
  touch_type: 'f.touch_type',
  channel: 'f.channel',
  source: 'f.source',
  medium: 'f.medium',
  campaign: 'f.campaign',
  content: 'f.content',
  term: 'f.term',
  account: 'NULL',
};

/**
 * Every key whose first conversion of ?3 (its earliest ever) falls in ?4–?5, with its earliest
 * conversion of each other stage at or after that one. ?2 lists {stage, from}: the first stage is
 * read from the beginning (to find each key's first), the others only from ?4 on, since what counts
 * lies after a cohort conversion. One row per key, with its stored first touch and that touch's `dim`.
 */
export function funnelCohort(db: D1Database, siteId: string, firstStage: string, otherStages: string[], fromMs: number, toMs: number, dim: GroupBy) {
  const reads = [{ stage: firstStage, from: 0 }, ...otherStages.map((stage) => ({ stage, from: fromMs }))];
  return db
    .prepare(
      `WITH c AS MATERIALIZED (
         SELECT ${CONVERSION_AKEY_SQL} AS akey, cv.stage, cv.occurred_at AS at
         FROM json_each(?2) s CROSS JOIN conversions cv INDEXED BY conversions_by_time
           ON cv.site_id = ?1 AND cv.stage = s.value->>'stage' AND cv.occurred_at >= s.value->>'from'),
       cohort AS (SELECT akey, MIN(at) AS t0 FROM c WHERE stage = ?3 GROUP BY akey HAVING MIN(at) BETWEEN ?4 AND ?5),
       later AS (SELECT k.akey, c.stage, MIN(c.at) AS at FROM cohort k CROSS JOIN c ON c.akey = k.akey AND c.at >= k.t0 AND c.stage <> ?3
                 GROUP BY k.akey, c.stage)
       SELECT k.akey, k.t0, json_group_object(l.stage, l.at) FILTER (WHERE l.stage IS NOT NULL) AS reached,
         f.occurred_at AS first_at, ${FIELD_COLUMNS[dim]} AS field
       FROM cohort k LEFT JOIN later l ON l.akey = k.akey
         LEFT JOIN key_first_touch f ON f.site_id = ?1 AND f.akey = k.akey
       GROUP BY k.akey, k.t0`,
    )
    .bind(siteId, JSON.stringify(reads), firstStage, fromMs, toMs);
}

