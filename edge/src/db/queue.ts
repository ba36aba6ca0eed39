// The attribution job's queue of keys to recompute (attribution_dirty): one upsert for every path
// that marks keys, the reads of the next keys, and how a chunk takes its keys off or moves them on.
//
// A row says: recompute this key's conversions at or after (since, since_id), in (time, id) order.
// Marking a key again keeps the earliest start and stamps it anew — always with a later stamp than
// the one it had, even when two marks carry the same time — so a chunk that read the key before the
// new mark leaves it queued (the dequeue matches the stamp it read).
import { abortWhen } from './guard';
import { chunks } from './json-parts';

/** Whether the change that queues keys changed their touches ('touches') or only their conversions' credit. */
export type QueueCause = 'touches' | 'credit';

/**
 * The one upsert: `keysSql` yields rows (akey, since) — several per key are fine, the earliest wins
 * — and `mark` is the SQL of the stamp (a bound parameter). Site id is ?1. A change of touches also
 * records where they changed (touched_since, the earliest wins), which is when a key's first touch
 * must be found again (attribution/first-touch.ts); when unsure, say 'touches'.
 */
export function enqueueSql(keysSql: string, mark: string, cause: QueueCause = 'touches'): string {
  return `INSERT INTO attribution_dirty (site_id, akey, marked_at, since, since_id, touched_since)
  SELECT ?1, k.akey, ${mark}, MIN(k.since), '', ${cause === 'touches' ? 'MIN(k.since)' : 'NULL'}
  FROM (${keysSql}) AS k WHERE k.akey IS NOT NULL AND k.since IS NOT NULL GROUP BY k.akey
  ON CONFLICT (site_id, akey) DO UPDATE SET marked_at = MAX(excluded.marked_at, attribution_dirty.marked_at + 1),
    since = MIN(attribution_dirty.since, excluded.since),
    since_id = CASE WHEN excluded.since <= attribution_dirty.since THEN '' ELSE attribution_dirty.since_id END,
    touched_since = COALESCE(MIN(attribution_dirty.touched_since, excluded.touched_since), attribution_dirty.touched_since, excluded.touched_since)`;
}

const IDS_PER_STATEMENT = 1000;

/** Queues keys from the given times on (a list from the job, not from a scan). */
export function enqueueKeys(db: D1Database, siteId: string, keys: { akey: string; since: number }[], markedAt: number, cause: QueueCause): D1PreparedStatement[] {
  return chunks(keys, IDS_PER_STATEMENT).map((part) =>
    db
      .prepare(enqueueSql("SELECT j.value->>'akey' AS akey, j.value->>'since' AS since FROM json_each(?2) AS j", '?3', cause))
      .bind(siteId, JSON.stringify(part), markedAt),
  );
}

export interface DirtyKey {
  akey: string;
  marked_at: number;
  since: number;
  since_id: string;
  /** Where the key's touches changed; null when they did not. */
  touched_since: number | null;
}

/** The oldest marks first, so keys marked again and again never starve the ones behind them. */
export function readDirty(db: D1Database, siteId: string, limit: number): D1PreparedStatement {
  return db
    .prepare('SELECT akey, marked_at, since, since_id, touched_since FROM attribution_dirty WHERE site_id = ?1 ORDER BY marked_at, akey LIMIT ?2')
    .bind(siteId, limit);
}

export function countDirty(db: D1Database, siteId: string): D1PreparedStatement {
  return db.prepare('SELECT COUNT(*) AS n FROM attribution_dirty WHERE site_id = ?').bind(siteId);
}

/** Dequeues keys only if nobody marked them since they were read: a change made meanwhile is kept. */
export function dequeueKeys(db: D1Database, siteId: string, entries: { akey: string; marked_at: number }[]): D1PreparedStatement[] {
  return chunks(entries, IDS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        `DELETE FROM attribution_dirty WHERE site_id = ?1 AND (akey, marked_at) IN
           (SELECT j.value->>'akey', j.value->>'marked_at' FROM json_each(?2) AS j)`,
      )
      .bind(siteId, JSON.stringify(part)),
  );
}

/**
 * A heavy key's progress: its conversions before (since, sinceId) are done, and its first touch is
 * found. Only while the key's mark is the one read; a key marked meanwhile keeps its earlier start
 * and is redone from there.
 */
export function advanceKey(db: D1Database, siteId: string, entry: { akey: string; marked_at: number }, since: number, sinceId: string): D1PreparedStatement {
  return db
    .prepare('UPDATE attribution_dirty SET since = ?4, since_id = ?5, touched_since = NULL WHERE site_id = ?1 AND akey = ?2 AND marked_at = ?3')
    .bind(siteId, entry.akey, entry.marked_at, since, sinceId);
}

/**
 * Aborts the batch (db/guard.ts) unless each of these keys is still queued with the stamp the chunk
 * read: another run took the key (and wrote from newer data), or new data marked it, meanwhile.
 * Credit is guarded per conversion (guardCredit); this guards what is written per key.
 */
export function guardKeys(db: D1Database, siteId: string, entries: { akey: string; marked_at: number }[]): D1PreparedStatement[] {
  return chunks(entries, IDS_PER_STATEMENT).map((part) =>
    db
      .prepare(
        abortWhen(`EXISTS (SELECT 1 FROM json_each(?2) j
          LEFT JOIN attribution_dirty d ON d.site_id = ?1 AND d.akey = j.value->>'akey'
          WHERE d.marked_at IS NOT j.value->>'marked_at')`),
      )
      .bind(siteId, JSON.stringify(part.map((e) => ({ akey: e.akey, marked_at: e.marked_at })))),
  );
}
