// GET /dashboard: the dashboard page is served by the Worker, uncached and never framed.
import { describe, expect, it } from 'vitest';
import { call } from './helpers';

describe('GET /dashboard', () => {
  it('serves the dashboard page', async () => {
    const res = await call('/dashboard');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).toContain('/v1/credit/compare');
    expect(html).toContain('/v1/quality');
    // Spend and return, influence, and the funnel by source channel.
    for (const route of ['/v1/credit?', '/v1/influence?', '/v1/funnel?']) expect(html).toContain(route);
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
