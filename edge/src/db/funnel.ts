// The funnel's read: each cohort key's record of its conversions (db/key-funnel.ts) with its first
// touch, both as the job keeps them (db/first-touch.ts). Keys are attribution keys (schemas/akey.ts).
import type { GroupBy } from '../../../schemas/dimensions';
import { firstTimePath } from '../../../schemas/key-funnel';

export interface CohortRow {
  akey: string;
  /** The key's first conversion of the first stage (epoch ms). */
  t0: number;
  /** The key's record: JSON of schemas/key-funnel.ts's KeyFunnelRecord. */
  stages: string;
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
 * Every key whose first conversion of `firstStage` (its earliest ever: the first time in its record)
 * falls in ?3–?4, with its record, its stored first touch and that touch's `dim`. One small row per
 * key of the site is read; nothing is derived.
 */
export function funnelCohort(db: D1Database, siteId: string, firstStage: string, fromMs: number, toMs: number, dim: GroupBy) {
  return db
    .prepare(
      `SELECT k.akey, k.t0, k.stages, f.occurred_at AS first_at, ${FIELD_COLUMNS[dim]} AS field
       FROM (SELECT akey, stages, stages ->> ?2 AS t0 FROM key_funnel WHERE site_id = ?1) k
         LEFT JOIN key_first_touch f ON f.site_id = ?1 AND f.akey = k.akey
       WHERE k.t0 BETWEEN ?3 AND ?4`,
    )
    .bind(siteId, firstTimePath(firstStage), fromMs, toMs);
}
