// GET /s.js: the built snippet, first-party, cacheable and revalidated by ETag.
import { describe, expect, it } from 'vitest';
import { call } from './helpers';

describe('GET /s.js', () => {
  it('serves JavaScript with cache headers and answers 304 to its ETag', async () => {
    const res = await call('/s.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const etag = res.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect((await res.text()).length).toBeGreaterThan(10);
    const again = await call('/s.js', { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
  });
});
