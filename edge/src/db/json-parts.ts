// Splits many rows into JSON array parameters that stay far below D1's limits (one value ≤ 2 MB,
// ≤ 100 bound parameters), so multi-row writes and deletes are a few statements, never one per row.

/** JSON parameters of at most `maxChars` (and `maxItems`), never splitting one item. */
export function jsonParts(encoded: string[], maxChars = 200_000, maxItems = 1000): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let chars = 0;
  for (const e of encoded) {
    if (current.length && (chars + e.length > maxChars || current.length >= maxItems)) {
      parts.push(`[${current.join(',')}]`);
      current = [];
      chars = 0;
    }
    current.push(e);
    chars += e.length + 1;
  }
  if (current.length) parts.push(`[${current.join(',')}]`);
  return parts;
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The per-site tables rows are deleted from by a list of ids, and each one's id column (never input). */
const ID_COLUMNS = { credit: 'conversion_id', key_first_touch: 'akey', key_funnel: 'akey', key_funnel_lost: 'conversion_id' } as const;

/** Deletes a site's rows of `table` whose id is in `ids`, 1,000 ids per statement (a JSON list each). */
export function deleteByIds(db: D1Database, table: keyof typeof ID_COLUMNS, siteId: string, ids: readonly string[]): D1PreparedStatement[] {
  return chunks(ids, 1000).map((part) =>
    db.prepare(`DELETE FROM ${table} WHERE site_id = ?1 AND ${ID_COLUMNS[table]} IN (SELECT value FROM json_each(?2))`).bind(siteId, JSON.stringify(part)),
  );
}
