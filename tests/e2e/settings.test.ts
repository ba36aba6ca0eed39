// The settings page in Chromium: a marketer loads it with a read key, turns an Unassigned
// source/medium pair into a channel rule with one click, previews it, saves it with the secret key
// typed for that request only, and sees the change log; the secret key is in no browser storage.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSite, launchBrowser, visitorContext, workerUrl, type E2ESite } from './harness';

let browser: Browser;
let site: E2ESite;

async function api(path: string, key: string, init: RequestInit = {}): Promise<any> {
  const res = await fetch(`${workerUrl()}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
  const body = await res.json();
  if (!res.ok) throw new Error(`${path} → ${res.status} ${JSON.stringify(body)}`);
  return body;
}

beforeAll(async () => {
  browser = await launchBrowser();
  site = await createSite();
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const page = (id: string) => ({
    type: 'page', messageId: id, anonymousId: 'anon-settings-e2e', timestamp: at,
    context: { page: { url: `${workerUrl()}/` }, campaign: { source: 'newsletter-x', medium: 'zzz', name: 'weekly' } },
  });
  await api('/v1/batch', site.secret_key, { method: 'POST', body: JSON.stringify({ batch: [page('msg-settings-e2e-1'), page('msg-settings-e2e-2')] }) });
});
afterAll(async () => {
  await browser?.close();
});

describe('/dashboard/settings', () => {
  it('makes, previews and saves a rule from an Unassigned pair', async () => {
    const { key: readKey } = await api('/v1/keys', site.secret_key, { method: 'POST', body: JSON.stringify({ name: 'dashboard', scope: 'read' }) });
    const context = await visitorContext(browser);
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/dashboard/settings`);
    await page.fill('#key', readKey);
    await page.click('#load');
    await page.getByText('Make a rule from this').click();
    await page.fill('input[data-rule="0"][data-field="channel"]', 'Newsletters');
    expect(await page.inputValue('input[data-rule="0"][data-field="source"]')).toBe('newsletter-x');
    await page.click('#preview');
    await expect.poll(() => page.textContent('[data-count="0"]')).toBe('2 (2 change)');

    await page.fill('#secret', site.secret_key);
    await page.click('#save');
    await expect.poll(() => page.textContent('#save-status')).toContain('Saved as version 1');
    expect(await page.inputValue('#secret')).toBe('');
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(stored).not.toContain(site.secret_key);
    expect(stored).toContain(readKey);

    const rules = await api('/v1/channel-rules', readKey);
    expect(rules.rules).toEqual([{ channel: 'Newsletters', when: { source: ['newsletter-x'], medium: ['zzz'] } }]);
    await expect.poll(() => page.textContent('#changes')).toContain('channel_rules');
    // The pair is no longer Unassigned once its touches are reclassified.
    await expect.poll(() => page.textContent('#unassigned')).toContain('No touch lands in Unassigned');
    await context.close();
  });

  it('refuses a secret key typed where the read key goes', async () => {
    const context = await visitorContext(browser);
    const page = await context.newPage();
    await page.goto(`${workerUrl()}/dashboard/settings`);
    await page.fill('#key', site.secret_key);
    await page.click('#load');
    await expect.poll(() => page.textContent('#status')).toContain('read key');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }))).not.toContain(site.secret_key);
    await context.close();
  });
});
