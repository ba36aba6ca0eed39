// Site lookups by key with a short per-isolate cache: every ingest request needs its site, and a
// D1 round trip per request would dominate the cost of /e.
import { findSiteById, findSiteByPublicKey, findSiteBySecretHash, isSiteOrigin, type Site } from '../db/sites';
import { readKeySiteId } from '../db/read-keys';
import { sha256Hex } from './hash';

const TTL_MS = 5_000;
const cache = new Map<string, { site: Site | null; expires: number }>();

async function cached(key: string, load: () => Promise<Site | null>): Promise<Site | null> {
  const hit = cache.get(key);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.site;
  const site = await load();
  if (cache.size > 1000) cache.clear();
  cache.set(key, { site, expires: now + TTL_MS });
  return site;
}

export function siteByPublicKey(db: D1Database, publicKey: string): Promise<Site | null> {
  return cached(`pk:${publicKey}`, () => findSiteByPublicKey(db, publicKey));
}

export async function siteBySecretKey(db: D1Database, secretKey: string): Promise<Site | null> {
  const hash = await sha256Hex(secretKey);
  return cached(`sk:${hash}`, () => findSiteBySecretHash(db, hash));
}

/**
 * The site of a read key. The key itself is looked up every time, never cached: revoking it must
 * take effect at once in every isolate, and query requests are few next to ingest. The site is cached.
 */
export async function siteByReadKey(db: D1Database, readKey: string): Promise<Site | null> {
  const siteId = await readKeySiteId(db, await sha256Hex(readKey));
  if (!siteId) return null;
  return cached(`id:${siteId}`, () => findSiteById(db, siteId));
}

const origins = new Map<string, { known: boolean; expires: number }>();

/** Whether any site allows `origin` (for errors on /e that come before the site is known), cached like sites. */
export async function isKnownOrigin(db: D1Database, origin: string): Promise<boolean> {
  const hit = origins.get(origin);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.known;
  const known = await isSiteOrigin(db, origin);
  if (origins.size > 1000) origins.clear();
  origins.set(origin, { known, expires: now + TTL_MS });
  return known;
}

/** Called after a site changes, so this isolate serves the change at once (others within TTL_MS). */
export function forgetSites(): void {
  cache.clear();
  origins.clear();
}
