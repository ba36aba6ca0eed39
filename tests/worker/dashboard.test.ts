// GET /dashboard and /dashboard/settings, each with its built script (/dashboard/app.js,
// /dashboard/settings.js): served by the Worker, the pages uncached, never framed and limited by their
// CSP to their own script and this Worker's API.
import { describe, expect, it } from 'vitest';
import { call } from './helpers';

describe('GET /dashboard', () => {
  it('serves the dashboard page', async () => {
    const res = await call('/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<script src="/dashboard/app.js"');
    // A read key is asked for; the settings page (channel rules, change log, hygiene) is linked.
    expect(html).toContain('rk_');
    expect(html).toContain('href="/dashboard/settings"');
  });

  it('serves its script, revalidated by ETag, reading every view from the query API', async () => {
    const res = await call('/dashboard/app.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/javascript/);
    const tag = res.headers.get('etag');
    expect(tag).toMatch(/^"[0-9a-f]{20}"$/);
    const js = await res.text();
    for (const route of ['/v1/credit', '/v1/credit/compare', '/v1/models', '/v1/influence', '/v1/funnel', '/v1/quality', '/journey']) expect(js).toContain(route);
    expect((await call('/dashboard/app.js', { headers: { 'if-none-match': tag! } })).status).toBe(304);
  });
});

describe('GET /dashboard/settings', () => {
  it('serves the settings page under the same headers and CSP as the dashboard, linked from it', async () => {
    const [res, main] = [await call('/dashboard/settings'), await call('/dashboard')];
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    for (const header of ['cache-control', 'x-frame-options', 'x-content-type-options', 'referrer-policy', 'content-security-policy']) {
      expect(res.headers.get(header), header).toBeTruthy();
      expect(res.headers.get(header), header).toBe(main.headers.get(header));
    }
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    // Its script is the built file, never inline: the CSP would block an inline one.
    expect(html).toContain('<script src="/dashboard/settings.js"');
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(html).toContain('id="secret"');
    expect(await main.text()).toContain('href="/dashboard/settings"');
  });

  it('serves its script, revalidated by ETag, reading with the read key and never storing the secret key', async () => {
    const res = await call('/dashboard/settings.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/javascript/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const tag = res.headers.get('etag');
    expect(tag).toMatch(/^"[0-9a-f]{20}"$/);
    expect(tag).not.toBe((await call('/dashboard/app.js')).headers.get('etag'));
    const js = await res.text();
    for (const route of ['/v1/channel-rules', '/v1/channel-rules/preview', '/v1/changes', '/v1/quality/campaigns']) expect(js).toContain(route);
    // Only the read key is kept, in the tab's sessionStorage (dashboard/src/key.ts); nothing in localStorage or cookies.
    expect(js).toContain('tl_read_key');
    expect(js.match(/sessionStorage\.setItem\(/g)).toHaveLength(1);
    expect(js).not.toContain('localStorage');
    expect(js).not.toContain('document.cookie');
    expect((await call('/dashboard/settings.js', { headers: { 'if-none-match': tag! } })).status).toBe(304);
  });
});
