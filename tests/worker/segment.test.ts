// Segment-compatible tracking API: identify, track, page and batch, with messageId dedupe.
import { describe, expect, it } from 'vitest';
import { call, createSite, errorOf, postServer, rows, uid } from './helpers';

const basic = (key: string) => `Basic ${btoa(`${key}:`)}`;

describe('Segment HTTP tracking API', () => {
  it('accepts a batch of identify, page and track with the key as Basic username', async () => {
    const site = await createSite();
    const anon = uid('anon');
    const sentAt = new Date().toISOString();
    const res = await call('/v1/batch', {
      method: 'POST',
      headers: { authorization: basic(site.secret_key), 'content-type': 'application/json' },
      body: JSON.stringify({
        sentAt,
        batch: [
          { type: 'page', messageId: uid('m'), anonymousId: anon, timestamp: sentAt, properties: { url: 'https://acme.io/?utm_source=g2&utm_medium=referral&utm_campaign=reviews', referrer: 'https://www.g2.com/' } },
          { type: 'identify', messageId: uid('m'), anonymousId: anon, userId: 'crm-user-42', traits: { email: 'Mia@Initech.com', company: { name: 'Initech' } } },
          { type: 'track', messageId: uid('m'), userId: 'crm-user-42', event: 'Demo Requested', properties: { plan: 'pro', email: 'mia@initech.com' } },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    const [touch] = await rows('SELECT * FROM touches WHERE site_id = ?', site.id);
    expect(touch).toMatchObject({ origin: 'server', channel: 'Referral', source: 'g2', campaign: 'reviews', visitor_id: anon });
    const [contact] = await rows<{ contact_id: string; account_domain: string; company: string }>('SELECT * FROM contacts WHERE site_id = ?', site.id);
    expect(contact).toMatchObject({ account_domain: 'initech.com', company: 'Initech' });
    const links = await rows<{ visitor_id: string }>('SELECT visitor_id FROM identity_links WHERE site_id = ? ORDER BY visitor_id', site.id);
    expect(links).toHaveLength(2);
    expect(links.map((l) => l.visitor_id)).toContain(anon);
    expect(links.find((l) => l.visitor_id !== anon)!.visitor_id).toMatch(/^u_[0-9a-f]{32}$/);
    const [track] = await rows<{ props: string; visitor_id: string }>("SELECT * FROM events WHERE site_id = ? AND type = 'track'", site.id);
    expect(JSON.parse(track.props)).toEqual({ plan: 'pro', email: '[redacted]' }); // the email property never reaches storage
    expect(track.visitor_id).toMatch(/^u_/); // a userId is stored only as a per-site HMAC
  });

  it.each(['identify', 'track', 'page'])('POST /v1/%s takes one message with a Bearer key and dedupes by messageId', async (type) => {
    const site = await createSite();
    const msg = { messageId: `msg:${type}:0001`, anonymousId: uid('a'), event: 'Signed Up', traits: { email: 'x@globex.com' }, context: { page: { url: 'https://globex.com/' } } };
    const first = await postServer(`/v1/${type}`, site.secret_key, msg);
    expect(await first.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const again = await postServer(`/v1/${type}`, site.secret_key, msg);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const events = await rows<{ type: string; event_id: string }>('SELECT type, event_id FROM events WHERE site_id = ?', site.id);
    expect(events).toEqual([{ type, event_id: expect.stringMatching(/^m_[0-9a-f]{40}$/) }]);
  });

  it("reads the campaign from Segment's context.campaign.name", async () => {
    const site = await createSite();
    await postServer('/v1/page', site.secret_key, {
      messageId: uid('m'), anonymousId: 'a-camp',
      context: { page: { url: 'https://acme.io/' }, campaign: { name: 'spring-launch', source: 'newsletter', medium: 'email' } },
    });
    const [touch] = await rows('SELECT campaign, channel FROM touches WHERE site_id = ?', site.id);
    expect(touch).toEqual({ campaign: 'spring-launch', channel: 'Email' });
  });

  it('dedupes messages without a messageId by their content', async () => {
    const site = await createSite();
    const msg = { type: 'track', anonymousId: 'anon-no-id', event: 'Clicked', timestamp: '2026-01-02T03:04:05Z' };
    await postServer('/v1/batch', site.secret_key, { batch: [msg] });
    expect(await (await postServer('/v1/batch', site.secret_key, { batch: [msg] })).json()).toMatchObject({ duplicates: 1 });
  });

  it('rejects bad messages per item and reports the rest', async () => {
    const site = await createSite();
    const res = await postServer('/v1/batch', site.secret_key, {
      batch: [
        { type: 'track', messageId: uid('m'), anonymousId: 'a1', event: 'ok' },
        { type: 'track', messageId: uid('m'), event: 'no identity' },
        { type: 'group', messageId: uid('m'), anonymousId: 'a1', groupId: 'g' },
        { type: 'identify', messageId: uid('m'), anonymousId: 'a1', traits: { email: 'nope' } },
        { type: 'track', messageId: uid('m'), anonymousId: 'a1', timestamp: '1999-12-31T00:00:00Z' },
        { type: 'track', messageId: uid('m'), anonymousId: 'a1', timestamp: new Date(Date.now() + 3600_000).toISOString() },
        { type: 'track', messageId: uid('m'), anonymousId: 'a1', timestamp: 'yesterday' },
        42,
        // docs/limits.md's limits hold wherever a field comes from: URL and referrer as properties, company, campaign.
        { type: 'page', messageId: uid('m'), anonymousId: 'a1', properties: { url: `https://x.test/?q=${'a'.repeat(2048)}` } },
        { type: 'page', messageId: uid('m'), anonymousId: 'a1', properties: { referrer: `https://x.test/${'r'.repeat(2048)}` } },
        { type: 'identify', messageId: uid('m'), anonymousId: 'a1', traits: { email: 'ok@long-co.com', company: 'c'.repeat(1025) } },
        { type: 'identify', messageId: uid('m'), anonymousId: 'a1', context: { traits: { company: { name: 'c'.repeat(1025) } } } },
        { type: 'page', messageId: uid('m'), anonymousId: 'a1', context: { campaign: { campaign: 'x'.repeat(1025) } } },
      ],
    });
    const body = (await res.json()) as { accepted: number; rejected: { index: number; code: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'missing_identity'],
      [2, 'unsupported_type'],
      [3, 'invalid_email'],
      [4, 'timestamp_out_of_range'],
      [5, 'timestamp_out_of_range'],
      [6, 'invalid_timestamp'],
      [7, 'invalid_message'],
      [8, 'invalid_message'],
      [9, 'invalid_message'],
      [10, 'invalid_message'],
      [11, 'invalid_message'],
      [12, 'invalid_message'],
    ]);
  });

  it('corrects the sender clock with sentAt', async () => {
    const site = await createSite();
    const skew = 2 * 3600_000;
    const sent = Date.now() + skew;
    await postServer('/v1/track', site.secret_key, {
      messageId: uid('m'), anonymousId: 'a', event: 'x', timestamp: new Date(sent - 60_000).toISOString(), sentAt: new Date(sent).toISOString(),
    });
    const [ev] = await rows<{ occurred_at: number }>('SELECT occurred_at FROM events WHERE site_id = ?', site.id);
    expect(Math.abs(ev.occurred_at - (Date.now() - 60_000))).toBeLessThan(5_000);
  });

  it('401 without a key or with an unknown one, 403 with a public key, 400/413/415 for bad bodies', async () => {
    const site = await createSite();
    const none = await call('/v1/batch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"batch":[]}' });
    expect([none.status, (await errorOf(none)).code]).toEqual([401, 'missing_key']);
    const unknown = await postServer('/v1/batch', 'sk_unknown', { batch: [] });
    expect([unknown.status, (await errorOf(unknown)).code]).toEqual([401, 'unknown_key']);
    const pub = await postServer('/v1/batch', site.public_key, { batch: [] });
    expect([pub.status, (await errorOf(pub)).code]).toEqual([403, 'key_not_allowed']);
    const empty = await postServer('/v1/batch', site.secret_key, { batch: [] });
    expect([empty.status, (await errorOf(empty)).code]).toEqual([400, 'invalid_batch']);
    const notJson = await postServer('/v1/track', site.secret_key, '{');
    expect([notJson.status, (await errorOf(notJson)).code]).toEqual([400, 'invalid_json']);
    const many = await postServer('/v1/batch', site.secret_key, { batch: Array.from({ length: 501 }, () => ({})) });
    expect([many.status, (await errorOf(many)).code]).toEqual([413, 'too_many_items']);
    const bigItem = await postServer('/v1/batch', site.secret_key, { batch: [{ type: 'track', anonymousId: 'a', properties: { blob: 'x'.repeat(33_000) } }] });
    expect([bigItem.status, (await errorOf(bigItem)).code]).toEqual([413, 'item_too_large']);
    const huge = await postServer('/v1/batch', site.secret_key, { batch: Array.from({ length: 20 }, () => ({ properties: { blob: 'x'.repeat(30_000) } })) });
    expect([huge.status, (await errorOf(huge)).code]).toEqual([413, 'payload_too_large']);
    const form = await postServer('/v1/track', site.secret_key, 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, (await errorOf(form)).code]).toEqual([415, 'unsupported_media_type']);
    const get = await call('/v1/batch', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([get.status, (await errorOf(get)).code]).toEqual([405, 'method_not_allowed']);
  });

  it('accepts 500 messages in one batch within the 100-parameter limit', async () => {
    const site = await createSite();
    const batch = Array.from({ length: 500 }, (_, n) => ({
      type: n % 2 ? 'identify' : 'page',
      messageId: uid('m'),
      anonymousId: `anon-${n}`,
      traits: { email: `user${n}@corp${n % 40}.com` },
      context: { page: { url: `https://acme.io/p?utm_source=s${n}&utm_medium=cpc` } },
    }));
    const res = await postServer('/v1/batch', site.secret_key, { batch });
    expect(await res.json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    expect(await rows('SELECT * FROM touches WHERE site_id = ?', site.id)).toHaveLength(250);
  });
});
