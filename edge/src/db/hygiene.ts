// Reads of the campaign hygiene report (docs/governance.md): how often each stored spelling of a
// source, medium or campaign occurs, and the source/medium pairs that land in Unassigned.

/** The columns the report groups (constant text, never input). */
const COLUMNS = { source: 'source', medium: 'medium', campaign: 'campaign' } as const;
export type HygieneField = keyof typeof COLUMNS;

/** Distinct values read per field: the most frequent ones, which is where a misspelling costs most. */
const MAX_VALUES = 5000;

export function valueCounts(db: D1Database, siteId: string, field: HygieneField): D1PreparedStatement {
  const col = COLUMNS[field];
  return db
    .prepare(
      `SELECT ${col} AS value, COUNT(*) AS touches FROM touches WHERE site_id = ?1 AND ${col} IS NOT NULL
       GROUP BY ${col} ORDER BY touches DESC, value LIMIT ?2`,
    )
    .bind(siteId, MAX_VALUES);
}

export function unassignedPairs(db: D1Database, siteId: string, limit: number): D1PreparedStatement {
  return db
    .prepare(
      `SELECT source, medium, COUNT(*) AS touches FROM touches WHERE site_id = ?1 AND channel = 'Unassigned'
       GROUP BY source, medium ORDER BY touches DESC, source, medium LIMIT ?2`,
    )
    .bind(siteId, limit);
}
