// GET /dashboard: the marketer's dashboard, one static page that reads the query API in the browser;
// GET /dashboard/settings: channel rules, campaign hygiene and the change log (docs/governance.md).
import { Hono } from 'hono';
import html from '../dashboard/index.html';
import settingsHtml from '../dashboard/settings.html';
import type { AppEnv } from '../env';
import { methodNotAllowed } from './method-not-allowed';

export const dashboard = new Hono<AppEnv>();

dashboard.get('/dashboard', (c) => {
  // The page holds a secret key while in use: never framed, never cached by shared caches.
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(html);
});
dashboard.all('/dashboard', methodNotAllowed);

dashboard.get('/dashboard/settings', (c) => {
  // Same protections as the dashboard: a secret key is typed here to save rules.
  c.header('Cache-Control', 'no-store');
  c.header('X-Frame-Options', 'DENY');
  c.header('Referrer-Policy', 'no-referrer');
  return c.html(settingsHtml);
});
dashboard.all('/dashboard/settings', methodNotAllowed);
