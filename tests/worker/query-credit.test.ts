// GET /v1/credit: defaults, hand-computed rows, every grouping, timestamp ranges, CSV, and the rollup
// kept in step with stored credit through incremental runs, erasure and full recomputes.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BATCH_ABORTED } from '../../edge/src/db/guard';
import { guardRollupLease } from '../../edge/src/db/rollup';
import { flatCredit } from './credit-rows';
import { call, createSite, rows, type TestSite } from './helpers';
import {
  ago,
  creditTruth,
  DAY,
  expectReconciled,
  expectRollupInStep,
  get,
  getJson,
  iso,
  NOW,
  QUOTED_CAMPAIGN,
  runJob,
  seedScenario,
  send,
  type Row,
} from './query-fixtures';

const GROUP_BY = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'];
const today = new Date(Date.now()).toISOString().slice(0, 10);
const daysBefore = (date: string, n: number) => new Date(Date.parse(date) - n * DAY).toISOString().slice(0, 10);

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Query credit');
  await seedScenario(site);
  await runJob(site);
});

describe('GET /v1/credit', () => {
  it('answers with the documented defaults and the hand-computed rows', async () => {
    const report = await getJson(site, '/v1/credit');
    expect(report).toMatchObject({
      model: 'linear',
      conversion: 'closed_won',
      group_by: 'channel',
      from: daysBefore(today, 89),
      to: today,
      window_days: 90,
      totals: { conversions: 5, revenue: 2050 },
    });
    // Grouped by channel, rows carry spend (none sent here) and its ratios, null where spend is 0.
    const noSpend = { spend: 0, roas: null, cost_per_conversion: 0 };
    expect(report.rows).toEqual([
      { key: 'Events', conversions: 2.3334, revenue: 883.34, touches: 3, ...noSpend },
      { key: '(no touch)', conversions: 2, revenue: 500, touches: 0, ...noSpend },
      { key: 'Direct Mail', conversions: 0.3333, revenue: 333.33, touches: 1, ...noSpend },
      { key: 'Paid Search', conversions: 0.3333, revenue: 333.33, touches: 1, ...noSpend },
    ]);
    expect(report.totals).toEqual({ conversions: 5, revenue: 2050, ...noSpend });
    expect(report.currency).toBe('USD');
    expectReconciled(report);
  });

  it('groups by every dimension, NULL as "(not set)", always reconciling to the same totals', async () => {
    for (const dim of GROUP_BY) {
      const report = await getJson(site, `/v1/credit?group_by=${dim}&model=time_decay`);
      expect(report.group_by).toBe(dim);
      expect(report.totals).toMatchObject({ conversions: 5, revenue: 2050 });
      expectReconciled(report);
      expect(report.rows.map((r: Row) => r.key)).toContain('(no touch)');
    }
    const accounts = await getJson(site, '/v1/credit?group_by=account');
    expect(accounts.rows.map((r: Row) => [r.key, r.revenue])).toEqual([
      ['aaa.com', 1000],
      ['(no touch)', 500], // two conversions: before bbb.com's one at the same revenue
      ['bbb.com', 500],
      ['(personal)', 50],
    ]);
    const campaigns = await getJson(site, '/v1/credit?group_by=campaign&model=first_touch');
    expect(campaigns.rows.map((r: Row) => [r.key, r.conversions])).toEqual([
      ['(not set)', 3],
      ['(no touch)', 2],
    ]);
    const lastTouch = await getJson(site, '/v1/credit?group_by=campaign&model=last_touch');
    expect(lastTouch.rows.map((r: Row) => r.key)).not.toContain(QUOTED_CAMPAIGN);
    const linearCampaigns = await getJson(site, '/v1/credit?group_by=campaign');
    expect(linearCampaigns.rows.find((r: Row) => r.key === QUOTED_CAMPAIGN)).toEqual({
      key: QUOTED_CAMPAIGN,
      conversions: 0.3333,
      revenue: 333.33,
      touches: 1,
      spend: 0,
      roas: null,
      cost_per_conversion: 0,
    });
    const leads = await getJson(site, '/v1/credit?conversion=lead&group_by=account');
    expect(leads.rows).toEqual([
      { key: '(anonymous)', conversions: 1, revenue: 0, touches: 1 },
      { key: 'aaa.com', conversions: 1, revenue: 0, touches: 2 },
    ]);
  });

  it('takes ISO timestamps, reading partial edge days from credit rows', async () => {
    const ranges: [number, number][] = [
      [ago(1.5), ago(1)], // both inclusive: bbb and ddd and aaa
      [ago(1.5) + 1, ago(1) - 1], // ddd only
      [ago(4), ago(2.2)], // ccc, pat, in one partial edge each side
      [ago(30) + 3_600_000, NOW + 3_600_000], // whole days in between
    ];
    for (const [from, to] of ranges) {
      for (const dim of ['channel', 'account']) {
        const report = await getJson(site, `/v1/credit?group_by=${dim}&from=${iso(from)}&to=${iso(to)}`);
        expect([report.from, report.to]).toEqual([iso(from), iso(to)]);
        const truth = await creditTruth(site, 'linear', 'closed_won', dim, from, to);
        const got = [...report.rows].sort((a: Row, b: Row) => (a.key < b.key ? -1 : 1));
        expect(got.map((r: Row) => [r.key, Math.round(r.revenue * 100), r.touches])).toEqual(truth.map((t) => [t.key, t.cents, t.touches]));
        got.forEach((r: Row, i: number) => expect(Math.abs(r.conversions - truth[i].units / 1e9)).toBeLessThanOrEqual(0.0001));
        expectReconciled(report);
      }
    }
    // A date pair covers its whole days; a timestamp without an offset is UTC.
    const day = iso(ago(1)).slice(0, 10);
    const byDate = await getJson(site, `/v1/credit?from=${day}&to=${day}`);
    const byStamp = await getJson(site, `/v1/credit?from=${day}T00:00:00&to=${day}T23:59:59.999`);
    expect(byStamp.rows).toEqual(byDate.rows);
    expect(byDate.totals.revenue).toBe(1000 + 500 + 300);
  });

  it('a usual stage without data answers empty rows; a custom stage the site has is accepted', async () => {
    expect(await getJson(site, '/v1/credit?conversion=mql')).toMatchObject({ totals: { conversions: 0, revenue: 0 }, rows: [] });
    const demo = await getJson(site, '/v1/credit?conversion=demo_booked&group_by=touch_type');
    expect(demo.rows).toEqual([{ key: 'event', conversions: 1, revenue: 0, touches: 1 }]);
  });

  it('returns CSV with format=csv or Accept: text/csv, quoted, formula-safe', async () => {
    const res = await get(site, '/v1/credit?group_by=campaign&format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="credit_linear_closed_won_campaign_.*\.csv"$/);
    const csv = await res.text();
    expect(csv.split('\r\n')[0]).toBe('key,conversions,revenue,touches,spend,roas,cost_per_conversion');
    expect(csv).toContain(`"${QUOTED_CAMPAIGN.replace(/"/g, '""')}",0.3333,333.33,1,0.00,,0.00\r\n`);
    expect(csv.endsWith('\r\n')).toBe(true);
    const viaAccept = await get(site, '/v1/credit?group_by=campaign', { accept: 'text/csv' });
    expect(await viaAccept.text()).toBe(csv);
    const jsonWins = await get(site, '/v1/credit?group_by=campaign&format=json', { accept: 'text/csv' });
    expect(jsonWins.headers.get('content-type')).toMatch(/^application\/json/);
    // A campaign from a visitor's URL that a spreadsheet would run as a formula.
    const leads = await (await get(site, '/v1/credit?conversion=lead&group_by=campaign&format=csv')).text();
    expect(leads).toContain("'=cmd|calc,1.0000,0.00,1,0.00,,0.00");
  });
});

describe('the credit rollup', () => {
  it('stays equal to the credit rows through updates, moves, erasure and recomputes', async () => {
    const s = await createSite('Rollup');
    await seedScenario(s);
    await runJob(s);
    expect(await expectRollupInStep(s)).toBeGreaterThan(50);
    // An amount change, a stage change, a conversion moving from (no touch) to an account, new touches.
    await send(s, '/v1/conversions', {
      conversions: [
        { id: 'conv-aaa-won01', stage: 'closed_won', occurred_at: ago(1), account_domain: 'aaa.com', amount: 1234.56 },
        { id: 'conv-bbb-won01', stage: 'closed_lost', occurred_at: ago(1.5), account_domain: 'bbb.com', amount: 500 },
        { id: 'conv-ccc-won01', stage: 'closed_won', occurred_at: ago(3.7), account_domain: 'aaa.com', amount: 200 },
      ],
    });
    await send(s, '/v1/touches', { touches: [{ id: 't-aaa-call0001', occurred_at: ago(2), touch_type: 'call', email: 'a2@aaa.com' }] });
    await runJob(s);
    await expectRollupInStep(s);
    const report = await getJson(s, '/v1/credit?group_by=account');
    expect(report.totals).toEqual({ conversions: 4, revenue: 1234.56 + 50 + 200 + 300 });
    expect(report.rows.find((r: Row) => r.key === 'bbb.com')).toBeUndefined();

    const erase = await call('/v1/people?email=pat@gmail.com', { method: 'DELETE', headers: { authorization: `Bearer ${s.secret_key}` } });
    expect(erase.status).toBe(200);
    await runJob(s);
    await expectRollupInStep(s);
    await runJob(s, '?full=true');
    await expectRollupInStep(s);
  });

  it('keeps month rows by each day\'s change under a lease: a run that finds it held leaves the days queued, one that lost it writes nothing', async () => {
    const s = await createSite('Rollup lease');
    await seedScenario(s);
    await runJob(s);
    const lease = (token: string | null, until: number | null) =>
      env.DB.prepare('UPDATE attribution_state SET rollup_lease = ?2, rollup_lease_until = ?3 WHERE site_id = ?1').bind(s.id, token, until).run();
    const monthRows = () => rows('SELECT stage, dim, day, part, sums FROM credit_sums WHERE site_id = ?1 AND grain = ?2 ORDER BY stage, dim, day, part', s.id, 'month');

    // Another run holds the lease: credit is written, the days wait, nothing of the rollup moves.
    await send(s, '/v1/conversions', { conversions: [{ id: 'conv-lease-won1', stage: 'closed_won', occurred_at: ago(2), account_domain: 'aaa.com', amount: 99 }] });
    await lease('another-run', Date.now() + 60_000);
    const before = await monthRows();
    const held = (await call('/v1/attribution/run', { method: 'POST', headers: { authorization: `Bearer ${s.secret_key}` } }).then((r) => r.json())) as Record<string, unknown>;
    expect(held).toMatchObject({ done: false, rollup_days_rebuilt: 0, pending: 0 });
    expect(held.rollup_days_pending).toBeGreaterThan(0);
    expect(await monthRows()).toEqual(before);

    // Once that lease has run out, the next run takes it over and the months are exact again.
    await lease('another-run', Date.now() - 1);
    expect(await runJob(s)).toMatchObject({ done: true, rollup_days_pending: 0 });
    await expectRollupInStep(s);
    expect(await rows('SELECT rollup_lease FROM attribution_state WHERE site_id = ?1', s.id)).toEqual([{ rollup_lease: null }]);

    // A write batch whose lease was taken over rolls back whole.
    await lease('mine', Date.now() + 60_000);
    await lease('thief', Date.now() + 60_000);
    const write = env.DB.prepare("UPDATE credit_sums SET sums = '{}' WHERE site_id = ?1").bind(s.id);
    await expect(env.DB.batch([...guardRollupLease(env.DB, s.id, 'mine', Date.now() + 60_000), write])).rejects.toThrow(BATCH_ABORTED);
    expect(await monthRows()).not.toEqual([]);
    await expectRollupInStep(s);
  });

  it('stores exact integer weight units: 1e9 per conversion and model', async () => {
    const sums = new Map<string, number>();
    for (const r of await flatCredit(site.id)) sums.set(`${r.model}/${r.conversion_id}`, (sums.get(`${r.model}/${r.conversion_id}`) ?? 0) + r.weight_units);
    expect(sums.size).toBeGreaterThan(0);
    expect(new Set(sums.values())).toEqual(new Set([1_000_000_000]));
  });
});
