// The attribution job's reads: its per-site state, the change scan that fills the dirty-key queue,
// and the loads of one chunk's conversions and touches. Stitching rules: attribution/stitch.ts.

/**
 * The key a conversion is credited under (stitch.ts rules 1–5), as SQL over a row `cv`. Constant
 * text, never values: it is spliced into the statements below, whose values are all bound.
 */
export const CONVERSION_AKEY = `COALESCE(
  cv.account_domain,
  (SELECT COALESCE(ct.account_domain, '(personal):' || ct.contact_id) FROM contacts ct
    WHERE ct.site_id = cv.site_id AND ct.contact_id = cv.contact_id),
  (SELECT COALESCE(ct.account_domain, '(personal):' || ct.contact_id)
    FROM identity_links l JOIN contacts ct ON ct.site_id = l.site_id AND ct.contact_id = l.contact_id
    WHERE l.site_id = cv.site_id AND l.visitor_id = cv.visitor_id
    ORDER BY l.linked_at DESC, l.contact_id DESC LIMIT 1),
  '(visitor):' || cv.visitor_id,
  '(none):' || cv.conversion_id)`;

/** Every key a set of touches `changed(account_domain, contact_id, visitor_id)` belongs to (rules 1–4). */
const CHANGED_TOUCH_AKEYS = `
  SELECT account_domain AS akey FROM changed WHERE account_domain IS NOT NULL
  UNION SELECT COALESCE(ct.account_domain, '(personal):' || ct.contact_id)
    FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id
    WHERE ch.account_domain IS NULL
  UNION SELECT COALESCE(ct.account_domain, '(personal):' || ct.contact_id)
    FROM changed ch CROSS JOIN identity_links l ON l.site_id = ?1 AND l.visitor_id = ch.visitor_id
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = l.contact_id
    WHERE ch.account_domain IS NULL AND ch.contact_id IS NULL
  -- An anonymous visitor's key only matters when one of its conversions can be credited there.
  UNION SELECT '(visitor):' || ch.visitor_id FROM changed ch
    WHERE ch.account_domain IS NULL AND ch.contact_id IS NULL AND ch.visitor_id IS NOT NULL
      AND EXISTS (SELECT 1 FROM conversions cv WHERE cv.site_id = ?1 AND cv.visitor_id = ch.visitor_id)`;

const ENQUEUE = `INSERT INTO attribution_dirty (site_id, akey, marked_at)
  SELECT ?1, akey, ?4 FROM (%KEYS%) WHERE akey IS NOT NULL
  ON CONFLICT (site_id, akey) DO UPDATE SET marked_at = excluded.marked_at`;

/**
 * Each enqueue statement reads changes in (?2, ?3] and marks keys with ?4. CROSS JOIN keeps the
 * few changed rows as the outer loop: without statistics SQLite would rather scan the site's contacts.
 */
const SCANS = {
  // New touches, and touches upgraded to form_fill by a form received since (no received_at change).
  touches: `WITH changed AS (
      SELECT account_domain, contact_id, visitor_id FROM touches
        WHERE site_id = ?1 AND received_at > ?2 AND received_at <= ?3
      UNION SELECT t.account_domain, t.contact_id, t.visitor_id FROM events e
        JOIN touches t ON t.site_id = ?1 AND t.session_id = e.session_id
        WHERE e.site_id = ?1 AND e.type = 'form' AND e.received_at > ?2 AND e.received_at <= ?3)
    ${ENQUEUE.replace('%KEYS%', CHANGED_TOUCH_AKEYS)}`,
  // A new link moves the visitor's history to the contact's key, and may move the visitor's
  // conversions away from the key they were credited under.
  links: `WITH changed AS (
      SELECT visitor_id, contact_id FROM identity_links WHERE site_id = ?1 AND received_at > ?2 AND received_at <= ?3)
    ${ENQUEUE.replace(
      '%KEYS%',
      `SELECT COALESCE(ct.account_domain, '(personal):' || ct.contact_id) AS akey
         FROM changed ch CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = ch.contact_id
       UNION SELECT m.akey FROM changed ch
         CROSS JOIN conversions cv ON cv.site_id = ?1 AND cv.visitor_id = ch.visitor_id
         CROSS JOIN attribution_conversions m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id`,
    )}`,
  // A free-mail contact given an account moves from its personal key to that account.
  contacts: ENQUEUE.replace(
    '%KEYS%',
    `SELECT COALESCE(account_domain, '(personal):' || contact_id) AS akey FROM contacts
       WHERE site_id = ?1 AND updated_at > ?2 AND updated_at <= ?3
     UNION SELECT m.akey FROM contacts ct
       JOIN attribution_conversions m ON m.site_id = ?1 AND m.akey = '(personal):' || ct.contact_id
       WHERE ct.site_id = ?1 AND ct.updated_at > ?2 AND ct.updated_at <= ?3 AND ct.account_domain IS NOT NULL`,
  ),
  // A changed conversion is recomputed where it now belongs and removed from where it was.
  conversions: ENQUEUE.replace(
    '%KEYS%',
    `SELECT ${CONVERSION_AKEY} AS akey FROM conversions cv
       WHERE cv.site_id = ?1 AND cv.updated_at > ?2 AND cv.updated_at <= ?3
     UNION SELECT m.akey FROM conversions cv
       JOIN attribution_conversions m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id
       WHERE cv.site_id = ?1 AND cv.updated_at > ?2 AND cv.updated_at <= ?3`,
  ),
};

/** Full recompute: every key a conversion belongs to now or was last credited under. */
const SCAN_ALL = ENQUEUE.replace(
  '%KEYS%',
  `SELECT ${CONVERSION_AKEY} AS akey FROM conversions cv WHERE cv.site_id = ?1
   UNION SELECT akey FROM attribution_conversions WHERE site_id = ?1`,
);

export interface AttributionState {
  watermark: number;
  settings_hash: string;
  last_run_at: number;
  last_full_at: number | null;
}

export function readState(db: D1Database, siteId: string): Promise<AttributionState | null> {
  return db
    .prepare('SELECT watermark, settings_hash, last_run_at, last_full_at FROM attribution_state WHERE site_id = ?')
    .bind(siteId)
    .first<AttributionState>();
}

export interface ScanWindow {
  full: boolean;
  from: number;
  to: number;
  settingsHash: string;
}

/**
 * The scan's statements: enqueue the keys changed in (from, to], then advance the watermark to
 * `to`. Run as one batch, the queue and the watermark move together, so a crash never loses a change.
 */
export function scanStatements(db: D1Database, siteId: string, w: ScanWindow): D1PreparedStatement[] {
  const sqls = w.full ? [SCAN_ALL] : Object.values(SCANS);
  const statements = sqls.map((sql) => db.prepare(sql).bind(siteId, w.from, w.to, w.to));
  statements.push(
    db
      .prepare(
        `INSERT INTO attribution_state (site_id, watermark, settings_hash, last_run_at, last_full_at)
         VALUES (?1, ?2, ?3, ?2, CASE WHEN ?4 THEN ?2 END)
         ON CONFLICT (site_id) DO UPDATE SET watermark = excluded.watermark, settings_hash = excluded.settings_hash,
           last_run_at = excluded.last_run_at, last_full_at = COALESCE(excluded.last_full_at, attribution_state.last_full_at)`,
      )
      .bind(siteId, w.to, w.settingsHash, w.full ? 1 : 0),
  );
  return statements;
}

export interface DirtyKey {
  akey: string;
  marked_at: number;
  /** A heavy key's last conversion id already credited since it was marked, or null. */
  cursor: string | null;
}

/** The next keys to recompute, with a heavy key's progress when it was saved under the current mark. */
export async function readDirty(db: D1Database, siteId: string, limit: number): Promise<DirtyKey[]> {
  const { results } = await db
    .prepare(
      `SELECT d.akey, d.marked_at, p.cursor FROM attribution_dirty d
       LEFT JOIN attribution_progress p ON p.site_id = d.site_id AND p.akey = d.akey AND p.marked_at = d.marked_at
       WHERE d.site_id = ?1 ORDER BY d.akey LIMIT ?2`,
    )
    .bind(siteId, limit)
    .all<DirtyKey>();
  return results;
}

export async function countDirty(db: D1Database, siteId: string): Promise<number> {
  const row = await db.prepare('SELECT COUNT(*) AS n FROM attribution_dirty WHERE site_id = ?').bind(siteId).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Sites, least recently attributed first, so that a cron run cut short does not starve the last ones. */
export async function listSitesByLastRun(db: D1Database): Promise<string[]> {
  const { results } = await db
    .prepare(
      `SELECT s.id FROM sites s LEFT JOIN attribution_state a ON a.site_id = s.id
       ORDER BY a.last_run_at IS NOT NULL, a.last_run_at, s.id`,
    )
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

export interface CandidateConversion {
  conversion_id: string;
  stage: string;
  occurred_at: number;
  opportunity_id: string | null;
  amount_cents: number | null;
  /** Where it belongs now. */
  akey: string;
  /** Where it was last credited, if anywhere. */
  mapped_akey: string | null;
}

/** Each statement reaches candidates through one index; ?2 is a JSON list (D1 caps compound SELECTs, so no UNIONs). */
const CANDIDATE_PATHS = {
  byAccount: 'cv.account_domain IN (SELECT value FROM json_each(?2))',
  byAccountContacts: `cv.contact_id IN (SELECT contact_id FROM contacts
    WHERE site_id = ?1 AND account_domain IN (SELECT value FROM json_each(?2)))`,
  byAccountVisitors: `cv.visitor_id IN (SELECT l.visitor_id FROM contacts ct
    JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = ct.contact_id
    WHERE ct.site_id = ?1 AND ct.account_domain IN (SELECT value FROM json_each(?2)))`,
  byContacts: 'cv.contact_id IN (SELECT value FROM json_each(?2))',
  byContactVisitors: `cv.visitor_id IN (SELECT visitor_id FROM identity_links
    WHERE site_id = ?1 AND contact_id IN (SELECT value FROM json_each(?2)))`,
  byVisitors: 'cv.visitor_id IN (SELECT value FROM json_each(?2))',
  byIds: 'cv.conversion_id IN (SELECT value FROM json_each(?2))',
  byCreditedKey: `cv.conversion_id IN (SELECT conversion_id FROM attribution_conversions
    WHERE site_id = ?1 AND akey IN (SELECT value FROM json_each(?2)))`,
};

const candidateSql = (where: string) =>
  `SELECT cv.conversion_id, cv.stage, cv.occurred_at, cv.opportunity_id, cv.amount_cents,
          ${CONVERSION_AKEY} AS akey, m.akey AS mapped_akey
   FROM conversions cv LEFT JOIN attribution_conversions m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id
   WHERE cv.site_id = ?1 AND ${where}`;

/**
 * Every conversion that belongs to one of the keys now or was last credited under one of them, in
 * one round trip. The paths over-approximate (an account's contact may have a conversion with an
 * explicit other account); the caller keeps rows whose `akey` or `mapped_akey` is in the chunk.
 * Conversions are never deleted, so a credited conversion is always found again.
 */
export async function loadCandidateConversions(
  db: D1Database,
  siteId: string,
  lists: { domains: string[]; contacts: string[]; visitors: string[]; conversions: string[] },
  akeys: string[],
): Promise<CandidateConversion[]> {
  const statements: D1PreparedStatement[] = [];
  const add = (where: string, list: string[]) => {
    if (list.length) statements.push(db.prepare(candidateSql(where)).bind(siteId, JSON.stringify(list)));
  };
  add(CANDIDATE_PATHS.byAccount, lists.domains);
  add(CANDIDATE_PATHS.byAccountContacts, lists.domains);
  add(CANDIDATE_PATHS.byAccountVisitors, lists.domains);
  add(CANDIDATE_PATHS.byContacts, lists.contacts);
  add(CANDIDATE_PATHS.byContactVisitors, lists.contacts);
  add(CANDIDATE_PATHS.byVisitors, lists.visitors);
  add(CANDIDATE_PATHS.byIds, lists.conversions);
  add(CANDIDATE_PATHS.byCreditedKey, akeys);
  if (!statements.length) return [];
  const byId = new Map<string, CandidateConversion>();
  for (const r of await db.batch<CandidateConversion>(statements)) {
    for (const row of r.results) byId.set(row.conversion_id, row);
  }
  return [...byId.values()];
}

/** A key's touch range: [first conversion − window, last conversion], inclusive. */
export interface TouchRange {
  akey: string;
  from: number;
  to: number;
}

export interface LoadedTouch {
  akey: string;
  touch_id: string;
  occurred_at: number;
  channel: string;
  touch_type: string;
}

const TOUCH_COLUMNS = "j.value->>'k' AS akey, t.touch_id, t.occurred_at, t.channel, t.touch_type";
const IN_RANGE = "t.occurred_at >= j.value->>'f' AND t.occurred_at <= j.value->>'t'";

/**
 * Each statement walks one index from the chunk's keys; ?2 is [{k, id, f, t}]. CROSS JOIN fixes the
 * join order (SQLite's planner otherwise guesses json_each is large and scans the site's touches),
 * and the unary + keeps the NULL filters off the index, so the range on occurred_at is used.
 */
const TOUCH_PATHS = {
  // Account-level touches (offline touches sent with account_domain, or with a business email).
  accountDirect: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.account_domain = j.value->>'id' AND ${IN_RANGE}`,
  accountContacts: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
    CROSS JOIN touches t ON t.site_id = ?1 AND t.contact_id = ct.contact_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL`,
  accountVisitors: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.account_domain = j.value->>'id'
    CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = ct.contact_id
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = l.visitor_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL`,
  personalDirect: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.contact_id = j.value->>'id' AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL`,
  personalVisitors: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN identity_links l ON l.site_id = ?1 AND l.contact_id = j.value->>'id'
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = l.visitor_id AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL`,
  visitor: `SELECT ${TOUCH_COLUMNS} FROM json_each(?2) j
    CROSS JOIN touches t ON t.site_id = ?1 AND t.visitor_id = j.value->>'id' AND ${IN_RANGE}
    WHERE +t.account_domain IS NULL AND +t.contact_id IS NULL
      AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)`,
};

export interface TouchRequest {
  accounts: (TouchRange & { id: string })[];
  personal: (TouchRange & { id: string })[];
  visitors: (TouchRange & { id: string })[];
}

/**
 * The touches of the chunk's keys within their ranges, in one round trip. A touch reached through
 * several linked contacts of one account comes back more than once; the caller dedupes by id.
 */
export async function loadTouches(db: D1Database, siteId: string, req: TouchRequest): Promise<LoadedTouch[]> {
  const param = (list: (TouchRange & { id: string })[]) =>
    JSON.stringify(list.map((r) => ({ k: r.akey, id: r.id, f: r.from, t: r.to })));
  const statements: D1PreparedStatement[] = [];
  const add = (sql: string, list: (TouchRange & { id: string })[]) => {
    if (list.length) statements.push(db.prepare(sql).bind(siteId, param(list)));
  };
  add(TOUCH_PATHS.accountDirect, req.accounts);
  add(TOUCH_PATHS.accountContacts, req.accounts);
  add(TOUCH_PATHS.accountVisitors, req.accounts);
  add(TOUCH_PATHS.personalDirect, req.personal);
  add(TOUCH_PATHS.personalVisitors, req.personal);
  add(TOUCH_PATHS.visitor, req.visitors);
  if (!statements.length) return [];
  const results = await db.batch<LoadedTouch>(statements);
  return results.flatMap((r) => r.results);
}
