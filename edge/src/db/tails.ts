// Each key's non-converting journey as stored between fits (key_tails, migration 0016), the keys whose
// row is out of date (key_tails_dirty), and the site's mark that every row is there (tails_at).
//
// A fit learns from every key's last window of touches; reading those for every key of a large site
// costs about as much as reading all its touches. The rows let a fit recompute only the keys whose
// touches, identities or conversions changed since the last one. Who writes rows: the fit, and a
// credit chunk of a full recompute for the keys it finishes (it holds their touches). Who marks a
// key: the job's change scan (db/attribution.ts), for every key its credit scan would queue and every
// lone visitor with new touches; ingest for an account a contact leaves (db/identity.ts); erasure for
// the person's accounts; a channel-rule walk for the keys of the touches it reclassifies
// (db/channel-rules.ts). What clears every row and mark: a full scan (a change of settings, such as
// the window, or `?full=true`); the next fit then computes every key that has no row or a mark.
import type { TailRow } from '../../../schemas/credit';
import { chunks, jsonParts } from './json-parts';

/** A mark's `since` when only the key's conversions changed: no touch of it is to be read again. */
export const NO_TOUCH_CHANGED = 8_640_000_000_000_000;

/**
 * Marks the keys `keysSql` yields (rows with `akey` and `since` columns: the key's touches at or after
 * `since` may have changed; site id is ?1) with the stamp `mark` (SQL of a bound parameter). Marking
 * again keeps the earliest since and stamps anew, always later, so a fit that read a key before the
 * new mark leaves it marked.
 */
export function markTailsSql(keysSql: string, mark: string): string {
  return `INSERT INTO key_tails_dirty (site_id, akey, since, marked_at)
  SELECT ?1, k.akey, MIN(COALESCE(k.since, ${NO_TOUCH_CHANGED})), ${mark} FROM (${keysSql}) AS k WHERE k.akey IS NOT NULL GROUP BY k.akey
  ON CONFLICT (site_id, akey) DO UPDATE SET since = MIN(excluded.since, key_tails_dirty.since),
    marked_at = MAX(excluded.marked_at, key_tails_dirty.marked_at + 1)`;
}

/** Whether every key's row was computed (tails_at set): if not, the next fit computes them all. */
export function readTailsAt(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT tails_at FROM attribution_state WHERE site_id = ?1').bind(siteId);
}

/** At a full scan, before every key is computed again: no row or mark of an earlier computation is left. */
export function clearTails(db: D1Database, siteId: string): D1PreparedStatement[] {
  return [db.prepare('DELETE FROM key_tails WHERE site_id = ?1').bind(siteId), db.prepare('DELETE FROM key_tails_dirty WHERE site_id = ?1').bind(siteId)];
}

export function markTailsComplete(db: D1Database, siteId: string, at: number): D1PreparedStatement {
  return db.prepare('UPDATE attribution_state SET tails_at = ?2 WHERE site_id = ?1').bind(siteId, at);
}

/** A page of marked keys, each with its stored row when it has one (what a fit keeps of it). */
export function readDirtyTails(db: D1Database, siteId: string, after: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT d.akey, d.since, d.marked_at, k.latest, k.journey, k.ages FROM key_tails_dirty d
       LEFT JOIN key_tails k ON k.site_id = ?1 AND k.akey = d.akey
       WHERE d.site_id = ?1 AND d.akey > ?2 ORDER BY d.akey LIMIT ?3`,
    )
    .bind(siteId, after, limit);
}

/** The marks some keys have now (marked_at by akey): a row computed after this read may take them off (writeTails). */
export function readTailMarks(db: D1Database, siteId: string, akeys: readonly string[]): D1PreparedStatement {
  return db
    .prepare('SELECT akey, marked_at FROM key_tails_dirty WHERE site_id = ?1 AND akey IN (SELECT value FROM json_each(?2))')
    .bind(siteId, JSON.stringify(akeys));
}

/**
 * Which full scan a write belongs to (credit chunks write rows: attribution/chunk.ts): the site's
 * settings hash and last full scan as the run that computed the rows read them. A chunk may commit
 * after another run's full scan cleared every row; its rows are then left out, since that scan
 * neither kept the window they were computed with nor marked what changed before it.
 */
export interface TailsEra {
  settingsHash: string;
  fullAt: number | null;
}

/**
 * Writes recomputed rows and removes the rows of keys left without touches, then takes the keys'
 * marks off, each only if it is still the one read (`marks`; a key with no mark read has none): a
 * key marked meanwhile keeps its mark, and its row is recomputed by the next fit. With `era`, none
 * of it happens unless the site is still in that era.
 */
export function writeTails(db: D1Database, siteId: string, rows: TailRow[], emptied: string[], marks: ReadonlyMap<string, number>, era?: TailsEra): D1PreparedStatement[] {
  const guard = era ? ' AND EXISTS (SELECT 1 FROM attribution_state s WHERE s.site_id = ?1 AND s.settings_hash = ?3 AND s.last_full_at IS ?4)' : '';
  const bind = (stmt: D1PreparedStatement, json: string) => (era ? stmt.bind(siteId, json, era.settingsHash, era.fullAt) : stmt.bind(siteId, json));
  const encoded = rows.map((r) => JSON.stringify([r.akey, r.latest, r.journey, r.ages, r.cuts]));
  const upserts = jsonParts(encoded, 500_000, 1000).map((json) =>
    bind(
      db.prepare(
        `INSERT INTO key_tails (site_id, akey, latest, journey, ages, cuts)
         SELECT ?1, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->>4 FROM json_each(?2) AS j WHERE true${guard}
         ON CONFLICT (site_id, akey) DO UPDATE SET latest = excluded.latest, journey = excluded.journey, ages = excluded.ages, cuts = excluded.cuts`,
      ),
      json,
    ),
  );
  const deletes = chunks(emptied, 1000).map((part) =>
    bind(db.prepare(`DELETE FROM key_tails WHERE site_id = ?1 AND akey IN (SELECT value FROM json_each(?2))${guard}`), JSON.stringify(part)),
  );
  const unmark = chunks([...marks], 1000).map((part) =>
    bind(
      db.prepare(`DELETE FROM key_tails_dirty WHERE site_id = ?1 AND (akey, marked_at) IN (SELECT j.value->>0, j.value->>1 FROM json_each(?2) AS j)${guard}`),
      JSON.stringify(part),
    ),
  );
  return [...upserts, ...deletes, ...unmark];
}

/**
 * The stored tails of keys last touched at or after ?2 (older ones give no journey), each distinct
 * (journey, cuts) once with how many keys have it: most keys share a one- or two-channel tail.
 */
export function readTails(db: D1Database, siteId: string, lastFrom: number): D1PreparedStatement {
  return db
    .prepare('SELECT journey, cuts, COUNT(*) AS n FROM key_tails WHERE site_id = ?1 AND latest >= ?2 GROUP BY journey, cuts')
    .bind(siteId, lastFrom);
}
