// GET /v1/accounts/:domain/journey: hashed contacts, stitched touches in time order, conversions and
// their stored credit per touch per model; filters, CSV, and the 400/404 answers.
import { MODEL_NAMES as MODELS } from '../../schemas/models';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSite, errorOf, type TestSite } from './helpers';
import { ago, get, getJson, iso, runJob, seedScenario, send } from './query-fixtures';

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Journeys');
  await seedScenario(site);
  await runJob(site);
});

describe('GET /v1/accounts/:domain/journey', () => {
  it('lists contacts by hashed id, every stitched touch in time order, and conversions with their credit', async () => {
    const res = await get(site, '/v1/accounts/aaa.com/journey');
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('a1@aaa.com');
    const j = JSON.parse(text);
    expect(j).toMatchObject({ domain: 'aaa.com', from: null, to: null });
    expect(j.models).toEqual([...MODELS]);
    expect(j.contacts).toHaveLength(1);
    expect(j.contacts[0].contact_id).toMatch(/^[0-9a-f]{64}$/);
    const contact = j.contacts[0].contact_id;

    expect(j.touches.map((t: any) => [t.touch_id, t.occurred_at, t.via, t.channel])).toEqual([
      // Sent with a1@aaa.com: the touch is the contact's, at aaa.com through the contact.
      ['t-aaa-webinar', iso(ago(30)), 'contact', 'Events'],
      ['s_msg-aaa-page01', iso(ago(25)), 'visitor', 'Paid Search'],
      ['t-aaa-mailer1', iso(ago(10)), 'account', 'Direct Mail'],
    ]);
    expect(j.touches[0]).toMatchObject({ touch_type: 'webinar', origin: 'offline', contact_id: contact, source: null });
    expect(j.touches[1]).toMatchObject({ source: 'google', medium: 'cpc', contact_id: null });

    expect(j.conversions.map((c: any) => [c.conversion_id, c.stage, c.amount, c.credited])).toEqual([
      ['conv-aaa-lead1', 'lead', null, true],
      ['conv-aaa-won01', 'closed_won', 1000, true],
    ]);
    const won = j.conversions[1];
    expect(won.credit.linear).toEqual([
      // Weights are the stored integer units (billionths), split by largest remainder like cents.
      { touch_id: 't-aaa-webinar', weight: 0.333333334, revenue: 333.34 },
      { touch_id: 's_msg-aaa-page01', weight: 0.333333333, revenue: 333.33 },
      { touch_id: 't-aaa-mailer1', weight: 0.333333333, revenue: 333.33 },
    ]);
    expect(won.credit.first_touch).toEqual([{ touch_id: 't-aaa-webinar', weight: 1, revenue: 1000 }]);
    expect(won.credit.u_shaped.map((c: any) => c.revenue)).toEqual([400, 200, 400]);
    for (const model of j.models) {
      expect(won.credit[model].reduce((n: number, c: any) => n + Math.round(c.revenue * 100), 0)).toBe(100_000);
    }
    expect(j.conversions[0].credit.linear.map((c: any) => [c.touch_id, c.weight])).toEqual([
      ['t-aaa-webinar', 0.5],
      ['s_msg-aaa-page01', 0.5],
    ]);
  });

  it('shows no-touch credit as touch_id null, and closed_lost as not credited', async () => {
    const ccc = await getJson(site, '/v1/accounts/ccc.com/journey?models=linear');
    expect(ccc.touches).toEqual([]);
    expect(ccc.conversions[0].credit).toEqual({ linear: [{ touch_id: null, weight: 1, revenue: 200 }] });
    const bbb = await getJson(site, '/v1/accounts/BBB.com/journey?models=first_touch,linear');
    expect(bbb.domain).toBe('bbb.com');
    const lost = bbb.conversions.find((c: any) => c.stage === 'closed_lost');
    expect(lost).toMatchObject({ amount: 999, credited: false, credit: { first_touch: [], linear: [] } });
  });

  it('filters touches and conversions by from/to', async () => {
    const j = await getJson(site, `/v1/accounts/aaa.com/journey?from=${iso(ago(26))}&to=${iso(ago(5))}`);
    expect([j.from, j.to]).toEqual([iso(ago(26)), iso(ago(5))]);
    expect(j.touches.map((t: any) => t.touch_id)).toEqual(['s_msg-aaa-page01', 't-aaa-mailer1']);
    expect(j.conversions.map((c: any) => c.conversion_id)).toEqual(['conv-aaa-lead1']);
  });

  it('returns the timeline as CSV', async () => {
    const res = await get(site, '/v1/accounts/aaa.com/journey?format=csv');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="journey_aaa.com.csv"');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('kind,occurred_at,id,type_or_stage,channel,source,medium,campaign,content,term,contact_id,amount');
    expect(lines.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual([
      `touch,${iso(ago(30))},t-aaa-webinar`,
      `touch,${iso(ago(25))},s_msg-aaa-page01`,
      `conversion,${iso(ago(20))},conv-aaa-lead1`,
      `touch,${iso(ago(10))},t-aaa-mailer1`,
      `conversion,${iso(ago(1))},conv-aaa-won01`,
    ]);
    expect(lines.at(-1)!.endsWith(',1000.00')).toBe(true);
  });

  it('stitches a contact into the account it is given later, as the job does', async () => {
    // pat@gmail.com is free mail (personal) until a touch names an account for the contact.
    const before = await get(site, '/v1/accounts/patco.com/journey');
    expect(before.status).toBe(404);
    await send(site, '/v1/touches', {
      touches: [{ id: 't-pat-meeting1', occurred_at: ago(4), touch_type: 'meeting', email: 'pat@gmail.com', account_domain: 'patco.com' }],
    });
    await runJob(site);
    const j = await getJson(site, '/v1/accounts/patco.com/journey?models=linear');
    expect(j.touches.map((t: any) => [t.touch_id, t.via])).toEqual([
      ['t-pat-webinar', 'contact'],
      ['t-pat-meeting1', 'account'],
    ]);
    expect(j.conversions.map((c: any) => [c.conversion_id, c.credit.linear.map((x: any) => x.touch_id)])).toEqual([
      ['conv-pat-won01', ['t-pat-webinar', 't-pat-meeting1']],
    ]);
  });

  it('answers 404 for an account the site does not have and 400 for something that is not a domain', async () => {
    const missing = await get(site, '/v1/accounts/zzz.com/journey');
    expect([missing.status, (await errorOf(missing)).code]).toEqual([404, 'not_found']);
    for (const bad of ['(personal)', 'not-a-domain', 'a@b.com']) {
      const res = await get(site, `/v1/accounts/${encodeURIComponent(bad)}/journey`);
      expect([res.status, (await errorOf(res)).code]).toEqual([400, 'invalid_domain']);
    }
    const badModel = await get(site, '/v1/accounts/aaa.com/journey?models=nope');
    expect((await errorOf(badModel)).code).toBe('invalid_model');
  });
});
