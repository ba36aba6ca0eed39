// Read keys (migration 0010): stored as SHA-256 hashes; a revoked key keeps its row but never authenticates.

export interface ReadKeyRow {
  key_id: string;
  name: string;
  prefix: string;
  created_at: number;
}

export function insertReadKey(db: D1Database, siteId: string, k: ReadKeyRow & { key_hash: string }): D1PreparedStatement {
  return db
    .prepare('INSERT INTO read_keys (site_id, key_id, name, prefix, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
    .bind(siteId, k.key_id, k.name, k.prefix, k.key_hash, k.created_at);
}

export async function listReadKeys(db: D1Database, siteId: string): Promise<ReadKeyRow[]> {
  const { results } = await db
    .prepare('SELECT key_id, name, prefix, created_at FROM read_keys WHERE site_id = ? AND revoked_at IS NULL ORDER BY created_at, key_id')
    .bind(siteId)
    .all<ReadKeyRow>();
  return results;
}

export async function findReadKey(db: D1Database, siteId: string, keyId: string): Promise<ReadKeyRow | null> {
  return db
    .prepare('SELECT key_id, name, prefix, created_at FROM read_keys WHERE site_id = ? AND key_id = ? AND revoked_at IS NULL')
    .bind(siteId, keyId)
    .first<ReadKeyRow>();
}

export function revokeReadKey(db: D1Database, siteId: string, keyId: string, now: number): D1PreparedStatement {
  return db.prepare('UPDATE read_keys SET revoked_at = ? WHERE site_id = ? AND key_id = ? AND revoked_at IS NULL').bind(now, siteId, keyId);
}

/** The site id of a live read key, by its hash. */
export async function readKeySiteId(db: D1Database, keyHash: string): Promise<string | null> {
  const row = await db
    .prepare('SELECT site_id FROM read_keys WHERE key_hash = ? AND revoked_at IS NULL')
    .bind(keyHash)
    .first<{ site_id: string }>();
  return row?.site_id ?? null;
}
