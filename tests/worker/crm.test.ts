// Offline touches and CRM conversions: classification, updates by id, limits and per-item errors.
import { describe, expect, it } from 'vitest';
import { createSite, errorOf, postServer, rows, uid } from './helpers';

describe('POST /v1/touches', () => {
  it('stores offline touches by email, anonymous id or account, classifying channels', async () => {
    const site = await createSite();
    const res = await postServer('/v1/touches', site.secret_key, {
      touches: [
        { id: uid('t'), occurred_at: '2026-10-01T15:00:00Z', touch_type: 'webinar', email: 'Sam@Hooli.com', campaign: 'Q4 webinar' },
        { id: uid('t'), occurred_at: '2026-10-02T15:00:00Z', touch_type: 'meeting', account_domain: 'WWW.Hooli.com' },
        { id: uid('t'), occurred_at: Date.parse('2026-10-03T09:00:00Z'), touch_type: 'partner_referral', anonymous_id: 'anon-77' },
        { id: uid('t'), occurred_at: '2026-10-04T09:00:00Z', touch_type: 'direct_mail', email: 'sam@hooli.com', channel: 'Field Marketing' },
        { id: uid('t'), occurred_at: '2026-10-05T09:00:00Z', touch_type: 'event', account_domain: 'hooli.com', source: 'linkedin', medium: 'paid_social' },
        { id: uid('t'), occurred_at: '2026-10-06T09:00:00Z', touch_type: 'podcast', email: 'sam@hooli.com' },
      ],
    });
    expect(await res.json()).toEqual({ accepted: 6, duplicates: 0, rejected: [] });
    const stored = await rows<{ touch_type: string; channel: string; account_domain: string | null; contact_id: string | null }>(
      'SELECT touch_type, channel, account_domain, contact_id FROM touches WHERE site_id = ? ORDER BY occurred_at',
      site.id,
    );
    // A touch sent by email belongs to the person (whose account the job reads from the contact, so it
    // follows them if a CRM later files them elsewhere); one sent by account_domain to the account.
    expect(stored.map((t) => [t.touch_type, t.channel, t.account_domain])).toEqual([
      ['webinar', 'Events', null],
      ['meeting', 'Sales', 'hooli.com'],
      ['partner_referral', 'Partners', null],
      ['direct_mail', 'Field Marketing', null],
      ['event', 'Paid Social', 'hooli.com'],
      ['podcast', 'Offline', null],
    ]);
    expect(stored[0].contact_id).toBe(stored[3].contact_id); // the same person, whatever the case of the email
    expect(await rows('SELECT account_domain FROM contacts WHERE site_id = ? AND contact_id = ?', site.id, stored[0].contact_id)).toEqual([{ account_domain: 'hooli.com' }]);
    expect(await rows('SELECT * FROM accounts WHERE site_id = ?', site.id)).toHaveLength(1);
  });

  it('treats a resent touch id as a duplicate', async () => {
    const site = await createSite();
    const touch = { id: uid('t'), occurred_at: '2026-10-01T15:00:00Z', touch_type: 'call', email: 'a@b-corp.com' };
    await postServer('/v1/touches', site.secret_key, { touches: [touch] });
    expect(await (await postServer('/v1/touches', site.secret_key, { touches: [touch] })).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
  });

  it('rejects bad touches per item', async () => {
    const site = await createSite();
    const ok = { id: uid('t'), occurred_at: '2026-10-01T15:00:00Z', touch_type: 'call', email: 'a@b-corp.com' };
    const res = await postServer('/v1/touches', site.secret_key, {
      touches: [
        ok,
        { ...ok, id: uid('t'), email: undefined },
        { ...ok, id: uid('t'), touch_type: 'Trade Show' },
        { ...ok, id: uid('t'), occurred_at: '1999-01-01T00:00:00Z' },
        { ...ok, id: uid('t'), occurred_at: new Date(Date.now() + 600_000).toISOString() },
        { ...ok, id: uid('t'), email: 'bad' },
        { ...ok, id: uid('t'), url: 'https://x.test/' + 'u'.repeat(2050) },
        { ...ok, id: uid('t'), surprise: true },
      ],
    });
    const body = (await res.json()) as { accepted: number; rejected: { index: number; code: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_touch'],
      [2, 'invalid_touch'],
      [3, 'timestamp_out_of_range'],
      [4, 'timestamp_out_of_range'],
      [5, 'invalid_email'],
      [6, 'invalid_touch'],
      [7, 'invalid_touch'],
    ]);
  });

  it('accepts 500 touches in one request within the 100-parameter limit; 501 is 413', async () => {
    const site = await createSite();
    const touches = Array.from({ length: 500 }, (_, n) => ({
      id: uid('t'), occurred_at: '2026-10-01T15:00:00Z', touch_type: 'event', email: `p${n}@c${n}.com`, campaign: `c${n}`,
    }));
    expect(await (await postServer('/v1/touches', site.secret_key, { touches })).json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    expect(await rows('SELECT * FROM contacts WHERE site_id = ?', site.id)).toHaveLength(500);
    const over = await postServer('/v1/touches', site.secret_key, { touches: [...touches, touches[0]] });
    expect([over.status, (await errorOf(over)).code]).toEqual([413, 'too_many_items']);
  });

  it('400 for a body of the wrong shape', async () => {
    const site = await createSite();
    const res = await postServer('/v1/touches', site.secret_key, { conversions: [] });
    expect([res.status, (await errorOf(res)).code]).toEqual([400, 'invalid_body']);
  });
});

describe('POST /v1/conversions', () => {
  it('stores CRM milestones with revenue in cents and updates by id, never duplicating', async () => {
    const site = await createSite();
    const id = uid('opp');
    const first = await postServer('/v1/conversions', site.secret_key, {
      conversions: [
        { id: uid('lead'), stage: 'lead', occurred_at: '2026-10-01T00:00:00Z', email: 'cfo@umbrella.com' },
        { id, stage: 'opportunity', occurred_at: '2026-10-10T00:00:00Z', account_domain: 'umbrella.com', opportunity_id: 'OPP-1', amount: 5000 },
      ],
    });
    expect(await first.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const same = await postServer('/v1/conversions', site.secret_key, {
      conversions: [{ id, stage: 'opportunity', occurred_at: '2026-10-10T00:00:00Z', account_domain: 'umbrella.com', opportunity_id: 'OPP-1', amount: 5000 }],
    });
    expect(await same.json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    // A stage change sent alone keeps the deal's amount and opportunity; a resend of it is a duplicate.
    const stageOnly = { id, stage: 'negotiation', occurred_at: '2026-10-20T00:00:00Z', account_domain: 'umbrella.com' };
    expect(await (await postServer('/v1/conversions', site.secret_key, { conversions: [stageOnly] })).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await rows('SELECT stage, opportunity_id, amount_cents FROM conversions WHERE conversion_id = ?', id)).toEqual([{ stage: 'negotiation', opportunity_id: 'OPP-1', amount_cents: 500000 }]);
    expect(await (await postServer('/v1/conversions', site.secret_key, { conversions: [stageOnly] })).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    const won = await postServer('/v1/conversions', site.secret_key, {
      conversions: [{ id, stage: 'closed_won', occurred_at: '2026-11-01T00:00:00Z', account_domain: 'umbrella.com', opportunity_id: 'OPP-1', amount: 12345.675, currency: 'eur' }],
    });
    expect(await won.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const stored = await rows('SELECT conversion_id, stage, amount_cents, currency, account_domain FROM conversions WHERE site_id = ? ORDER BY occurred_at', site.id);
    expect(stored).toEqual([
      expect.objectContaining({ stage: 'lead', account_domain: null, amount_cents: null }), // by email: the contact's account (umbrella.com)
      { conversion_id: id, stage: 'closed_won', amount_cents: 1234568, currency: 'EUR', account_domain: 'umbrella.com' },
    ]);
  });

  it('rejects bad conversions per item', async () => {
    const site = await createSite();
    const ok = { id: uid('c'), stage: 'lead', occurred_at: '2026-10-01T00:00:00Z', email: 'a@b-corp.com' };
    const res = await postServer('/v1/conversions', site.secret_key, {
      conversions: [ok, { ...ok, id: uid('c'), amount: -5 }, { ...ok, id: uid('c'), currency: 'dollars' }, { ...ok, id: uid('c'), stage: 'Closed Won' }, { ...ok, id: uid('c'), email: undefined }],
    });
    const body = (await res.json()) as { accepted: number; rejected: { index: number; code: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(body.rejected.map((r) => r.code)).toEqual(['invalid_amount', 'invalid_conversion', 'invalid_conversion', 'invalid_conversion']);
  });
});
