// Stitching, account roll-up and the models through the real endpoints: ingest over HTTP, then
// POST /v1/attribution/run, then the credit table, with the docs/attribution.md invariants audited every time.
import { flatCredit } from './credit-rows';
import { env } from 'cloudflare:test';
import { MODEL_NAMES as MODELS } from '../../schemas/models';
import { describe, expect, it } from 'vitest';
import { auditCredit } from '../../edge/src/attribution/audit';
import { findSiteById } from '../../edge/src/db/sites';
import { batch, call, createSite, pageEvent, postEvents, postServer, rows, type TestSite, sendAccepted } from './helpers';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => NOW - days * DAY;

const send = sendAccepted;

async function runJob(site: TestSite) {
  const res = await call('/v1/attribution/run', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
  expect(res.status).toBe(200);
  const out = (await res.json()) as { done: boolean };
  expect(out.done).toBe(true);
  const audit = await auditCredit(env.DB, (await findSiteById(env.DB, site.id))!);
  expect(audit.problems).toEqual([]);
  return out;
}

interface Credit {
  touch_id: string;
  weight: number;
  revenue_cents: number;
  channel: string;
  account_domain: string;
}

async function credit(site: TestSite, conversionId: string, model = 'linear'): Promise<Credit[]> {
  return (await flatCredit(site.id, { conversionId, model })).map(({ touch_id, weight, revenue_cents, channel, account_domain }) => ({
    touch_id,
    weight,
    revenue_cents,
    channel: channel!,
    account_domain,
  }));
}

const cents = async (site: TestSite, conversionId: string, model: string) =>
  Object.fromEntries((await credit(site, conversionId, model)).map((c) => [c.touch_id, c.revenue_cents]));

const touch = (id: string, days: number, who: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  id,
  occurred_at: ago(days),
  touch_type: 'webinar',
  ...who,
  ...extra,
});

const segmentPage = (messageId: string, anonymousId: string, days: number, campaign: Record<string, string>) => ({
  messageId,
  anonymousId,
  timestamp: new Date(ago(days)).toISOString(),
  context: { campaign, page: { url: 'https://www.acme-site.test/pricing' } },
});

describe('identity stitching', () => {
  it("credits a contact's anonymous history from before identification, on every device", async () => {
    const site = await createSite();
    await send(site, '/v1/page', segmentPage('msg-laptop-1', 'laptop-ann-0001', 20, { source: 'google', medium: 'cpc', name: 'brand' }));
    await send(site, '/v1/page', segmentPage('msg-phone-01', 'phone-ann-00001', 10, { source: 'linkedin', medium: 'paid_social' }));
    await send(site, '/v1/page', segmentPage('msg-strange1', 'stranger-000001', 3, { source: 'google', medium: 'cpc' }));
    // A third device through the snippet: a campaign landing, identified by a form later on.
    const tablet = 'tablet-ann-0001';
    const landing = pageEvent('sess-tablet-01', 'https://www.acme-site.test/?utm_source=newsletter&utm_medium=email', { l: 1, c: Date.now() - 2 * 3_600_000 });
    expect((await postEvents(batch(site.public_key, [landing], { v: tablet }))).status).toBe(200);
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-ann-won', stage: 'closed_won', occurred_at: NOW, email: 'ann@acme.com', amount: 900 }],
    });

    // Before any identification the contact has no touches: "(no touch)".
    await runJob(site);
    expect((await credit(site, 'conv-ann-won')).map((c) => c.channel)).toEqual(['(no touch)']);

    await send(site, '/v1/identify', { anonymousId: 'laptop-ann-0001', traits: { email: 'ann@acme.com' }, timestamp: new Date(ago(5)).toISOString() });
    await send(site, '/v1/identify', { anonymousId: 'phone-ann-00001', traits: { email: 'ANN@acme.com ' }, timestamp: new Date(ago(2)).toISOString() });
    const identify = { i: 'ev-tablet-ident', y: 'identify', c: Date.now(), s: 'sess-tablet-01', m: 'Ann@Acme.com' };
    expect((await postEvents(batch(site.public_key, [identify], { v: tablet }))).status).toBe(200);
    // After identification too.
    await send(site, '/v1/page', segmentPage('msg-laptop-2', 'laptop-ann-0001', 1, { source: 'bing', medium: 'cpc' }));
    await runJob(site);

    const [tabletTouch] = await rows<{ touch_id: string }>('SELECT touch_id FROM touches WHERE site_id = ? AND visitor_id = ?', site.id, tablet);
    const linear = await credit(site, 'conv-ann-won');
    expect(linear.map((c) => c.touch_id).sort()).toEqual(['s_msg-laptop-1', 's_msg-laptop-2', 's_msg-phone-01', tabletTouch.touch_id].sort());
    expect(linear.every((c) => c.weight === 0.25 && c.revenue_cents === 22_500 && c.account_domain === 'acme.com')).toBe(true);
    expect((await credit(site, 'conv-ann-won', 'first_touch')).map((c) => [c.touch_id, c.channel])).toEqual([['s_msg-laptop-1', 'Paid Search']]);
  });

  it("rolls every contact's and account-level touch up to the account's conversions", async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [
        touch('t-ann-webinar', 30, { email: 'ann@acme.com' }),
        touch('t-bob-meeting', 20, { email: 'bob@acme.com' }, { touch_type: 'meeting' }),
        touch('t-acme-mailer', 15, { account_domain: 'acme.com' }, { touch_type: 'direct_mail' }),
        touch('t-carol-other', 10, { email: 'carol@other.com' }),
        // A free-mail address sent with an explicit account belongs to that account (docs/identity-and-privacy.md).
        touch('t-dave-gmail1', 5, { email: 'dave@gmail.com', account_domain: 'acme.com' }, { touch_type: 'call' }),
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'conv-acme-won', stage: 'closed_won', occurred_at: NOW, account_domain: 'acme.com', amount: 5000 },
        { id: 'conv-bob-lead', stage: 'lead', occurred_at: ago(12), email: 'bob@acme.com' },
      ],
    });
    await runJob(site);

    const won = await credit(site, 'conv-acme-won');
    expect(won.map((c) => c.touch_id)).toEqual(['t-acme-mailer', 't-ann-webinar', 't-bob-meeting', 't-dave-gmail1']);
    expect(won.map((c) => c.revenue_cents)).toEqual([125_000, 125_000, 125_000, 125_000]);
    expect(new Set(won.map((c) => c.account_domain))).toEqual(new Set(['acme.com']));
    // Bob's lead is credited from his colleague's touches too, but only those before it.
    expect((await credit(site, 'conv-bob-lead')).map((c) => c.touch_id)).toEqual(['t-acme-mailer', 't-ann-webinar', 't-bob-meeting']);
  });

  it('keeps a free-mail contact as a personal account, credited from their own touches only', async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [
        touch('t-joe-webinar', 10, { email: 'joe@gmail.com' }),
        touch('t-sue-webinar', 5, { email: 'sue@gmail.com' }),
      ],
    });
    await send(site, '/v1/page', segmentPage('msg-joe-lap1', 'joe-laptop-0001', 8, { source: 'twitter', medium: 'social' }));
    await send(site, '/v1/identify', { anonymousId: 'joe-laptop-0001', traits: { email: 'joe@gmail.com' } });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-joe-won', stage: 'closed_won', occurred_at: NOW, email: 'joe@gmail.com', amount: 100 }],
    });
    await runJob(site);
    const joe = await credit(site, 'conv-joe-won');
    expect(joe.map((c) => c.touch_id)).toEqual(['s_msg-joe-lap1', 't-joe-webinar']);
    expect(joe.map((c) => c.account_domain)).toEqual(['(personal)', '(personal)']);
  });

  it('moves a contact to the account_domain sent with their email, history included, out of the old account', async () => {
    const site = await createSite();
    await send(site, '/v1/page', segmentPage('msg-jane-lap1', 'jane-laptop-0001', 20, { source: 'linkedin', medium: 'paid_social' }));
    await send(site, '/v1/identify', { anonymousId: 'jane-laptop-0001', traits: { email: 'jane@acme.com' } });
    await send(site, '/v1/touches', {
      touches: [touch('t-jane-webinar', 10, { email: 'jane@acme.com' }), touch('t-acme-mailer', 8, { account_domain: 'acme.com' }, { touch_type: 'direct_mail' })],
    });
    await send(site, '/v1/conversions', { conversions: [{ id: 'conv-acme-lead', stage: 'lead', occurred_at: ago(5), account_domain: 'acme.com' }] });
    await runJob(site);
    expect((await credit(site, 'conv-acme-lead')).map((c) => c.touch_id)).toEqual(['s_msg-jane-lap1', 't-acme-mailer', 't-jane-webinar']);

    // The CRM files Jane's deal under the company's website domain, not her email's.
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-corp-won', stage: 'closed_won', occurred_at: ago(1), email: 'jane@acme.com', account_domain: 'acme-corp.com', amount: 900 }],
    });
    expect(await runJob(site)).toMatchObject({ full: false });
    const won = await credit(site, 'conv-corp-won');
    expect(won.map((c) => [c.touch_id, c.account_domain])).toEqual([
      ['s_msg-jane-lap1', 'acme-corp.com'],
      ['t-jane-webinar', 'acme-corp.com'],
    ]);
    expect((await credit(site, 'conv-acme-lead')).map((c) => c.touch_id)).toEqual(['t-acme-mailer']);

    // Identified again by email alone (another device): she stays at acme-corp.com, new touch included.
    await send(site, '/v1/page', segmentPage('msg-jane-phn1', 'jane-phone-00001', 2, { source: 'google', medium: 'cpc' }));
    await send(site, '/v1/identify', { anonymousId: 'jane-phone-00001', traits: { email: 'jane@acme.com' } });
    await runJob(site);
    expect((await credit(site, 'conv-corp-won')).map((c) => c.touch_id)).toEqual(['s_msg-jane-lap1', 's_msg-jane-phn1', 't-jane-webinar']);
    expect(await rows('SELECT account_domain, account_explicit FROM contacts WHERE site_id = ?', site.id)).toEqual([{ account_domain: 'acme-corp.com', account_explicit: 1 }]);

    // Incremental credit equals a full recompute.
    const all = () => flatCredit(site.id);
    const before = await all();
    const full = await call('/v1/attribution/run?full=true', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(full.status).toBe(200);
    expect(await all()).toEqual(before);
  });

  it('refuses a free-mail account_domain: free mail never forms an account', async () => {
    const site = await createSite();
    const res = await postServer('/v1/conversions', site.secret_key, {
      conversions: [{ id: 'conv-free-acct', stage: 'lead', occurred_at: ago(1), email: 'pat@gmail.com', account_domain: 'Gmail.com' }],
    });
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'free_mail_account', message: expect.stringContaining('gmail.com is a free-mail domain') }] });
    const touches = await postServer('/v1/touches', site.secret_key, { touches: [touch('t-free-acct1', 1, { account_domain: 'yahoo.com' })] });
    expect(((await touches.json()) as { rejected: { code: string }[] }).rejected.map((r) => r.code)).toEqual(['free_mail_account']);
    expect(await rows('SELECT domain FROM accounts WHERE site_id = ?', site.id)).toEqual([]);
  });

  it("credits an unidentified visitor's conversion from its own touches, and moves it once identified", async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [
        touch('t-anon-visit1', 4, { anonymous_id: 'anon-visitor-9' }, { touch_type: 'web_visit', source: 'google', medium: 'organic' }),
        touch('t-kimco-event', 6, { account_domain: 'kimco.com' }, { touch_type: 'event' }),
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-anon-lead', stage: 'lead', occurred_at: NOW, anonymous_id: 'anon-visitor-9' }],
    });
    await runJob(site);
    expect((await credit(site, 'conv-anon-lead')).map((c) => [c.touch_id, c.channel, c.account_domain])).toEqual([
      ['t-anon-visit1', 'Organic Search', '(anonymous)'],
    ]);

    await send(site, '/v1/identify', { anonymousId: 'anon-visitor-9', traits: { email: 'kim@kimco.com' } });
    const second = await runJob(site);
    expect(second).toMatchObject({ full: false });
    const moved = await credit(site, 'conv-anon-lead');
    expect(moved.map((c) => [c.touch_id, c.account_domain])).toEqual([
      ['t-anon-visit1', 'kimco.com'],
      ['t-kimco-event', 'kimco.com'],
    ]);
  });
});

describe('windows and stages', () => {
  it('credits touches inside [T − window, T] only, and a conversion without any as "(no touch)"', async () => {
    const site = await createSite();
    const t = NOW - 3_600_000;
    await send(site, '/v1/touches', {
      touches: [
        { id: 't-win-edge-in', occurred_at: t - 90 * DAY, touch_type: 'event', account_domain: 'windowco.com' },
        { id: 't-win-edge-out', occurred_at: t - 90 * DAY - 1, touch_type: 'event', account_domain: 'windowco.com' },
        { id: 't-win-at-conv', occurred_at: t, touch_type: 'call', account_domain: 'windowco.com' },
        { id: 't-win-after-1', occurred_at: t + 1, touch_type: 'call', account_domain: 'windowco.com' },
        { id: 't-quiet-old-1', occurred_at: t - 100 * DAY, touch_type: 'event', account_domain: 'quietco.com' },
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'conv-window-1', stage: 'closed_won', occurred_at: t, account_domain: 'windowco.com', amount: 10 },
        { id: 'conv-quiet-01', stage: 'closed_won', occurred_at: t, account_domain: 'quietco.com', amount: 1234.56 },
      ],
    });
    await runJob(site);
    expect((await credit(site, 'conv-window-1')).map((c) => c.touch_id)).toEqual(['t-win-at-conv', 't-win-edge-in']);

    const quiet = await flatCredit(site.id, { conversionId: 'conv-quiet-01' });
    expect(quiet).toHaveLength(MODELS.length);
    for (const row of quiet) {
      expect(row).toMatchObject({ touch_id: '', weight: 1, revenue_cents: 123_456, channel: '(no touch)', source: '(no touch)', touch_type: '(no touch)', account_domain: '(no touch)' });
    }
  });

  it('stores closed_lost but never credits it', async () => {
    const site = await createSite();
    await send(site, '/v1/touches', { touches: [touch('t-lost-webinr', 3, { account_domain: 'lostco.com' })] });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-lost-001', stage: 'closed_lost', occurred_at: NOW, account_domain: 'lostco.com', amount: 500 }],
    });
    const out = (await runJob(site)) as unknown as { conversions_credited: number };
    expect(out.conversions_credited).toBe(0);
    expect(await rows('SELECT stage FROM conversions WHERE site_id = ?', site.id)).toEqual([{ stage: 'closed_lost' }]);
    expect(await rows('SELECT * FROM credit WHERE site_id = ?', site.id)).toEqual([]);
  });
});

describe('the models of docs/attribution.md through the job', () => {
  it('gives the contract numbers for touches 10, 5 and 1 days before a $1,000 closed-won', async () => {
    const site = await createSite();
    await send(site, '/v1/touches', {
      touches: [
        touch('touch-a-10d', 10, { account_domain: 'examplecorp.com' }),
        touch('touch-b-05d', 5, { account_domain: 'examplecorp.com' }),
        touch('touch-c-01d', 1, { account_domain: 'examplecorp.com' }),
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-example', stage: 'closed_won', occurred_at: NOW, account_domain: 'examplecorp.com', amount: 1000 }],
    });
    await runJob(site);
    expect(await cents(site, 'conv-example', 'first_touch')).toEqual({ 'touch-a-10d': 100_000 });
    expect(await cents(site, 'conv-example', 'last_touch')).toEqual({ 'touch-c-01d': 100_000 });
    expect(await cents(site, 'conv-example', 'linear')).toEqual({ 'touch-a-10d': 33_334, 'touch-b-05d': 33_333, 'touch-c-01d': 33_333 });
    expect(await cents(site, 'conv-example', 'u_shaped')).toEqual({ 'touch-a-10d': 40_000, 'touch-b-05d': 20_000, 'touch-c-01d': 40_000 });
    expect(await cents(site, 'conv-example', 'time_decay')).toEqual({ 'touch-a-10d': 19_690, 'touch-b-05d': 32_305, 'touch-c-01d': 48_005 });
  });

  it('places W-shaped and full-path milestones from the account’s lead and opportunity', async () => {
    const site = await createSite();
    const days = [70, 60, 50, 40, 30, 20, 10];
    await send(site, '/v1/touches', { touches: days.map((d, i) => touch(`touch-T${i + 1}-path`, d, { account_domain: 'pathco.com' })) });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'conv-path-lead', stage: 'lead', occurred_at: ago(45), account_domain: 'pathco.com' },
        { id: 'conv-path-opp1', stage: 'opportunity', occurred_at: ago(25), account_domain: 'pathco.com', opportunity_id: 'opp-7' },
        { id: 'conv-path-won1', stage: 'closed_won', occurred_at: NOW, account_domain: 'pathco.com', opportunity_id: 'opp-7', amount: 120_000 },
      ],
    });
    await runJob(site);
    const T = (i: number) => `touch-T${i}-path`;
    expect(await cents(site, 'conv-path-won1', 'w_shaped')).toEqual({
      [T(1)]: 3_600_000, [T(2)]: 600_000, [T(3)]: 3_600_000, [T(4)]: 600_000, [T(5)]: 3_600_000,
    });
    expect(await cents(site, 'conv-path-won1', 'full_path')).toEqual({
      [T(1)]: 2_700_000, [T(2)]: 400_000, [T(3)]: 2_700_000, [T(4)]: 400_000, [T(5)]: 2_700_000, [T(6)]: 400_000, [T(7)]: 2_700_000,
    });
  });

  it('weights custom by the site’s custom_weights and skips Direct for last_non_direct', async () => {
    const site = await createSite('Custom', { settings: { custom_weights: { webinar: 3, call: 1 } } });
    await send(site, '/v1/touches', {
      touches: [
        touch('t-cw-social01', 9, { account_domain: 'cwco.com' }, { channel: 'Organic Social' }),
        touch('t-cw-search01', 6, { account_domain: 'cwco.com' }, { channel: 'Organic Search', touch_type: 'call' }),
        touch('t-cw-direct01', 2, { account_domain: 'cwco.com' }, { channel: 'Direct', touch_type: 'call' }),
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-cw-won01', stage: 'closed_won', occurred_at: NOW, account_domain: 'cwco.com', amount: 50 }],
    });
    await runJob(site);
    expect(await cents(site, 'conv-cw-won01', 'custom')).toEqual({ 't-cw-social01': 3000, 't-cw-search01': 1000, 't-cw-direct01': 1000 });
    expect(await cents(site, 'conv-cw-won01', 'last_non_direct')).toEqual({ 't-cw-search01': 5000 });
    expect(await cents(site, 'conv-cw-won01', 'last_touch')).toEqual({ 't-cw-direct01': 5000 });
  });
});
