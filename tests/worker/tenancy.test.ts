// Tenant isolation: one site's keys can neither write into nor read from another site.
import { describe, expect, it } from 'vitest';
import { batch, createSite, errorOf, ORIGIN, pageEvent, postEvents, postServer, rows, uid } from './helpers';

describe('tenancy', () => {
  it("site A's keys never write into site B, and the same ids stay separate per site", async () => {
    const a = await createSite('A');
    const b = await createSite('B', { origins: ['https://b.test'] });
    // A's public key from B's origin is refused.
    const cross = await postEvents(batch(a.public_key, [pageEvent(uid('s'), 'https://b.test/')]), { origin: 'https://b.test' });
    expect(cross.status).toBe(403);
    // The same event, touch and conversion ids in both sites are two separate rows, not duplicates.
    const shared = batch(a.public_key, [pageEvent(uid('s'), `${ORIGIN}/`, { l: 1 })]);
    expect(await (await postEvents(shared)).json()).toMatchObject({ accepted: 1 });
    expect(await (await postEvents({ ...shared, k: b.public_key }, { origin: 'https://b.test' })).json()).toMatchObject({ accepted: 1 });
    const conv = { conversions: [{ id: 'same-conv-id', stage: 'lead', occurred_at: '2026-10-01T00:00:00Z', email: 'x@shared-co.com' }] };
    expect(await (await postServer('/v1/conversions', a.secret_key, conv)).json()).toMatchObject({ accepted: 1 });
    expect(await (await postServer('/v1/conversions', b.secret_key, conv)).json()).toMatchObject({ accepted: 1 });
    // The same email is a different contact id per site (per-site HMAC key): no cross-site join.
    const contacts = await rows<{ site_id: string; contact_id: string }>("SELECT site_id, contact_id FROM contacts WHERE site_id IN (?, ?)", a.id, b.id);
    expect(contacts).toHaveLength(2);
    expect(contacts[0].contact_id).not.toBe(contacts[1].contact_id);
    for (const site of [a, b]) {
      expect(await rows('SELECT * FROM events WHERE site_id = ?', site.id)).toHaveLength(1);
      expect(await rows('SELECT * FROM conversions WHERE site_id = ?', site.id)).toHaveLength(1);
    }
  });

  it("site A's secret key cannot change site B through the admin API", async () => {
    const a = await createSite('A');
    const b = await createSite('B');
    const res = await postServer(`/admin/sites/${b.id}/rotate`, a.secret_key, {});
    expect([res.status, (await errorOf(res)).code]).toEqual([401, 'unknown_key']);
  });
});
