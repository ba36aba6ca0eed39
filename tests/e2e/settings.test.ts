// The settings page in Chromium, under the dashboard's CSP: a marketer loads it with a read key (typed,
// or the one the dashboard already holds in the tab), turns an Unassigned source/medium pair into a
// channel rule with one click, adds and reorders rules, previews them, saves them with the secret key
// typed for that request only, and sees the change log; the secret key is in no browser storage, a
// wrong one does not cost the read key, and the page logs no console error and throws nothing.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite, launchBrowser, visitorContext, workerUrl, type E2ESite } from './harness';

let browser: Browser;
let site: E2ESite;
let readKey: string;

async function api(path: string, key: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${workerUrl()}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** A fresh tab that records console errors (CSP violations among them), uncaught exceptions, failed calls and every request. */
async function openPage(): Promise<{ page: Page; problems: string[]; requests: string[] }> {
  const context = await visitorContext(browser);
  const page = await context.newPage();
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(`${r.method()} ${r.url()} ${r.headers().authorization ?? ''}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()} ${r.url()}`));
  return { page, problems, requests };
}

/** Waits until the rules, hygiene and change log have all answered (settings/main.ts sets body[data-loaded]). */
const loaded = (page: Page) => page.waitForFunction(() => document.body.dataset.loaded === 'true', undefined, { timeout: 30_000 });

beforeAll(async () => {
  browser = await launchBrowser();
  site = await createSite();
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const page = (id: string) => ({
    type: 'page', messageId: id, anonymousId: 'anon-settings-e2e', timestamp: at,
    context: { page: { url: `${workerUrl()}/` }, campaign: { source: 'newsletter-x', medium: 'zzz', name: 'weekly' } },
  });
  await api('/v1/batch', site.secret_key, { method: 'POST', body: JSON.stringify({ batch: [page('msg-settings-e2e-1'), page('msg-settings-e2e-2')] }) });
  ({ key: readKey } = await api('/v1/keys', site.secret_key, { method: 'POST', body: JSON.stringify({ name: 'dashboard', scope: 'read' }) }));
});
afterAll(async () => {
  await browser?.close();
});

describe('/dashboard/settings', () => {
  it('makes, reorders, previews and saves rules, one from an Unassigned pair, under the CSP and without a console error', async () => {
    const { page, problems, requests } = await openPage();
    const res = await page.goto(`${workerUrl()}/dashboard/settings`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.fill('#key', readKey);
    await page.click('#load');
    await loaded(page);
    expect(await page.textContent('#key-state')).toContain(readKey.slice(0, 7));

    await page.getByText('Make a rule from this').click();
    await page.fill('input[data-rule="0"][data-field="channel"]', 'Newsletters');
    expect(await page.inputValue('input[data-rule="0"][data-field="source"]')).toBe('newsletter-x');
    expect(await page.inputValue('input[data-rule="0"][data-field="medium"]')).toBe('zzz');
    // A second rule, typed by hand, then moved above the first.
    await page.click('#add');
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.rule)).toBe('1');
    await page.fill('input[data-rule="1"][data-field="channel"]', 'Review Sites');
    await page.fill('input[data-rule="1"][data-field="source"]', 'g2, capterra*');
    await page.click('button[data-action="up"][data-rule="1"]');
    expect(await page.inputValue('input[data-rule="0"][data-field="channel"]')).toBe('Review Sites');
    expect(await page.inputValue('input[data-rule="1"][data-field="channel"]')).toBe('Newsletters');
    expect(await page.isDisabled('button[data-action="up"][data-rule="0"]')).toBe(true);

    await page.click('#preview');
    await expect.poll(() => page.textContent('[data-count="1"]')).toBe('2 (2 change)');
    expect(await page.textContent('[data-count="0"]')).toBe('0 (0 change)');
    // An edit makes the counts stale: they go.
    await page.fill('input[data-rule="0"][data-field="source"]', 'g2, capterra*, trustradius');
    expect(await page.textContent('[data-count="1"]')).toBe('');

    await page.fill('#secret', site.secret_key);
    await page.click('#save');
    await expect.poll(() => page.textContent('#save-status')).toContain('Saved as version 1');
    expect(await page.inputValue('#secret')).toBe('');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(site.secret_key);
    expect(stored).toContain(readKey);
    // The secret key went out once, with the save, and nowhere else.
    expect(requests.filter((r) => r.includes(site.secret_key)).map((r) => r.split(' ').slice(0, 2).join(' '))).toEqual([`PUT ${workerUrl()}/v1/channel-rules`]);

    const rules = await api('/v1/channel-rules', readKey);
    expect(rules.rules).toEqual([
      { channel: 'Review Sites', when: { source: ['g2', 'capterra*', 'trustradius'] } },
      { channel: 'Newsletters', when: { source: ['newsletter-x'], medium: ['zzz'] } },
    ]);
    await expect.poll(() => page.textContent('#changes')).toContain('channel_rules');
    // The pair is no longer Unassigned once its touches are reclassified.
    await expect.poll(() => page.textContent('#unassigned')).toContain('No touch lands in Unassigned');
    // The saved rules are shown as saved.
    expect(await page.textContent('#version')).toContain('version 1');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('opens with the read key the dashboard holds in the tab, keeps it when a wrong secret key is refused, and forgets it on request', async () => {
    const { page, problems } = await openPage();
    // The link npm run simulate prints: the dashboard keeps the key for the tab, the settings page reads it.
    await page.goto(`${workerUrl()}/dashboard#key=${readKey}`);
    await page.waitForFunction(() => document.body.classList.contains('ready'));
    await page.click('nav a[href="/dashboard/settings"]');
    await page.waitForURL(`${workerUrl()}/dashboard/settings`);
    // From here on, the settings page's own problems only.
    problems.length = 0;
    await loaded(page);
    expect(await page.textContent('#key-state')).toContain(readKey.slice(0, 7));
    expect(await page.inputValue('input[data-rule="0"][data-field="channel"]')).toBe('Review Sites');

    await page.fill('#secret', 'sk_not_this_one');
    await page.click('#save');
    await expect.poll(() => page.textContent('#save-status')).toMatch(/^unknown_key: /);
    expect(await page.inputValue('#secret')).toBe('');
    expect(await page.textContent('#key-state')).toContain(readKey.slice(0, 7));
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).toContain(readKey);
    // The only problem is the refused save itself (Chromium logs a failed request as a console error).
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
    // Forget key drops it from the tab, for the dashboard too.
    await page.click('#forget-key');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(readKey);
    expect(await page.textContent('#key-state')).toBe('');
    await page.context().close();
  });

  it('refuses a secret key typed where the read key goes, and asks the API nothing with it', async () => {
    const { page, problems, requests } = await openPage();
    await page.goto(`${workerUrl()}/dashboard/settings`);
    await page.fill('#key', site.secret_key);
    await page.click('#load');
    await expect.poll(() => page.textContent('#status')).toContain('read key');
    expect(await page.inputValue('#key')).toBe('');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(site.secret_key);
    expect(requests.filter((r) => r.includes('/v1/'))).toEqual([]);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
