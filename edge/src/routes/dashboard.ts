// The marketer's dashboard, two static pages whose scripts (built from dashboard/src by rollup) read the
// API in the browser with a read key: GET /dashboard (+ /dashboard/app.js, Chart.js bundled in) and
// GET /dashboard/settings (+ /dashboard/settings.js): channel rules, campaign hygiene and the change
// log (docs/governance.md), where a secret key is typed to save rules. Both are served the same way.
import { Hono } from 'hono';
import script from '../../../dashboard/dist/app.js';
import settingsScript from '../../../dashboard/dist/settings.js';
import html from '../../../dashboard/src/index.html';
import settingsHtml from '../../../dashboard/src/settings.html';
import type { AppEnv } from '../env';
import { methodNotAllowed } from './method-not-allowed';
import { contentSecurityPolicy, setPageHeaders } from './page-security';
import { staticText } from './static-text';

export const dashboard = new Hono<AppEnv>();

/**
 * A page holds a read key while in use (and the settings page a secret key for the moment of a save),
 * so only its own script runs and it only talks to this Worker. Chart images may be data: or blob: URLs.
 */
const CSP = contentSecurityPolicy({ img: ['data:', 'blob:'] });

/**
 * Serves one dashboard page and its built script. The page is never cached, framed or named in a
 * Referer, and runs under the CSP; the script is revalidated on every load (a new deploy shows at
 * once) and answered 304 while unchanged.
 */
function servePage(path: string, page: string, scriptPath: string, pageScript: string): void {
  dashboard.get(path, (c) => {
    setPageHeaders(c, CSP);
    return c.html(page);
  });
  dashboard.all(path, methodNotAllowed);
  dashboard.get(scriptPath, staticText(pageScript, 'text/javascript; charset=utf-8', 'no-cache'));
  dashboard.all(scriptPath, methodNotAllowed);
}

servePage('/dashboard', html, '/dashboard/app.js', script);
servePage('/dashboard/settings', settingsHtml, '/dashboard/settings.js', settingsScript);
