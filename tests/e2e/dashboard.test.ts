// The dashboard in Chromium after `npm run simulate` with its defaults (a year of 400 accounts; a few
// seconds), into a site of its own: a read key opens it and a secret key is refused; every chart draws
// data; the presets change the range every view asks for; every CSV button downloads CSV; and the
// page logs no console error and throws nothing.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/lib/local-server.mjs';
import { presetRange } from '../../dashboard/src/range';
import { createSite, launchBrowser, workerUrl, type E2ESite } from './harness';

const exec = promisify(execFile);

let browser: Browser;
let context: BrowserContext;
let site: E2ESite;
let readKey: string;
const problems: string[] = [];

/**
 * A page that records console errors, uncaught exceptions and failed API calls into `problems`.
 * Its clock is pinned to `now`, the instant the test computes its expected ranges from: the page and
 * the test then agree on "today" even when a run crosses UTC midnight.
 */
async function openPage(): Promise<{ page: Page; requests: string[]; now: number }> {
  const page = await context.newPage();
  const now = Date.now();
  await page.clock.setFixedTime(now);
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  return { page, requests, now };
}

/** Waits until every view has answered for the given range (main.ts sets body[data-loaded]). */
async function loaded(page: Page, from: string, to: string): Promise<void> {
  await page.waitForFunction((want) => document.body.dataset.loaded === want, `${from}..${to}`, { timeout: 90_000 });
}

beforeAll(async () => {
  // Its own site, so the other browser tests' demo-site credit is left as they expect it.
  site = await createSite();
  const run = await exec(process.execPath, [path.join(ROOT, 'scripts/simulate.mjs')], {
    cwd: ROOT,
    env: { ...process.env, BASE_URL: workerUrl(), TL_SECRET_KEY: site.secret_key, TL_PUBLIC_KEY: site.public_key },
    timeout: 180_000,
  });
  expect(run.stdout).toContain('/dashboard#key=rk_');
  const res = await fetch(`${workerUrl()}/v1/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'e2e dashboard', scope: 'read' }),
  });
  expect(res.status).toBe(201);
  readKey = ((await res.json()) as { key: string }).key;
  expect(readKey).toMatch(/^rk_/);
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
}, 240_000);

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

describe('the dashboard', () => {
  it('refuses a secret key with a clear message and asks the API nothing with it', async () => {
    const { page, requests } = await openPage();
    await page.goto(`${workerUrl()}/dashboard`);
    await page.fill('#key', site.secret_key);
    await page.click('#key-form button[type=submit]');
    await expect.poll(() => page.textContent('#key-message')).toContain('secret key (sk_…)');
    expect(await page.getAttribute('#key-message', 'role')).toBe('alert');
    expect(await page.inputValue('#key')).toBe('');
    expect(await page.evaluate(() => document.body.classList.contains('ready'))).toBe(false);
    expect(await page.isVisible('#trend')).toBe(false);
    expect(requests.filter((u) => u.includes('/v1/'))).toEqual([]);
    expect(await page.evaluate(() => JSON.stringify(sessionStorage))).not.toContain('sk_');
    await page.close();
  });

  it('with a read key draws every chart with data and logs no error', async () => {
    const { page, now } = await openPage();
    // The link npm run simulate prints: the key in the fragment, which the page reads and drops.
    await page.goto(`${workerUrl()}/dashboard#key=${readKey}`);
    const r90 = presetRange('90d', now);
    await loaded(page, r90.from, r90.to);
    expect(page.url()).not.toContain('rk_');
    const figures = await page.$$eval('figure', (fs) =>
      fs.map((f) => {
        const canvas = f.querySelector('canvas')!;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
        return { id: canvas.id, points: Number(f.dataset.points ?? 0), busy: f.getAttribute('aria-busy'), inked, label: canvas.getAttribute('aria-label') };
      }),
    );
    expect(figures.map((f) => f.id).sort()).toEqual(
      ['fit-chart', 'funnel-chart', 'influence-chart', 'journey-chart', 'journey-credit-chart', 'models-chart', 'return-campaign-chart', 'return-channel-chart', 'trend-chart'].sort(),
    );
    for (const f of figures) {
      expect(f.busy, f.id).toBe('false');
      expect(f.points, f.id).toBeGreaterThan(0);
      expect(f.inked, f.id).toBeGreaterThan(1000);
      expect(f.label, f.id).toBeTruthy();
    }
    // The model comparison includes the data-driven models, and their fit is explained.
    const legend = await page.$$eval('#models input:checked', (i) => i.map((x) => (x as HTMLInputElement).value));
    expect(legend).toEqual(expect.arrayContaining(['markov', 'shapley']));
    expect(await page.textContent('#fit-status')).toMatch(/Fitted .* converting and .* non-converting journeys/);
    // Unticking a model redraws the comparison without it (one dataset fewer: one bar per channel fewer).
    const points = () => page.$eval('#models-chart', (c) => Number(c.closest('figure')!.dataset.points));
    const before = await points();
    const channels = await page.$$eval('#models-table tbody tr', (r) => r.length);
    await page.uncheck('#models input[value="shapley"]');
    await expect.poll(points).toBe(before - channels);
    // Data quality tiles and the settings page in the navigation.
    expect(await page.$$eval('#quality-tiles .kpi', (k) => k.length)).toBeGreaterThan(5);
    expect(await page.getAttribute('nav a[href="/dashboard/settings"]', 'href')).toBe('/dashboard/settings');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('changes the range every view reads when a preset is chosen, and takes a custom range', async () => {
    const { page, requests, now } = await openPage();
    await page.goto(`${workerUrl()}/dashboard#key=${readKey}`);
    const r90 = presetRange('90d', now);
    await loaded(page, r90.from, r90.to);
    for (const preset of ['30d', 'quarter', 'year'] as const) {
      const r = presetRange(preset, now);
      requests.length = 0;
      await page.click(`#presets button[data-preset="${preset}"]`);
      await loaded(page, r.from, r.to);
      expect(await page.textContent('#range-label')).toBe(`${r.from} to ${r.to}`);
      expect(await page.getAttribute(`#presets button[data-preset="${preset}"]`, 'aria-pressed')).toBe('true');
      for (const route of ['/v1/credit/compare?', '/v1/influence?', '/v1/funnel?', '/v1/quality?']) {
        const asked = requests.filter((u) => u.includes(route));
        expect(asked.length, route).toBeGreaterThan(0);
        for (const u of asked) expect(new URL(u).searchParams.get('from'), u).toBe(r.from);
      }
    }
    // A year is 53 weekly credit queries for the trend, the first from the range's first day.
    const year = presetRange('year', now);
    expect(await page.$$eval('#trend-table tbody tr', (r) => r.length)).toBe(53);
    expect(await page.textContent('#trend-table tbody tr th')).toBe(year.from);
    await page.click('#presets button[data-preset="custom"]');
    await page.fill('#from', '2026-01-05');
    await page.fill('#to', '2026-02-01');
    await page.click('#apply-range');
    await loaded(page, '2026-01-05', '2026-02-01');
    expect(await page.$$eval('#trend-table tbody tr', (r) => r.length)).toBe(4);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('marks on the revenue trend when the credit definitions changed', async () => {
    // A channel rule changes how touches are classified: credit answers carry the time as
    // definitions_changed_at (docs/governance.md), and the trend draws it as a dashed red line.
    const res = await fetch(`${workerUrl()}/v1/channel-rules`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ channel: 'Review Sites', when: { source: ['capterra*'] } }] }),
    });
    expect(res.status).toBe(200);
    const credit = await (await fetch(`${workerUrl()}/v1/credit`, { headers: { authorization: `Bearer ${readKey}` } })).json();
    const changed: string = credit.definitions_changed_at;
    expect(changed.slice(0, 10)).toBe(new Date().toISOString().slice(0, 10));
    const { page, now } = await openPage();
    const r90 = presetRange('90d', now);
    await page.goto(`${workerUrl()}/dashboard#key=${readKey}`);
    await loaded(page, r90.from, r90.to);
    expect(await page.textContent('#trend-status')).toContain(`credit definitions changed ${changed.slice(0, 10)} (dashed line)`);
    // The dashed line is drawn in the marker's red (#b91c1c) somewhere on the chart.
    const red = await page.$eval('#trend-chart', (c) => {
      const d = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, (c as HTMLCanvasElement).width, (c as HTMLCanvasElement).height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] > 160 && d[i] < 210 && d[i + 1] < 50 && d[i + 2] < 50 && d[i + 3] > 200) n++;
      return n;
    });
    expect(red).toBeGreaterThan(20);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('downloads CSV from every view', async () => {
    const { page, now } = await openPage();
    await page.goto(`${workerUrl()}/dashboard#key=${readKey}`);
    const r90 = presetRange('90d', now);
    await loaded(page, r90.from, r90.to);
    const buttons = await page.$$eval('button[id$="-csv"]', (b) => b.map((x) => x.id));
    expect(buttons.sort()).toEqual(['funnel-csv', 'influence-csv', 'journey-csv', 'models-csv', 'quality-csv', 'return-campaign-csv', 'return-channel-csv', 'trend-csv'].sort());
    for (const id of buttons) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(`#${id}`)]);
      expect(download.suggestedFilename(), id).toMatch(/\.csv$/);
      const text = readFileSync((await download.path())!, 'utf8');
      const [head, ...rows] = text.trim().split(/\r?\n/);
      expect(head, id).toMatch(/^[a-z_]+(,[a-z_0-9]+)+/);
      expect(rows.length, id).toBeGreaterThan(0);
      expect(text.startsWith('{'), id).toBe(false);
    }
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a brand-new EUR site with a little data and no fit yet: euros, and no console error', async () => {
    // A young site reporting in EUR: a few touches, a lead and one opportunity, no closed_won deal, so
    // the job fits nothing for the stage the dashboard opens on. GET /v1/models answers 200 with
    // fitted_at null (not a 404 Chromium would log as an error), and money reads in euros.
    const fresh = await createSite({ currency: 'EUR' });
    const headers = { authorization: `Bearer ${fresh.secret_key}`, 'content-type': 'application/json' };
    const at = new Date(Date.now() - 3 * 86_400_000).toISOString();
    const touches = ['Paid Search', 'Email'].map((channel, i) => ({ id: `young-t${i}`, occurred_at: at, touch_type: 'event', channel, account_domain: 'young.test' }));
    expect((await fetch(`${workerUrl()}/v1/touches`, { method: 'POST', headers, body: JSON.stringify({ touches }) })).ok).toBe(true);
    const conversions = [
      { id: 'young-lead', stage: 'lead', occurred_at: at, account_domain: 'young.test' },
      { id: 'young-opp', stage: 'opportunity', occurred_at: at, account_domain: 'young.test', amount: 12000 },
    ];
    expect((await fetch(`${workerUrl()}/v1/conversions`, { method: 'POST', headers, body: JSON.stringify({ conversions }) })).ok).toBe(true);
    expect((await fetch(`${workerUrl()}/v1/attribution/run`, { method: 'POST', headers })).status).toBe(200);
    const made = await (await fetch(`${workerUrl()}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'young', scope: 'read' }) })).json();
    const { page, requests, now } = await openPage();
    await page.goto(`${workerUrl()}/dashboard#key=${made.key}`);
    const r90 = presetRange('90d', now);
    await loaded(page, r90.from, r90.to);
    expect(requests.some((u) => u.includes('/v1/models?'))).toBe(true);
    expect(await page.textContent('#fit-status')).toContain('No fit for closed_won conversions yet');
    expect(await page.isHidden('#fit-low')).toBe(true);
    // The site's reporting currency, from the reports' own `currency`: euros, never dollars.
    expect(await page.textContent('#influence-status')).toContain('€12,000');
    expect(await page.textContent('#influence-table')).toContain('€12,000');
    expect(await page.textContent('main')).not.toContain('$');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('goes back to asking for a key when the read key is revoked', async () => {
    const headers = { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' };
    const made = await (await fetch(`${workerUrl()}/v1/keys`, { method: 'POST', headers, body: JSON.stringify({ name: 'soon revoked', scope: 'read' }) })).json();
    expect((await fetch(`${workerUrl()}/v1/keys/${made.id}`, { method: 'DELETE', headers })).ok).toBe(true);
    // Not openPage(): the Worker's 401 answers are this test's point, not a problem of the page.
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/dashboard#key=${made.key}`);
    await expect.poll(() => page.textContent('#key-message'), { timeout: 30_000 }).toContain('did not accept this read key');
    expect(await page.evaluate(() => document.body.classList.contains('ready'))).toBe(false);
    expect(await page.evaluate(() => sessionStorage.getItem('tl_read_key'))).toBeNull();
    await page.close();
  });
});
