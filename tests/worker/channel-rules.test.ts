// Channel rules: stored in order with a version, tried before GA4's rules at ingest, and a change
// reclassifies every stored touch and spend row (writing only rows that change) so that the next job
// run moves credit; removing the rule moves it back. Limits and bad rules answer specific codes.
import { describe, expect, it } from 'vitest';
import { batch, call, createSite, errorOf, pageEvent, postEvents, postServer, rows, uid, ORIGIN, type TestSite } from './helpers';
import { adTouch, ago, getJson, iso, runJob, send } from './query-fixtures';

type Rule = { channel: string; when: Record<string, string[]> };
type RulesAnswer = { version: number; updated_at: string | null; rules: Rule[]; reclassification: { done: boolean; touches_changed?: number; spend_changed?: number } };
type CreditRow = { key: string; conversions: number; revenue: number; spend?: number };

const put = (site: TestSite, rules: unknown) =>
  call('/v1/channel-rules', {
    method: 'PUT',
    headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ rules }),
  });
async function putOk(site: TestSite, rules: Rule[]): Promise<RulesAnswer> {
  const res = await put(site, rules);
  if (res.status !== 200) throw new Error(`PUT /v1/channel-rules: ${res.status} ${await res.text()}`);
  return res.json();
}
const day = (days: number) => iso(ago(days)).slice(0, 10);
const REVIEW_SITES: Rule = { channel: 'Review Sites', when: { source: ['g2', 'capterra*'] } };

async function byChannel(site: TestSite): Promise<Record<string, [number, number]>> {
  const report = await getJson<{ rows: CreditRow[] }>(site, '/v1/credit?group_by=channel&model=linear');
  return Object.fromEntries(report.rows.map((r) => [r.key, [r.conversions, r.spend ?? 0]]));
}

/**
 * acme.com: g2/referral at −10 d, closed_won $1,000 at −1 d.
 * beta.io: capterra.com/referral at −8 d and google/cpc at −6 d, closed_won $2,000 at −2 d (linear: half each).
 * gamma.com: an event sent with its own channel (and source g2) at −5 d, closed_won at −1 d.
 * Spend: $100 on g2/referral, $50 with the caller's channel Display and source g2.
 */
async function seed(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      adTouch('t-acme-g2', 10, 'acme.com', 'g2', 'referral', 'q1'),
      adTouch('t-beta-capterra', 8, 'beta.io', 'capterra.com', 'referral', 'q1'),
      adTouch('t-beta-google', 6, 'beta.io', 'google', 'cpc', 'brand'),
      { ...adTouch('t-gamma-event', 5, 'gamma.com', 'g2', 'referral', 'meetup'), touch_type: 'event', channel: 'Events' },
    ],
  });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'won-acme', stage: 'closed_won', occurred_at: iso(ago(1)), account_domain: 'acme.com', amount: 1000 },
      { id: 'won-beta', stage: 'closed_won', occurred_at: iso(ago(2)), account_domain: 'beta.io', amount: 2000 },
      { id: 'won-gamma', stage: 'closed_won', occurred_at: iso(ago(1)), account_domain: 'gamma.com', amount: 500 },
    ],
  });
  await send(site, '/v1/spend', {
    spend: [
      { id: 'spend-g2', date: day(4), amount: 100, source: 'g2', medium: 'referral' },
      { id: 'spend-display', date: day(4), amount: 50, source: 'g2', channel: 'Display' },
    ],
  });
}

describe('channel rules: history', () => {
  it('a rule reclassifies stored touches and spend, credit moves on the next run, and back when it is removed', async () => {
    const site = await createSite('Rules history');
    await seed(site);
    await runJob(site);
    expect(await byChannel(site)).toEqual({ Referral: [1.5, 100], 'Paid Search': [0.5, 0], Events: [1, 0], Display: [0, 50] });

    const empty = await getJson<RulesAnswer>(site, '/v1/channel-rules');
    expect(empty).toEqual({ version: 0, updated_at: null, rules: [], reclassification: { done: true } });

    const saved = await putOk(site, [REVIEW_SITES]);
    expect(saved.version).toBe(1);
    // Two web-less touches and one spend row change; the caller's own channels (the event, the Display spend) do not.
    expect(saved.reclassification).toEqual({ done: true, touches_changed: 2, spend_changed: 1 });
    const stored = await rows<{ touch_id: string; channel: string }>('SELECT touch_id, channel FROM touches WHERE site_id = ? ORDER BY touch_id', site.id);
    expect(stored.map((t) => [t.touch_id, t.channel])).toEqual([
      ['t-acme-g2', 'Review Sites'],
      ['t-beta-capterra', 'Review Sites'],
      ['t-beta-google', 'Paid Search'],
      ['t-gamma-event', 'Events'],
    ]);
    // Spend reads its channel directly; credit waits for the job.
    expect((await byChannel(site))['Review Sites']).toEqual([0, 100]);
    // The data-driven models learn the new channel at that run (a refit), and not again after it.
    expect(await runJob(site)).toMatchObject({ refitted: true });
    expect((await getJson<{ markov: { channels: { channel: string }[] } }>(site, '/v1/models?conversion=closed_won')).markov.channels.map((c) => c.channel)).toContain('Review Sites');
    expect(await runJob(site)).toMatchObject({ refitted: false });
    expect(await byChannel(site)).toEqual({ 'Review Sites': [1.5, 100], 'Paid Search': [0.5, 0], Events: [1, 0], Display: [0, 50] });

    const got = await getJson<RulesAnswer>(site, '/v1/channel-rules');
    expect([got.version, got.rules, got.reclassification.done]).toEqual([1, [REVIEW_SITES], true]);

    // The same rules again are no change: nothing is written, the version stays.
    const again = await putOk(site, [REVIEW_SITES]);
    expect([again.version, again.reclassification.touches_changed]).toEqual([1, 0]);

    const removed = await putOk(site, []);
    expect([removed.version, removed.reclassification.touches_changed, removed.reclassification.spend_changed]).toEqual([2, 2, 1]);
    await runJob(site);
    expect(await byChannel(site)).toEqual({ Referral: [1.5, 100], 'Paid Search': [0.5, 0], Events: [1, 0], Display: [0, 50] });
  });

  it('only rows whose channel changes are written', async () => {
    const site = await createSite('Rules writes');
    await seed(site);
    await putOk(site, [REVIEW_SITES]);
    // Narrowing the rule to g2 alone moves one touch back and leaves the other rows alone.
    const narrowed = await putOk(site, [{ channel: 'Review Sites', when: { source: ['g2'] } }]);
    expect(narrowed.reclassification).toEqual({ done: true, touches_changed: 1, spend_changed: 0 });
  });

  it('new ingest uses the current rules at once, on every field a rule can test', async () => {
    const site = await createSite('Rules ingest');
    await putOk(site, [
      { channel: 'Pricing from G2', when: { referrer_host: ['*g2.com'], landing_path: ['/pricing*'], touch_type: ['web_visit'] } },
      { channel: 'Partner Campaigns', when: { campaign: ['partner-*'], medium: ['*'] } },
    ]);
    const res = await postEvents(
      batch(site.public_key, [
        pageEvent('sess_rules_1', `${ORIGIN}/pricing/teams`, { l: 1, r: 'https://www.g2.com/products/acme/reviews' }),
        pageEvent('sess_rules_2', `${ORIGIN}/blog?utm_source=acme&utm_medium=email&utm_campaign=Partner-Launch`, { l: 1 }),
        pageEvent('sess_rules_3', `${ORIGIN}/about`, { l: 1, r: 'https://www.g2.com/products/acme/reviews' }),
      ]),
    );
    expect(res.status).toBe(200);
    const stored = await rows<{ session_id: string; channel: string }>('SELECT session_id, channel FROM touches WHERE site_id = ? ORDER BY session_id', site.id);
    expect(stored.map((t) => [t.session_id, t.channel])).toEqual([
      ['sess_rules_1', 'Pricing from G2'],
      ['sess_rules_2', 'Partner Campaigns'],
      // Not the pricing page: every condition must hold, so GA4 decides.
      ['sess_rules_3', 'Referral'],
    ]);
    // Offline touches and spend are classified by the same rules.
    await send(site, '/v1/touches', { touches: [adTouch('t-partner', 3, 'p.com', 'x', 'y', 'PARTNER-q3')] });
    await send(site, '/v1/spend', { spend: [{ id: 'sp-partner', date: day(3), amount: 10, campaign: 'partner-q3', medium: 'cpc' }] });
    const [touch] = await rows<{ channel: string }>('SELECT channel FROM touches WHERE site_id = ? AND touch_id = ?', site.id, 't-partner');
    const [spend] = await rows<{ channel: string }>('SELECT channel FROM spend WHERE site_id = ?', site.id);
    expect([touch.channel, spend.channel]).toEqual(['Partner Campaigns', 'Partner Campaigns']);
  });
});

describe('channel rules: form fills', () => {
  it('a touch_type rule reaches a visit a form turns into form_fill, in the same batch or a later one', async () => {
    const site = await createSite('Rules forms');
    await putOk(site, [{ channel: 'Demo Requests', when: { touch_type: ['form_fill'], landing_path: ['/demo*'] } }]);
    const form = (s: string) => ({ i: uid(), y: 'form', c: Date.now(), s, u: `${ORIGIN}/demo`, f: { i: 'demo-form' } });
    // Same batch: the page and its form.
    expect((await postEvents(batch(site.public_key, [pageEvent('sess_form_1', `${ORIGIN}/demo`, { l: 1 }), form('sess_form_1')]))).status).toBe(200);
    // Later batch: the visit first, the form afterwards.
    expect((await postEvents(batch(site.public_key, [pageEvent('sess_form_2', `${ORIGIN}/demo`, { l: 1 })]))).status).toBe(200);
    expect((await postEvents(batch(site.public_key, [form('sess_form_2')]))).status).toBe(200);
    // A visit without a form stays with GA4's channel.
    expect((await postEvents(batch(site.public_key, [pageEvent('sess_form_3', `${ORIGIN}/demo`, { l: 1 })]))).status).toBe(200);
    const stored = await rows<{ session_id: string; touch_type: string; channel: string }>(
      'SELECT session_id, touch_type, channel FROM touches WHERE site_id = ? ORDER BY session_id', site.id,
    );
    expect(stored.map((t) => [t.session_id, t.touch_type, t.channel])).toEqual([
      ['sess_form_1', 'form_fill', 'Demo Requests'],
      ['sess_form_2', 'form_fill', 'Demo Requests'],
      ['sess_form_3', 'web_visit', 'Direct'],
    ]);
  });
});

describe('channel rules: order and matching', () => {
  async function channelOf(site: TestSite, id: string) {
    const [t] = await rows<{ channel: string }>('SELECT channel FROM touches WHERE site_id = ? AND touch_id = ?', site.id, id);
    return t.channel;
  }

  it('the first rule that matches wins', async () => {
    const site = await createSite('Rules order');
    await send(site, '/v1/touches', { touches: [adTouch('t-order', 3, 'o.com', 'g2', 'referral', 'x')] });
    await putOk(site, [{ channel: 'Broad', when: { source: ['g*'] } }, { channel: 'Narrow', when: { source: ['g2'] } }]);
    expect(await channelOf(site, 't-order')).toBe('Broad');
    await putOk(site, [{ channel: 'Narrow', when: { source: ['g2'] } }, { channel: 'Broad', when: { source: ['g*'] } }]);
    expect(await channelOf(site, 't-order')).toBe('Narrow');
  });

  it('wildcards: alone, prefix, suffix, middle; regular-expression characters are literal; case is ignored', async () => {
    const site = await createSite('Rules wildcards');
    const sources = ['anything', 'capterra.com', 'news.ycombinator.com', 'ab-middle-cd', 'a.b', 'axb', '(x)+', 'CaseMix', 'g2x'];
    await send(site, '/v1/touches', { touches: sources.map((s, i) => adTouch(`t-wild-${i}`, 3, 'w.com', s, 'zzz', 'x')) });
    const check = async (pattern: string, expected: string[]) => {
      await putOk(site, [{ channel: 'Hit', when: { source: [pattern] } }]);
      const hit = await rows<{ source: string }>("SELECT source FROM touches WHERE site_id = ? AND channel = 'Hit' ORDER BY source", site.id);
      expect([pattern, hit.map((h) => h.source)]).toEqual([pattern, [...expected].sort()]);
    };
    await check('*', sources);
    await check('capterra*', ['capterra.com']);
    await check('*.com', ['capterra.com', 'news.ycombinator.com']);
    await check('ab*cd', ['ab-middle-cd']);
    await check('a*m*d', ['ab-middle-cd']);
    await check('a*b*c', []);
    await check('a.b', ['a.b']);
    await check('(x)+', ['(x)+']);
    await check('casemix', ['CaseMix']);
    await check('G2', []);
    await check('*.*.*', ['news.ycombinator.com']);
  });

  it('a preview counts what each rule would catch, read key allowed, nothing saved', async () => {
    const site = await createSite('Rules preview');
    await send(site, '/v1/touches', {
      touches: [adTouch('t-p1', 3, 'p.com', 'g2', 'referral', 'x'), adTouch('t-p2', 3, 'p.com', 'g2', 'cpc', 'x'), adTouch('t-p3', 3, 'p.com', 'bing', 'cpc', 'x')],
    });
    const key = ((await (await postServer('/v1/keys', site.secret_key, { name: 'dash', scope: 'read' })).json()) as { key: string }).key;
    const res = await call('/v1/channel-rules/preview', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ channel: 'Review Sites', when: { source: ['g2'] } }, { channel: 'Paid Search', when: { medium: ['cpc'] } }] }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      touches_scanned: 3,
      rules: [
        { channel: 'Review Sites', touches: 2, changed: 2 },
        // bing/cpc is Paid Search already: caught, not changed.
        { channel: 'Paid Search', touches: 1, changed: 0 },
      ],
      unmatched: 0,
      complete: true,
    });
    expect((await getJson<RulesAnswer>(site, '/v1/channel-rules')).version).toBe(0);
  });
});

describe('channel rules: bad input', () => {
  const rule = (i: number): Rule => ({ channel: `C${i}`, when: { source: [`s${i}`] } });

  it('allows 100 rules and refuses the 101st with too_many_rules', async () => {
    const site = await createSite('Rules limit');
    expect((await put(site, Array.from({ length: 100 }, (_, i) => rule(i)))).status).toBe(200);
    const res = await put(site, Array.from({ length: 101 }, (_, i) => rule(i)));
    const error = await errorOf(res);
    expect([res.status, error.code]).toEqual([400, 'too_many_rules']);
    expect(error.message).toMatch(/at most 100/);
    expect((await getJson<RulesAnswer>(site, '/v1/channel-rules')).rules).toHaveLength(100);
  });

  it('names what is wrong with a rule', async () => {
    const site = await createSite('Rules bad');
    for (const [body, code] of [
      [[{ channel: 'X', when: {} }], 'invalid_channel_rules'],
      [[{ channel: '', when: { source: ['a'] } }], 'invalid_channel_rules'],
      [[{ channel: 'X', when: { source: [] } }], 'invalid_channel_rules'],
      [[{ channel: 'X', when: { regex: ['^a'] } }], 'invalid_channel_rules'],
      [[{ channel: 'X', when: { source: 'g2' } }], 'invalid_channel_rules'],
      ['nope', 'invalid_channel_rules'],
    ] as const) {
      const res = await put(site, body);
      expect([JSON.stringify(body), res.status, (await errorOf(res)).code]).toEqual([JSON.stringify(body), 400, code]);
    }
    const notJson = await call('/v1/channel-rules', { method: 'PUT', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' }, body: '{' });
    expect([notJson.status, (await errorOf(notJson)).code]).toEqual([400, 'invalid_json']);
    const wrongType = await call('/v1/channel-rules', { method: 'PUT', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'text/plain' }, body: '{}' });
    expect([wrongType.status, (await errorOf(wrongType)).code]).toEqual([415, 'unsupported_media_type']);
    const method = await call('/v1/channel-rules', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(method.status).toBe(405);
    expect(uid()).toBeTruthy();
  });
});
