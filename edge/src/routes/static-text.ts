// Serves a file bundled into the Worker as text, cached by browsers (a day by default) and revalidated by ETag.
import type { Context } from 'hono';
import { sha256Hex } from '../identity/hash';

/**
 * A day fresh, a week stale-while-revalidate: an update reaches browsers within a day, and the
 * ETag makes the revalidation a 304.
 */
const CACHE_CONTROL = 'public, max-age=86400, stale-while-revalidate=604800';

export function staticText(text: string, contentType: string, cacheControl = CACHE_CONTROL): (c: Context) => Promise<Response> {
  // Hashed on first use, once per isolate: a Worker cannot hash at startup.
  let etag: Promise<string> | null = null;
  return async function serveStaticText(c) {
    etag ??= sha256Hex(text).then((h) => `"${h.slice(0, 20)}"`);
    const tag = await etag;
    const headers = { 'Content-Type': contentType, 'Cache-Control': cacheControl, ETag: tag, 'X-Content-Type-Options': 'nosniff' };
    if (c.req.header('if-none-match') === tag) return new Response(null, { status: 304, headers });
    return new Response(text, { headers });
  };
}
