// GET /dashboard and /dashboard/app.js: the page and its built script are served by the Worker, the
// page uncached, never framed and limited by its CSP to its own script and this Worker's API.
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
  it('serves the settings page, linked from the dashboard, reading with a read key and never storing the secret key', async () => {
    const res = await call('/dashboard/settings');
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    for (const route of ['/v1/channel-rules', '/v1/channel-rules/preview', '/v1/changes', '/v1/quality/campaigns']) expect(html).toContain(route);
    // Only the read key is kept (sessionStorage); nothing is written to localStorage at all.
    expect(html).toContain("sessionStorage.setItem('tl_read_key'");
    expect(html.match(/sessionStorage\.setItem\(/g)).toHaveLength(1);
    expect(html).not.toContain('localStorage');
    expect(await (await call('/dashboard')).text()).toContain('href="/dashboard/settings"');
  });
});
