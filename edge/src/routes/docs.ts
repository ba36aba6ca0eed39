// GET /docs: the interactive API reference (Swagger UI, from the swagger-ui-dist package) built on
// /openapi.json. Its script and stylesheet are bundled into the Worker and served from here: the
// page loads nothing from any other origin, so it works offline and its CSP can say so.
import { Hono } from 'hono';
import swaggerCss from 'swagger-ui-dist/swagger-ui.css';
import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js';
import html from '../docs/index.html';
// The page's own start-up script; .txt so that wrangler imports it as text, like the page.
import init from '../docs/init.txt';
import type { AppEnv } from '../env';
import { methodNotAllowed } from './method-not-allowed';
import { contentSecurityPolicy, setPageHeaders } from './page-security';
import { staticText } from './static-text';

export const docs = new Hono<AppEnv>();

/** Only this origin, for scripts, styles and the requests "Try it out" sends; Swagger UI draws its icons from data: URLs. */
const CSP = contentSecurityPolicy({ img: ['data:'] });

docs.get('/docs', (c) => {
  // A key typed into "Authorize" lives in this page while it is open: never framed, never cached by shared caches.
  setPageHeaders(c, CSP);
  return c.html(html);
});
docs.all('/docs', methodNotAllowed);

const ASSETS: Record<string, [text: string, type: string]> = {
  'swagger-ui-bundle.js': [swaggerJs, 'text/javascript; charset=utf-8'],
  'swagger-ui.css': [swaggerCss, 'text/css; charset=utf-8'],
  'init.js': [init, 'text/javascript; charset=utf-8'],
};
for (const [name, [text, type]] of Object.entries(ASSETS)) {
  docs.get(`/docs/${name}`, staticText(text, type));
  docs.all(`/docs/${name}`, methodNotAllowed);
}
