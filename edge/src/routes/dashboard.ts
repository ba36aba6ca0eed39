// GET /dashboard and /dashboard/app.js: the marketer's dashboard, a static page whose script (built
// from dashboard/src by rollup, Chart.js bundled in) reads the query API in the browser with a read key;
// GET /dashboard/settings: channel rules, campaign hygiene and the change log (docs/governance.md).
import { Hono } from 'hono';
import html from '../../../dashboard/src/index.html';
import script from '../../../dashboard/dist/app.js';
import settingsHtml from '../dashboard/settings.html';
import type { AppEnv } from '../env';
import { sha256Hex } from '../identity/hash';
import { methodNotAllowed } from './method-not-allowed';

export const dashboard = new Hono<AppEnv>();

/**
 * The page holds a read key while in use, so only its own script runs and it only talks to this
 * Worker: no third-party script, no framing. Inline styles are allowed for Chart.js's canvas sizing.
 */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "connect-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

let etag: Promise<string> | null = null;

dashboard.get('/dashboard', (c) => {
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  c.header('Content-Security-Policy', CSP);
  return c.html(html);
});
dashboard.all('/dashboard', methodNotAllowed);

dashboard.get('/dashboard/app.js', async (c) => {
  // Revalidated on every load (a new deploy shows at once), answered 304 while unchanged.
  etag ??= sha256Hex(script).then((h) => `"${h.slice(0, 20)}"`);
  const tag = await etag;
  const headers = { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-cache', ETag: tag, 'X-Content-Type-Options': 'nosniff' };
  if (c.req.header('if-none-match') === tag) return new Response(null, { status: 304, headers });
  return new Response(script, { headers });
});
dashboard.all('/dashboard/app.js', methodNotAllowed);

dashboard.get('/dashboard/settings', (c) => {
  // Same protections as the dashboard: a secret key is typed here to save rules.
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(settingsHtml);
});
dashboard.all('/dashboard/settings', methodNotAllowed);
