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

/**
 * The per-site tables rows are deleted from by a composite key (a queue's key with the mark it was
 * read at, or a part of a stored row), and each one's key columns in order (never input).
 */
const KEY_COLUMNS = {
  credit_rollup_dirty: ['stage', 'day', 'marked_at'],
  funnel_months: ['stage', 'month', 'part'],
  funnel_months_dirty: ['stage', 'month', 'marked_at'],
} as const;

/** Deletes a site's rows of `table` whose key is one of `keys` (values in KEY_COLUMNS order), 500 keys per statement. */
export function deleteByKeys(db: D1Database, table: keyof typeof KEY_COLUMNS, siteId: string, keys: readonly (readonly (string | number)[])[]): D1PreparedStatement[] {
  const columns = KEY_COLUMNS[table];
  const values = columns.map((_, i) => `j.value ->> ${i}`).join(', ');
  return chunks(keys, 500).map((part) =>
    db.prepare(`DELETE FROM ${table} WHERE site_id = ?1 AND (${columns.join(', ')}) IN (SELECT ${values} FROM json_each(?2) j)`).bind(siteId, JSON.stringify(part)),
  );
}
