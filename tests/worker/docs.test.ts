// GET /docs: the interactive API reference, served whole by the Worker (no other origin), with its
// assets cached and revalidated by ETag.
import { describe, expect, it } from 'vitest';
import { call } from './helpers';

describe('GET /docs', () => {
  it('serves the reference page, loading only this origin and never framed', async () => {
    const res = await call('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const rule of ["default-src 'none'", "script-src 'self'", "connect-src 'self'"]) expect(csp).toContain(rule);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.sort()).toEqual(['/docs/init.js', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']);
    expect((await call('/docs/init.js').then((r) => r.text()))).toContain("url: '/openapi.json'");
  });

  it('runs under the same page policy and headers as the dashboard, but for its own image sources', async () => {
    const [docsPage, dashboardPage, settingsPage] = await Promise.all(['/docs', '/dashboard', '/dashboard/settings'].map((p) => call(p)));
    const directives = (res: Response) => (res.headers.get('content-security-policy') ?? '').split('; ');
    const notImg = (res: Response) => directives(res).filter((d) => !d.startsWith('img-src'));
    expect(notImg(docsPage)).toEqual(notImg(dashboardPage));
    expect(directives(settingsPage)).toEqual(directives(dashboardPage));
    expect(directives(docsPage)).toContain("img-src 'self' data:");
    expect(directives(dashboardPage)).toContain("img-src 'self' data: blob:");
    for (const header of ['cache-control', 'x-frame-options', 'x-content-type-options', 'referrer-policy']) {
      expect([header, docsPage.headers.get(header)]).toEqual([header, dashboardPage.headers.get(header)]);
    }
  });

  it.each([
    ['/docs/swagger-ui-bundle.js', /^text\/javascript/, 'SwaggerUIBundle'],
    ['/docs/swagger-ui.css', /^text\/css/, '.swagger-ui'],
    ['/docs/init.js', /^text\/javascript/, 'SwaggerUIBundle('],
  ])('serves %s with its content type, cache headers and a 304 to its ETag', async (path, type, marker) => {
    const res = await call(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(type);
    expect(res.headers.get('cache-control')).toMatch(/^public, max-age=\d+/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toContain(marker);
    const again = await call(path, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('answers 405 to other methods', async () => {
    const res = await call('/docs', { method: 'POST' });
    expect(res.status).toBe(405);
  });
});
