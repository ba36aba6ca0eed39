// Serves the built snippet first-party, with long-lived caching revalidated by ETag.
import type { Context } from 'hono';
import snippet from '../../../sdk/dist/s.js';
import { sha256Hex } from '../identity/hash';

let etag: Promise<string> | null = null;

export async function serveSnippet(c: Context): Promise<Response> {
  etag ??= sha256Hex(snippet).then((h) => `"${h.slice(0, 20)}"`);
  const tag = await etag;
  const headers = {
    'Content-Type': 'text/javascript; charset=utf-8',
    // A day fresh, a week stale-while-revalidate: updates reach pages within a day, and the
    // ETag makes the revalidation a 304.
    'Cache-Control': 'public, max-age=86400, stale-while-revalidate=604800',
    ETag: tag,
    'X-Content-Type-Options': 'nosniff',
  };
  if (c.req.header('if-none-match') === tag) return new Response(null, { status: 304, headers });
  return new Response(snippet, { headers });
}
