// GET /v1/influence: an opportunity influenced by two campaigns counts once for each, sourced by its
// first window touch; sourced columns add up to the totals, influenced ones exceed them; CSV; errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createSite, errorOf, type TestSite } from './helpers';
import { adTouch, ago, expect400 as expect400For, get, getJson, iso, runJob, seedScenario, send } from './query-fixtures';

/**
 * Opportunities (site window 90 days):
 *   acme.com   $10,000 at −2 d: Google CPC "brand" −20 d, LinkedIn "abm" −10 d, Google CPC "brand" −5 d
 *   beta.io     $4,000 at −3 d: LinkedIn "abm" −8 d
 *   gamma.dev   $1,000 at −1 d: no touch
 * By campaign: brand influenced 1 ($10,000; two touches, one conversion), sourced 1 ($10,000);
 * abm influenced 2 ($14,000), sourced 1 ($4,000); (no touch) 1 and 1 ($1,000). Totals 3, $15,000.
 */
async function seed(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      adTouch('t-acme-brand01', 20, 'acme.com', 'google', 'cpc', 'brand'),
      adTouch('t-acme-abm0001', 10, 'acme.com', 'linkedin', 'paid_social', 'abm'),
      adTouch('t-acme-brand02', 5, 'acme.com', 'google', 'cpc', 'brand'),
      adTouch('t-beta-abm0001', 8, 'beta.io', 'linkedin', 'paid_social', 'abm'),
    ],
  });
  const opp = (id: string, days: number, domain: string, amount: number) => ({ id, stage: 'opportunity', occurred_at: iso(ago(days)), account_domain: domain, amount });
  await send(site, '/v1/conversions', {
    conversions: [opp('opp-acme-0001', 2, 'acme.com', 10_000), opp('opp-beta-0001', 3, 'beta.io', 4_000), opp('opp-gamma-001', 1, 'gamma.dev', 1_000)],
  });
}

type Row = { key: string; influenced_conversions: number; influenced_revenue: number; sourced_conversions: number; sourced_revenue: number };
const cells = (r: Row) => [r.key, r.influenced_conversions, r.influenced_revenue, r.sourced_conversions, r.sourced_revenue];

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Influence');
  await seed(site);
  await runJob(site);
});

describe('GET /v1/influence', () => {
  it('an opportunity influenced by two campaigns counts once for each; its first touch sources it', async () => {
    const report = await getJson(site, '/v1/influence?conversion=opportunity&group_by=campaign');
    expect(report).toMatchObject({ conversion: 'opportunity', group_by: 'campaign', window_days: 90, currency: 'USD', totals: { conversions: 3, revenue: 15_000 } });
    expect(report.rows.map(cells)).toEqual([
      ['abm', 2, 14_000, 1, 4_000],
      ['brand', 1, 10_000, 1, 10_000],
      ['(no touch)', 1, 1_000, 1, 1_000],
    ]);
    const channels = await getJson(site, '/v1/influence?conversion=opportunity');
    expect(channels.group_by).toBe('channel');
    expect(channels.rows.map(cells)).toEqual([
      ['Paid Social', 2, 14_000, 1, 4_000],
      ['Paid Search', 1, 10_000, 1, 10_000],
      ['(no touch)', 1, 1_000, 1, 1_000],
    ]);
    const accounts = await getJson(site, '/v1/influence?conversion=opportunity&group_by=account');
    expect(accounts.rows.map(cells)).toEqual([
      ['acme.com', 1, 10_000, 1, 10_000],
      ['beta.io', 1, 4_000, 1, 4_000],
      ['(no touch)', 1, 1_000, 1, 1_000],
    ]);
  });

  it('reads partial days from stored credit as the rollup reads whole ones', async () => {
    // Only acme's opportunity (−2 d) lies in this half-day-edged range.
    const report = await getJson(site, `/v1/influence?conversion=opportunity&group_by=campaign&from=${iso(ago(2.4))}&to=${iso(ago(1.6))}`);
    expect(report.rows.map(cells)).toEqual([
      ['brand', 1, 10_000, 1, 10_000],
      ['abm', 1, 10_000, 0, 0],
    ]);
    expect(report.totals).toEqual({ conversions: 1, revenue: 10_000 });
  });

  it('sourced sums equal the totals and influenced ones reach at least them, for every grouping and stage', async () => {
    const other = await createSite('Influence invariants');
    await seedScenario(other);
    await seed(other);
    await runJob(other);
    for (const s of [site, other]) {
      for (const stage of ['opportunity', 'closed_won', 'lead']) {
        for (const dim of ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account']) {
          for (const range of ['', `&from=${iso(ago(2.5))}&to=${iso(ago(0.5))}`]) {
            const r = await getJson(s, `/v1/influence?conversion=${stage}&group_by=${dim}${range}`);
            const sum = (f: (x: Row) => number) => r.rows.reduce((n: number, x: Row) => n + f(x), 0);
            expect(sum((x) => x.sourced_conversions), `${stage} ${dim}${range}`).toBe(r.totals.conversions);
            expect(Math.round(sum((x) => x.sourced_revenue) * 100)).toBe(Math.round(r.totals.revenue * 100));
            expect(sum((x) => x.influenced_conversions)).toBeGreaterThanOrEqual(r.totals.conversions);
            // Every conversion influences each key of its touches at most once.
            for (const x of r.rows) expect(x.influenced_conversions).toBeLessThanOrEqual(r.totals.conversions);
            const credit = await getJson(s, `/v1/credit?conversion=${stage}&group_by=${dim}${range}`);
            expect(r.totals).toEqual({ conversions: credit.totals.conversions, revenue: credit.totals.revenue });
          }
        }
      }
    }
  });

  it('answers CSV', async () => {
    const res = await get(site, '/v1/influence?conversion=opportunity&group_by=campaign&format=csv');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="influence_opportunity_campaign_.*\.csv"$/);
    expect(await res.text()).toBe(
      'key,influenced_conversions,influenced_revenue,sourced_conversions,sourced_revenue\r\n' +
        'abm,2,14000.00,1,4000.00\r\nbrand,1,10000.00,1,10000.00\r\n(no touch),1,1000.00,1,1000.00\r\n',
    );
    const viaAccept = await get(site, '/v1/influence?conversion=opportunity&group_by=campaign', { accept: 'text/csv' });
    expect((await viaAccept.text()).startsWith('key,influenced_conversions')).toBe(true);
  });

  it('refuses bad parameters with a code naming what is allowed', async () => {
    const expect400 = (path: string, code: string, message: RegExp) => expect400For(site, path, code, message);
    await expect400('/v1/influence?conversion=closed_lost', 'invalid_conversion', /never credited/);
    await expect400('/v1/influence?conversion=oportunity', 'invalid_conversion', /one of closed_won, lead, mql, opportunity, sql/);
    await expect400('/v1/influence?conversion=Opportunity', 'invalid_conversion', /stage name/);
    await expect400('/v1/influence?group_by=region', 'invalid_group_by', /channel, source/);
    await expect400('/v1/influence?model=linear', 'unknown_parameter', /model.*conversion, group_by, from, to, format/);
    await expect400('/v1/influence?window_days=30', 'unknown_parameter', /window_days/);
    await expect400('/v1/influence?from=2026-03-05&to=2026-03-01', 'invalid_range', /after/);
    await expect400('/v1/influence?from=2025-01-01&to=2026-03-01', 'range_too_long', /at most 366/);
    await expect400('/v1/influence?format=xml', 'invalid_format', /json or csv/);
    const post = await call('/v1/influence', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([post.status, (await errorOf(post)).code]).toEqual([405, 'method_not_allowed']);
    const anonymous = await call('/v1/influence');
    expect(anonymous.status).toBe(401);
  });
});
