// The funnel's reads: each cohort key's conversions by stage, and its first touch at or before its
// cohort conversion. Keys are attribution keys (schemas/akey.ts); every statement is keyed by site.
import { CONVERSION_AKEY_SQL } from '../../../schemas/akey';
import type { GroupBy } from '../../../schemas/dimensions';
import { chunks } from './json-parts';

export interface CohortRow {
  akey: string;
  /** The key's first conversion of the first stage (epoch ms). */
  t0: number;
  /** JSON {"<stage>": earliest conversion of that stage at or after t0}; null or {} when none. */
  reached: string | null;
}

/**
 * Every key whose first conversion of ?3 (its earliest ever) falls in ?4–?5, with its earliest
 * conversion of each other stage at or after that one. ?2 lists {stage, from}: the first stage is
 * read from the beginning (to find each key's first), the others only from ?4 on, since what counts
 * lies after a cohort conversion. One row per key.
 */
export function funnelCohort(db: D1Database, siteId: string, firstStage: string, otherStages: string[], fromMs: number, toMs: number) {
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
       SELECT k.akey, k.t0, json_group_object(l.stage, l.at) FILTER (WHERE l.stage IS NOT NULL) AS reached
       FROM cohort k LEFT JOIN later l ON l.akey = k.akey GROUP BY k.akey, k.t0`,
    )
    .bind(siteId, JSON.stringify(reads), firstStage, fromMs, toMs);
}

/** A key's first touch at or before its cohort conversion: its time, id and the grouped field. */
export interface FirstTouch {
  akey: string;
  occurred_at: number;
  touch_id: string;
  /** The touch's value of the grouped dimension (null for account, or when the touch has none). */
  field: string | null;
}

/**
 * The first touch (time, then id) of one index path at or before j.value->>'t', through `column` =
 * `value` and the `only` filters that keep touches to the key they belong to.
 */
const firstBy = (column: string, value: string, only = '') =>
  `t.rowid = (SELECT rowid FROM touches WHERE site_id = ?1 AND ${column} = ${value} ${only} AND occurred_at <= j.value->>'t'
     ORDER BY occurred_at, touch_id LIMIT 1)`;
const ANONYMOUS = 'AND +account_domain IS NULL AND +contact_id IS NULL';

/**
 * A key's touches reach it as the job stitches them (schemas/akey.ts): an account's own touches, its
 * contacts' touches without an explicit account, and its contacts' linked visitors' anonymous
 * touches; a personal key's contact and linked visitors likewise; a lone visitor's anonymous touches.
 * Each path finds its first touch with one index seek per account, contact or visitor. ?2 is [{k, id, t}].
 */
const PATHS = {
  account: [
    `FROM json_each(?2) j CROSS JOIN touches t ON ${firstBy('account_domain', "j.value->>'id'")}`,
    `FROM json_each(?2) j CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
       CROSS JOIN touches t ON ${firstBy('contact_id', 'ct.contact_id', 'AND +account_domain IS NULL')}`,
    `FROM json_each(?2) j CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
       CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = ct.contact_id
       CROSS JOIN touches t ON ${firstBy('visitor_id', 'l.visitor_id', ANONYMOUS)}`,
  ],
  personal: [
    `FROM json_each(?2) j CROSS JOIN touches t ON ${firstBy('contact_id', "j.value->>'id'", 'AND +account_domain IS NULL')}`,
    `FROM json_each(?2) j CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = j.value->>'id'
       CROSS JOIN touches t ON ${firstBy('visitor_id', 'l.visitor_id', ANONYMOUS)}`,
  ],
  visitor: [
    `FROM json_each(?2) j CROSS JOIN touches t ON ${firstBy('visitor_id', "j.value->>'id'", ANONYMOUS)}
       WHERE NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = j.value->>'id')`,
  ],
};

/** The touch column of each dimension (constant text, never input); account comes from the key. */
const FIELD_COLUMNS: Record<GroupBy, string> = {
  touch_type: 't.touch_type',
  channel: 't.channel',
  source: 't.source',
  medium: 't.medium',
  campaign: 't.campaign',
  content: 't.content',
  term: 't.term',
  account: 'NULL',
};

/**
 * One row per key: the earliest of its paths' first touches. SQLite takes the other columns from the
 * row that holds the MIN, and the MIN of time-then-id text is the first touch in the job's order.
 */
const firstTouchSql = (kind: keyof typeof PATHS, dim: GroupBy) =>
  `SELECT akey, MIN(printf('%015d|%s', occurred_at, touch_id)) AS ordered, occurred_at, touch_id, field FROM (
     ${PATHS[kind].map((from) => `SELECT j.value->>'k' AS akey, t.occurred_at, t.touch_id, ${FIELD_COLUMNS[dim]} AS field ${from}`).join('\n     UNION ALL ')}
   ) GROUP BY akey`;

const KEYS_PER_STATEMENT = 1000;

export interface FirstTouchRequest {
  akey: string;
  /** The domain, contact id or visitor id the key names. */
  id: string;
  kind: keyof typeof PATHS;
  /** At or before (epoch ms). */
  t: number;
}

/** The first touch of each key that has one, with its value of `dim`, for one batch. */
export function firstTouchStatements(db: D1Database, siteId: string, keys: FirstTouchRequest[], dim: GroupBy): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (const kind of Object.keys(PATHS) as (keyof typeof PATHS)[]) {
    for (const part of chunks(keys.filter((k) => k.kind === kind), KEYS_PER_STATEMENT)) {
      const param = JSON.stringify(part.map((k) => ({ k: k.akey, id: k.id, t: k.t })));
      statements.push(db.prepare(firstTouchSql(kind, dim)).bind(siteId, param));
    }
  }
  return statements;
}
