// Browser-test harness: Debian Chromium through playwright-core, a site per test file made through
// the admin API, and reads of what reached local D1.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { inject } from 'vitest';
import { ROOT, WRANGLER_ENV } from '../../scripts/lib/local-server.mjs';

const exec = promisify(execFile);

export const workerUrl = () => inject('workerUrl');
/** The admin token of the Worker under test: npm start's .dev.vars default unless ADMIN_TOKEN says otherwise. */
export const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? 'dev-admin-token';
export const fixtureUrl = () => inject('fixtureUrl');

/** A real visitor's browser: a normal user agent and no automation flag (TOOLCHAIN.md). */
export const VISITOR_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-blink-features=AutomationControlled',
      // Also for beacons sent while a page unloads, which a per-context user agent does not reach.
      `--user-agent=${VISITOR_UA}`,
    ],
  });
}

export function visitorContext(browser: Browser, extra: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
  return browser.newContext({ userAgent: VISITOR_UA, ...extra });
}

export interface E2ESite {
  id: string;
  public_key: string;
  secret_key: string;
}

export async function createSite(settings: Record<string, unknown> = {}): Promise<E2ESite> {
  const res = await fetch(`${workerUrl()}/admin/sites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'e2e', origins: [fixtureUrl(), workerUrl()], settings }),
  });
  if (res.status !== 201) throw new Error(`createSite ${res.status}: ${await res.text()}`);
  return res.json() as Promise<E2ESite>;
}

/** Runs SQL against the local D1 the Worker uses (read-only checks of what was stored). */
export async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const { stdout } = await exec(
    process.execPath,
    [path.join(ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'd1', 'execute', 'DB', '--local', '--persist-to', inject('stateDir'), '--json', '--command', sql],
    { cwd: ROOT, env: { ...process.env, ...WRANGLER_ENV }, maxBuffer: 64 * 1024 * 1024 },
  );
  const parsed = JSON.parse(stdout) as { results: T[] }[];
  return parsed.flatMap((r) => r.results);
}

/** Polls until `check` returns a truthy value (the snippet sends asynchronously). */
export async function eventually<T>(check: () => Promise<T>, { timeoutMs = 20_000, intervalMs = 300 } = {}): Promise<T> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
