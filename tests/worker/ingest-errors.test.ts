// Errors on POST /e that the snippet must be able to read (CORS for the site's origins, never for
// foreign ones), and the per-key rate limit, tested against a limiter that does not depend on the clock.
import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import worker from '../../edge/src/index';
import { BASE, batch, BROWSER_UA, createSite, errorOf, ORIGIN, pageEvent, postEvents, uid } from './helpers';

const FOREIGN = 'https://evil.test';

/** Every way a browser's POST /e can fail before or after its site is known, with the code it gets. */
async function failures(pk: string, sk: string, origin: string): Promise<[string, Response][]> {
  const s = uid('s');
  const headers = { origin };
  return [
    ['invalid_json', await postEvents('{not json', headers)],
    ['invalid_batch', await postEvents({ k: pk, t: 'soon', e: [] }, headers)],
    ['missing_key', await postEvents({ t: Date.now(), e: [pageEvent(s, `${ORIGIN}/`)] }, headers)],
    ['unknown_key', await postEvents(batch('pk_retired_key_0000', [pageEvent(s, `${ORIGIN}/`)]), headers)],
    ['key_not_allowed', await postEvents(batch(sk, [pageEvent(s, `${ORIGIN}/`)]), headers)],
    ['payload_too_large', await postEvents(batch(pk, [pageEvent(s, `${ORIGIN}/`, { h: 'x'.repeat(70_000) })]), headers)],
    ['too_many_events', await postEvents(batch(pk, Array.from({ length: 51 }, () => pageEvent(s, `${ORIGIN}/`))), headers)],
    ['unsupported_media_type', await postEvents(batch(pk, [pageEvent(s, `${ORIGIN}/`)]), { ...headers, 'content-type': 'application/x-www-form-urlencoded' })],
  ];
}

describe('errors on POST /e', () => {
  it("carry CORS headers for a site's origin, so the snippet reads the 4xx and drops the batch instead of retrying it forever", async () => {
    const site = await createSite();
    for (const [code, res] of await failures(site.public_key, site.secret_key, ORIGIN)) {
      expect([code, res.status >= 400 && res.status < 500, (await errorOf(res)).code]).toEqual([code, true, code]);
      expect([code, res.headers.get('access-control-allow-origin'), res.headers.get('access-control-allow-credentials')]).toEqual([code, ORIGIN, 'true']);
    }
  });

  it('carry none for an origin no site allows', async () => {
    const site = await createSite();
    for (const [code, res] of await failures(site.public_key, site.secret_key, FOREIGN)) {
      expect([code, res.headers.get('access-control-allow-origin')]).toEqual([code, null]);
    }
    // Nor for an origin of another site: the key's site decides once it is known.
    const other = await createSite('Other', { origins: [FOREIGN] });
    const res = await postEvents(batch(site.public_key, [pageEvent(uid('s'), `${FOREIGN}/`)]), { origin: FOREIGN });
    expect([res.status, (await errorOf(res)).code, res.headers.get('access-control-allow-origin')]).toEqual([403, 'origin_not_allowed', null]);
    expect(other.public_key).not.toBe(site.public_key);
  });
});

describe('the per-key rate limit', () => {
  /** The Worker with a limiter that lets `allowed` requests per key through and refuses the rest, whatever the time. */
  function limitedWorker(allowed: number) {
    const seen = new Map<string, number>();
    const limiter = {
      limit: async ({ key }: { key: string }) => {
        seen.set(key, (seen.get(key) ?? 0) + 1);
        return { success: seen.get(key)! <= allowed };
      },
    };
    const send = async (body: unknown) => {
      const ctx = createExecutionContext();
      const req = new Request(`${BASE}/e`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, origin: ORIGIN },
        body: JSON.stringify(body),
      });
      const res = await worker.fetch(req, { ...env, INGEST_LIMITER: limiter }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    return { send, seen };
  }

  it('answers 429 with Retry-After, readable by the page, once a public key exceeds its limit', async () => {
    const site = await createSite();
    const { send, seen } = limitedWorker(3);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await send(batch(site.public_key, [pageEvent(uid('s'), `${ORIGIN}/`)])));
    expect(statuses.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    const limited = statuses[3];
    expect(limited.headers.get('retry-after')).toBe('60');
    expect(limited.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect((await errorOf(limited)).code).toBe('rate_limited');
    // The limit is per public key.
    expect([...seen.keys()]).toEqual([site.public_key]);
  });
});
