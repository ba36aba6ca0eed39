// The deployment bundle, built as `npm run deploy` builds it but offline and without a Cloudflare
// login (`wrangler deploy --dry-run --outdir`), stays under the Workers size limit and holds the
// Worker only: the demo site is a local-development page, never deployed.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAssets, ROOT, WRANGLER_ENV } from '../../scripts/lib/local-server.mjs';

const exec = promisify(execFile);

/**
 * The Workers Free plan's limit, 3 MiB after gzip: the stricter of the two plans (Paid allows 10 MiB),
 * so the bundle deploys on either. Measured as wrangler measures it before upload (the gzip of all
 * modules together; wrangler's own MAX_GZIP_SIZE_BYTES is this number).
 */
const WORKER_GZIP_LIMIT = 3 * 1024 * 1024;

const dir = mkdtempSync(path.join(tmpdir(), 'touchline-deploy-'));
const outdir = path.join(dir, 'bundle');
let output = '';
let modules: { name: string; content: Buffer }[] = [];

beforeAll(async () => {
  // The Worker imports the built snippet (/s.js) and dashboard scripts (/dashboard/app.js, /dashboard/settings.js); `npm test` builds them before any suite.
  if (!['sdk/dist/s.js', 'dashboard/dist/app.js', 'dashboard/dist/settings.js'].every((f) => existsSync(path.join(ROOT, f)))) await buildAssets();
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...WRANGLER_ENV,
    // An empty home: no stored `wrangler login`, so the build provably needs no account.
    HOME: dir,
    XDG_CONFIG_HOME: dir,
  };
  for (const name of ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY', 'CLOUDFLARE_EMAIL', 'CLOUDFLARE_ACCOUNT_ID']) delete env[name];
  const run = await exec(process.execPath, [path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', outdir], {
    cwd: ROOT,
    env,
    timeout: 100_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  output = run.stdout + run.stderr;
  // Source maps and wrangler's README are written beside the modules but never uploaded.
  modules = readdirSync(outdir)
    .filter((name) => !name.endsWith('.map') && name !== 'README.md')
    .map((name) => ({ name, content: readFileSync(path.join(outdir, name)) }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the deployment bundle (wrangler deploy --dry-run)', () => {
  it('builds offline, without a login, with the D1 and rate-limit bindings', () => {
    expect(output).toContain('--dry-run: exiting now.');
    expect(output).toMatch(/env\.DB\b/);
    expect(output).toMatch(/env\.INGEST_LIMITER\b/);
    expect(modules.map((m) => m.name)).toContain('index.js');
  });

  it(`is under the Workers size limit (${WORKER_GZIP_LIMIT / 1024 / 1024} MiB gzip)`, () => {
    const raw = modules.reduce((n, m) => n + m.content.length, 0);
    const gzip = gzipSync(Buffer.concat(modules.map((m) => m.content))).length;
    console.log(`deployment bundle: ${modules.length} modules, ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip (limit ${WORKER_GZIP_LIMIT / 1024} KiB)`);
    expect(gzip).toBeLessThan(WORKER_GZIP_LIMIT);
  });

  it('serves the snippet and both dashboard pages from the Worker itself', () => {
    const snippet = readFileSync(path.join(ROOT, 'sdk/dist/s.js'));
    expect(modules.some((m) => m.content.equals(snippet))).toBe(true);
    // Each page and its built script, whole, as text modules (wrangler.toml's [[rules]]).
    for (const [page, script, route] of [
      ['index.html', 'app.js', '/v1/credit'],
      ['settings.html', 'settings.js', '/v1/channel-rules'],
    ]) {
      const html = readFileSync(path.join(ROOT, 'dashboard/src', page));
      expect(modules.some((m) => m.content.equals(html)), page).toBe(true);
      expect(html.toString()).toContain(`/dashboard/${script}`);
      const js = readFileSync(path.join(ROOT, 'dashboard/dist', script));
      expect(modules.some((m) => m.content.equals(js)), script).toBe(true);
      expect(js.toString()).toContain(route);
    }
  });

  it("carries the API reference's Swagger UI files whole, as text modules the Worker serves at /docs", () => {
    // wrangler.toml's [[rules]] make them Text modules; without the rule esbuild would bundle the
    // script into index.js as code and the stylesheet into a CSS file no route can serve.
    for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) {
      const content = readFileSync(path.join(ROOT, 'node_modules/swagger-ui-dist', file));
      expect(modules.some((m) => m.content.equals(content)), file).toBe(true);
    }
    expect(modules.map((m) => m.name)).not.toContain('index.css');
  });

  it('leaves the demo site out: no static assets, no demo page in any module', () => {
    expect(readFileSync(path.join(ROOT, 'wrangler.toml'), 'utf8')).not.toMatch(/^\s*\[assets\]/m);
    const demoPages = readdirSync(path.join(ROOT, 'demo-site'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.html'));
    expect(demoPages.length).toBeGreaterThan(0);
    for (const page of demoPages) {
      const title = /<title>([^<]+)<\/title>/.exec(readFileSync(path.join(ROOT, 'demo-site', page), 'utf8'))?.[1];
      expect(title, page).toBeTruthy();
      for (const m of modules) expect(m.content.includes(title!), `${page} in ${m.name}`).toBe(false);
    }
  });
});
