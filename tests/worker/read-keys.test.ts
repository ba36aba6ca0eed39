// Read keys (rk_…): made and revoked with the secret key, hashed at rest, read every query route and
// are refused (403 read_only_key) on everything that writes, erases, runs the job or manages keys.
import { describe, expect, it } from 'vitest';
import { call, createSite, errorOf, postServer, rows, type TestSite } from './helpers';

const withKey = (key: string, method: string, path: string, body?: unknown) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function makeReadKey(site: TestSite, name = 'BI tool'): Promise<{ id: string; name: string; key: string }> {
  const res = await postServer('/v1/keys', site.secret_key, { name, scope: 'read' });
  expect(res.status).toBe(201);
  return res.json();
}

/** Every route that changes something: a read key must get 403 read_only_key from each. */
const WRITES: [string, string, unknown?][] = [
  ['POST', '/v1/batch', { batch: [] }],
  ['POST', '/v1/identify', {}],
  ['POST', '/v1/track', {}],
  ['POST', '/v1/page', {}],
  ['POST', '/v1/touches', { touches: [] }],
  ['POST', '/v1/conversions', { conversions: [] }],
  ['POST', '/v1/attribution/run'],
  ['DELETE', '/v1/people?email=a@b.com'],
  ['POST', '/v1/spend', { spend: [] }],
  ['POST', '/v1/exchange-rates', { rates: [] }],
  ['PUT', '/v1/channel-rules', { rules: [] }],
  ['POST', '/v1/keys', { name: 'x', scope: 'read' }],
  ['GET', '/v1/keys'],
  ['DELETE', '/v1/keys/key_x'],
];

/** Every query route: a read key reads them all. */
const READS = [
  '/v1/credit',
  '/v1/credit/compare',
  '/v1/accounts/acme.com/journey',
  '/v1/models',
  '/v1/influence',
  '/v1/funnel',
  '/v1/quality',
  '/v1/quality/campaigns',
  '/v1/changes',
  '/v1/channel-rules',
];

describe('read keys', () => {
  it('are shown once, stored as a hash and listed by name, id and first characters', async () => {
    const site = await createSite('Keys');
    const made = await makeReadKey(site);
    expect(made.key).toMatch(/^rk_[0-9A-Za-z]{40}$/);
    expect(made.name).toBe('BI tool');
    const stored = await rows('SELECT * FROM read_keys WHERE site_id = ?', site.id);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(made.key);
    const list = await withKey(site.secret_key, 'GET', '/v1/keys');
    expect(list.status).toBe(200);
    const { keys } = (await list.json()) as { keys: { id: string; name: string; prefix: string }[] };
    expect(keys).toEqual([expect.objectContaining({ id: made.id, name: 'BI tool', prefix: made.key.slice(0, 9) })]);
    expect(JSON.stringify(keys)).not.toContain(made.key);
  });

  it('refuse a bad request with a specific code', async () => {
    const site = await createSite('Keys bad');
    const scope = await postServer('/v1/keys', site.secret_key, { name: 'x', scope: 'write' });
    expect([scope.status, (await errorOf(scope)).code]).toEqual([400, 'invalid_scope']);
    const name = await postServer('/v1/keys', site.secret_key, { name: '', scope: 'read' });
    expect([name.status, (await errorOf(name)).code]).toEqual([400, 'invalid_name']);
    const json = await postServer('/v1/keys', site.secret_key, '{not json');
    expect([json.status, (await errorOf(json)).code]).toEqual([400, 'invalid_json']);
    const extra = await postServer('/v1/keys', site.secret_key, { name: 'x', scope: 'read', admin: true });
    expect(extra.status).toBe(400);
    const missing = await withKey(site.secret_key, 'DELETE', '/v1/keys/key_nope');
    expect([missing.status, (await errorOf(missing)).code]).toEqual([404, 'not_found']);
  });

  it('read every query route', async () => {
    const site = await createSite('Keys read');
    const { key } = await makeReadKey(site);
    for (const path of READS) {
      const res = await withKey(key, 'GET', path);
      // An account with no data is a 404 (a site with no fit yet is a 200 saying so): the key was still let through.
      expect([path, res.status]).toEqual([path, path.includes('/journey') ? 404 : 200]);
    }
    const preview = await withKey(key, 'POST', '/v1/channel-rules/preview', { rules: [{ channel: 'X', when: { source: ['x'] } }] });
    expect(preview.status).toBe(200);
  });

  it('are refused on every write route with 403 read_only_key', async () => {
    const site = await createSite('Keys write');
    const { key } = await makeReadKey(site);
    for (const [method, path, body] of WRITES) {
      const res = await withKey(key, method, path, body);
      expect([method, path, res.status, (await errorOf(res)).code]).toEqual([method, path, 403, 'read_only_key']);
    }
  });

  it('see only their own site', async () => {
    const a = await createSite('Keys A');
    const b = await createSite('Keys B');
    await makeReadKey(a, 'a key');
    const { key } = await makeReadKey(a);
    await postServer('/v1/keys', b.secret_key, { name: 'b key', scope: 'read' });
    const res = await withKey(key, 'GET', '/v1/changes?what=keys');
    expect(res.status).toBe(200);
    const changes = (await res.json()) as { after: { name?: string } | null }[];
    expect(changes.map((c) => c.after?.name).sort()).toEqual(['BI tool', 'a key']);
  });

  it('see key changes in the log by name and scope only, as GET /v1/keys shows them nothing', async () => {
    const site = await createSite('Keys log');
    const made = await makeReadKey(site, 'Looker');
    expect((await withKey(site.secret_key, 'DELETE', `/v1/keys/${made.id}`)).status).toBe(204);
    const { key } = await makeReadKey(site, 'Dashboard');
    const refused = await withKey(key, 'GET', '/v1/keys');
    expect([refused.status, (await errorOf(refused)).code]).toEqual([403, 'read_only_key']);
    const seen = (await (await withKey(key, 'GET', '/v1/changes?what=keys')).json()) as { before: unknown; after: unknown }[];
    expect(seen.map((c) => [c.before, c.after])).toEqual([
      [null, { name: 'Dashboard', scope: 'read' }],
      [{ name: 'Looker', scope: 'read' }, null],
      [null, { name: 'Looker', scope: 'read' }],
    ]);
    expect(JSON.stringify(seen)).not.toContain(made.id);
    expect(JSON.stringify(seen)).not.toContain(made.key.slice(0, 9));
    // The secret key sees the whole entry.
    const full = (await (await withKey(site.secret_key, 'GET', '/v1/changes?what=keys&limit=1')).json()) as { after: Record<string, unknown> }[];
    expect(full[0].after).toEqual({ id: expect.any(String), name: 'Dashboard', prefix: key.slice(0, 9), scope: 'read' });
  });

  it('are refused at once when revoked', async () => {
    const site = await createSite('Keys revoke');
    const made = await makeReadKey(site);
    expect((await withKey(made.key, 'GET', '/v1/quality')).status).toBe(200);
    const del = await withKey(site.secret_key, 'DELETE', `/v1/keys/${made.id}`);
    expect(del.status).toBe(204);
    const after = await withKey(made.key, 'GET', '/v1/quality');
    expect([after.status, (await errorOf(after)).code]).toEqual([401, 'unknown_key']);
    const list = (await (await withKey(site.secret_key, 'GET', '/v1/keys')).json()) as { keys: unknown[] };
    expect(list.keys).toEqual([]);
  });
});
