// GET /docs in headless Chromium with every other origin cut off: the API reference renders every
// operation of /openapi.json from the Worker's own assets, logs no error, and "Try it out" calls the
// API from the page.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, workerUrl } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('GET /docs', () => {
  it('renders every documented operation offline, without console errors, and tries one out', async () => {
    const origin = new URL(workerUrl()).origin;
    const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);

    const context = await browser.newContext();
    const foreign: string[] = [];
    // No network but the Worker: a request anywhere else fails (and is recorded), as it would offline.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (new URL(url).origin === origin) return route.continue();
      foreign.push(url);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));

    const res = await page.goto(`${origin}/docs`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    expect(await page.locator('.opblock').count()).toBe(operations);
    for (const path of ['/e', '/v1/batch', '/v1/credit', '/v1/accounts/{domain}/journey', '/admin/sites']) {
      expect(await page.locator(`.opblock-summary-path[data-path="${path}"]`).count(), path).toBeGreaterThan(0);
    }

    // Interactive: GET /healthz through "Try it out" and "Execute", answered by the Worker.
    const health = page.locator('.opblock', { has: page.locator('.opblock-summary-path[data-path="/healthz"]') });
    await health.locator('.opblock-summary').click();
    await health.locator('button.try-out__btn').click();
    await health.locator('button.execute').click();
    const answer = health.locator('.live-responses-table tr.response');
    await answer.waitFor({ timeout: 15_000 });
    expect((await answer.locator('.response-col_status').innerText()).trim()).toBe('200');
    expect(await answer.locator('.response-col_description').innerText()).toContain('"ok": true');

    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
