// GET /v1/quality: ingest counters (events, duplicates, bots), identity coverage, Direct/Unassigned
// share, conversions without a touch, free-mail contacts; ranges and CSV.
import { describe, expect, it } from 'vitest';
import { BROWSER_UA, batch, createSite, pageEvent, postEvents, postServer } from './helpers';
import { ago, DAY, get, getJson, iso, NOW, runJob, seedScenario, send } from './query-fixtures';

describe('GET /v1/quality', () => {
  it('reports what was ingested, dropped and identified, and how much credit lacks a touch', async () => {
    const site = await createSite('Quality');
    await seedScenario(site);
    await send(site, '/v1/touches', {
      touches: [
        { id: 't-qqq-direct01', occurred_at: ago(4), touch_type: 'web_visit', account_domain: 'qqq.com', channel: 'Direct' },
        { id: 't-qqq-unknown1', occurred_at: ago(4), touch_type: 'web_visit', account_domain: 'qqq.com', channel: 'Unassigned' },
      ],
    });
    // A resent Segment message is a duplicate; a headless browser's batch is dropped as bots.
    const resend = await postServer('/v1/identify', site.secret_key, { messageId: 'msg-aaa-ident1', anonymousId: 'anon-aaa-0001', traits: { email: 'a1@aaa.com' } });
    expect(await resend.json()).toMatchObject({ duplicates: 1 });
    const bots = await postEvents(batch(site.public_key, [pageEvent('sess_bot_00001', 'https://www.acme-site.test/'), pageEvent('sess_bot_00001', 'https://www.acme-site.test/a')]), {
      'user-agent': BROWSER_UA.replace('Chrome/126.0', 'HeadlessChrome/126.0'),
    });
    expect((await bots.json()) as object).toMatchObject({ accepted: 0 });
    await runJob(site);

    const q = await getJson(site, '/v1/quality');
    expect(q.ingest).toEqual({ events: 3, offline_touches: 7, conversions: 9, duplicates: 1, bots_dropped: 2, rejected: 0 });
    // a1@aaa.com, pat@gmail.com (free mail), nobody@ccc.com; two Segment anonymous ids, one identified.
    expect(q.identity).toEqual({
      visitors: 2,
      identified_visitors: 1,
      identified_visitors_pct: 50,
      contacts: 3,
      free_mail_contacts: 1,
      free_mail_contacts_pct: 33.33,
    });
    // In the last 90 days: 5 offline touches (the −120 d meeting is out), 2 Segment pages, the 2 above.
    expect(q.touches).toEqual({ total: 8, direct: 1, unassigned: 1, direct_pct: 12.5, unassigned_pct: 12.5, unassigned_or_direct_pct: 25 });
    // Credited: 5 closed_won, 2 leads, 1 demo_booked; ccc and ddd without a touch.
    expect(q.conversions).toEqual({ credited: 8, without_touch: 2, without_touch_pct: 25 });

    const csv = await (await get(site, '/v1/quality?format=csv')).text();
    expect(csv).toContain('ingest.bots_dropped,2\r\n');
    expect(csv).toContain('conversions.without_touch_pct,25\r\n');
  });

  it('counts touches and conversions of the range only, in whole UTC days', async () => {
    const site = await createSite('Quality range');
    await seedScenario(site);
    await runJob(site);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const q = await getJson(site, `/v1/quality?from=${iso(ago(3.7))}&to=${day(NOW)}`);
    expect([q.from, q.to]).toEqual([day(ago(3.7)), day(NOW)]);
    // ccc (no touch), pat, demo_booked, anonymous lead, bbb, ddd (no touch), aaa.
    expect(q.conversions).toEqual({ credited: 7, without_touch: 2, without_touch_pct: 28.57 });
    expect(q.touches.total).toBe(0);
    const empty = await getJson(site, `/v1/quality?from=${day(NOW + 10 * DAY)}&to=${day(NOW + 11 * DAY)}`);
    expect(empty.conversions).toEqual({ credited: 0, without_touch: 0, without_touch_pct: null });
    expect(empty.touches.direct_pct).toBeNull();
  });
});
