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
