// Raw events: one row per (site, event id). Rows go in as one JSON parameter read by json_each,
// so a whole batch is one statement whatever its size, within D1's 100-parameter limit.

export interface EventRow {
  event_id: string;
  type: 'page' | 'identify' | 'track' | 'form' | 'conversion';
  source: 'web' | 'server';
  visitor_id: string | null;
  contact_id: string | null;
  session_id: string | null;
  name: string | null;
  url: string | null;
  referrer: string | null;
  props: string | null;
  occurred_at: number;
}

/** Inserts new events; RETURNING lists the ids that were new, so the rest are duplicates. */
export function insertEvents(db: D1Database, siteId: string, rows: EventRow[], receivedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO events (site_id, event_id, type, source, visitor_id, contact_id, session_id, name, url,
                           referrer, props, occurred_at, received_at)
       SELECT ?1, j.value->>'event_id', j.value->>'type', j.value->>'source', j.value->>'visitor_id',
              j.value->>'contact_id', j.value->>'session_id', j.value->>'name', j.value->>'url',
              j.value->>'referrer', j.value->>'props', j.value->>'occurred_at', ?3
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, event_id) DO NOTHING
       RETURNING event_id`,
    )
    .bind(siteId, JSON.stringify(rows), receivedAt);
}

export async function countEvents(db: D1Database, siteId: string): Promise<number> {
  const row = await db.prepare('SELECT COUNT(*) AS n FROM events WHERE site_id = ?').bind(siteId).first<{ n: number }>();
  return row?.n ?? 0;
}
