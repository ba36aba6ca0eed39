// GET /dashboard: the marketer's dashboard, one static page that reads the query API in the browser.
import { Hono } from 'hono';
import html from '../dashboard/index.html';
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
