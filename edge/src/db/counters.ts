// Daily per-site counters (events, touches, conversions, duplicates, bots, rejected) behind /v1/quality.

export type CounterName = 'events' | 'touches' | 'conversions' | 'duplicates' | 'bots' | 'rejected';

/** What one request counts: how many valid items it sent of `kind`, and how many it rejected. */
export interface Tally {
  kind: Extract<CounterName, 'events' | 'touches' | 'conversions'>;
  /** Valid items sent; those the write did not store (or change) count as duplicates. */
  items: number;
  /** Rejected items, bots included. */
  rejected: number;
  bots: number;
}

/**
 * The counter upsert, run in the request's write batch right after the statement that stores
 * `kind` (`afterWrite`), so that a request costs one D1 round trip. SQLite's changes() is then
 * that statement's count of rows inserted or changed — exactly the new items, as its ON CONFLICT
 * skips duplicates — and it is read before this statement's own inserts count (SQLite sets it
 * when a statement ends). Without a preceding write (nothing valid was sent), nothing was new.
 * Verified on local D1 (workerd's SQLite, tests/worker/counters.test.ts); MIN(…, items) keeps a
 * surprise elsewhere from ever counting more new items than were sent.
 */
export function countRequest(db: D1Database, siteId: string, at: number, t: Tally, afterWrite: boolean): D1PreparedStatement {
  const day = new Date(at).toISOString().slice(0, 10);
  return db
    .prepare(
      `WITH fresh(n) AS (SELECT CASE WHEN ?7 THEN MIN(changes(), ?4) ELSE 0 END)
       INSERT INTO site_counters (site_id, day, metric, n)
       SELECT ?1, ?2, m.metric, m.n FROM (
         SELECT ?3 AS metric, fresh.n AS n FROM fresh
         UNION ALL SELECT 'duplicates', ?4 - fresh.n FROM fresh
         UNION ALL SELECT 'rejected', ?5 - ?6
         UNION ALL SELECT 'bots', ?6
       ) AS m WHERE m.n > 0
       ON CONFLICT (site_id, day, metric) DO UPDATE SET n = site_counters.n + excluded.n`,
    )
    .bind(siteId, day, t.kind, t.items, t.rejected, t.bots, afterWrite ? 1 : 0);
}
