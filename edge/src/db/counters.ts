// Daily per-site counters (events, duplicates, bots, rejected) behind /v1/quality.

export type CounterName = 'events' | 'touches' | 'conversions' | 'duplicates' | 'bots' | 'rejected';

export function bumpCounters(
  db: D1Database,
  siteId: string,
  at: number,
  counts: Partial<Record<CounterName, number>>,
): D1PreparedStatement | null {
  const rows = Object.entries(counts).filter(([, n]) => n && n > 0).map(([metric, n]) => ({ metric, n }));
  if (rows.length === 0) return null;
  const day = new Date(at).toISOString().slice(0, 10);
  return db
    .prepare(
      `INSERT INTO site_counters (site_id, day, metric, n)
       SELECT ?1, ?2, j.value->>'metric', j.value->>'n' FROM json_each(?3) AS j WHERE true
       ON CONFLICT (site_id, day, metric) DO UPDATE SET n = site_counters.n + excluded.n`,
    )
    .bind(siteId, day, JSON.stringify(rows));
}

export async function readCounters(db: D1Database, siteId: string): Promise<Record<CounterName, number>> {
  const { results } = await db
    .prepare('SELECT metric, SUM(n) AS n FROM site_counters WHERE site_id = ? GROUP BY metric')
    .bind(siteId)
    .all<{ metric: CounterName; n: number }>();
  const out: Record<CounterName, number> = { events: 0, touches: 0, conversions: 0, duplicates: 0, bots: 0, rejected: 0 };
  for (const r of results) out[r.metric] = r.n;
  return out;
}
