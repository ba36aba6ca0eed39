// Admin API: sites are created with generated keys, changed, and their secret keys rotated.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, createSite, errorOf, postServer, rows } from './helpers';

const admin = (path: string, method: string, body?: unknown, token = env.ADMIN_TOKEN) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('/admin/sites', () => {
  it('creates a site with random keys and stores only the secret key hash', async () => {
    const a = await createSite('A');
    const b = await createSite('B');
    expect(a.public_key).not.toBe(b.public_key);
    expect(a.secret_key).toMatch(/^sk_[0-9A-Za-z]{40}$/);
    const [row] = await rows<{ secret_hash: string }>('SELECT * FROM sites WHERE id = ?', a.id);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await rows('SELECT * FROM sites'))).not.toContain(a.secret_key);
  });

  it('applies defaults and validates settings', async () => {
    const res = await admin('/admin/sites', 'POST', { name: 'S', origins: ['https://s.test'], settings: { window_days: 30 } });
    expect(res.status).toBe(201);
    const site = (await res.json()) as { settings: Record<string, unknown> };
    expect(site.settings).toEqual({ window_days: 30, half_life_days: 7, session_minutes: 30, custom_weights: {}, block_headless: true, currency: 'USD', lowercase_utms: false });
    const bad = await admin('/admin/sites', 'POST', { name: 'S', origins: ['https://s.test/path'], settings: { window_days: 0 } });
    expect([bad.status, (await errorOf(bad)).code]).toEqual([400, 'invalid_site']);
  });

  it('stores origins as browsers send them: lower-case, no default port, no trailing slash', async () => {
    const res = await admin('/admin/sites', 'POST', { name: 'S', origins: ['https://WWW.Acme-Site.test:443/', 'http://localhost:8080', 'http://Shop.test:80'] });
    expect(((await res.json()) as { origins: string[] }).origins).toEqual(['https://www.acme-site.test', 'http://localhost:8080', 'http://shop.test']);
  });

  it('checks origins after normalising: a user name, a wildcard, a path or another scheme is refused, IDN hosts become punycode', async () => {
    for (const origin of ['https://a.com@evil.com', 'https://*.acme.com', 'https://acme.com/path', 'https://acme.com/?q', 'https://acme.com#x', 'ftp://acme.com', 'acme.com', 'https://ex ample.com']) {
      const res = await admin('/admin/sites', 'POST', { name: 'S', origins: [origin] });
      expect([origin, res.status, (await errorOf(res)).code]).toEqual([origin, 400, 'invalid_site']);
    }
    const site = await createSite();
    const patched = await admin(`/admin/sites/${site.id}`, 'PATCH', { origins: ['https://a.com@evil.com'] });
    expect(patched.status).toBe(400);
    const ok = await admin('/admin/sites', 'POST', { name: 'S', origins: ['https://Bücher.de:443/', 'http://[::1]:8787', 'http://127.0.0.1:8787'] });
    expect(((await ok.json()) as { origins: string[] }).origins).toEqual(['https://xn--bcher-kva.de', 'http://[::1]:8787', 'http://127.0.0.1:8787']);
  });

  it('patches origins and settings, keeping the rest', async () => {
    const site = await createSite();
    const res = await admin(`/admin/sites/${site.id}`, 'PATCH', { origins: ['https://new.test'], settings: { custom_weights: { webinar: 2 } } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ origins: ['https://new.test'], settings: { window_days: 90, custom_weights: { webinar: 2 } } });
    const again = await admin(`/admin/sites/${site.id}`, 'PATCH', { settings: { half_life_days: 14 } });
    expect(await again.json()).toMatchObject({ settings: { half_life_days: 14, custom_weights: { webinar: 2 } } });
    const missing = await admin('/admin/sites/site_nope', 'PATCH', { name: 'x' });
    expect([missing.status, (await errorOf(missing)).code]).toEqual([404, 'not_found']);
  });

  it('rotates the secret key: the old one stops working at once', async () => {
    const site = await createSite();
    const touch = { touches: [{ id: 'rotate-0001', occurred_at: '2026-10-01T00:00:00Z', touch_type: 'call', account_domain: 'x.com' }] };
    expect((await postServer('/v1/touches', site.secret_key, touch)).status).toBe(200);
    const res = await admin(`/admin/sites/${site.id}/rotate`, 'POST');
    const { secret_key } = (await res.json()) as { secret_key: string };
    expect(secret_key).not.toBe(site.secret_key);
    expect((await postServer('/v1/touches', site.secret_key, touch)).status).toBe(401);
    expect((await postServer('/v1/touches', secret_key, touch)).status).toBe(200);
  });

  it('401 without or with a wrong admin token; site keys are not admin tokens', async () => {
    const site = await createSite();
    const none = await call('/admin/sites', { method: 'POST', body: '{}' });
    expect([none.status, (await errorOf(none)).code]).toEqual([401, 'missing_key']);
    const wrong = await admin('/admin/sites', 'POST', { name: 'x' }, 'not-the-token');
    expect([wrong.status, (await errorOf(wrong)).code]).toEqual([401, 'unknown_key']);
    const sk = await admin(`/admin/sites/${site.id}/rotate`, 'POST', undefined, site.secret_key);
    expect(sk.status).toBe(401);
    const get = await admin('/admin/sites', 'GET');
    expect(get.status).toBe(405);
  });
});
