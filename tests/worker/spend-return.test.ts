// Spend and return on the credit reports: spend per key, ROAS and cost per conversion from sums, keys
// with spend and no credit, a euro deal and euro spend held out until a rate arrives, /v1/quality's
// count of unconverted amounts, and a change of reporting currency.
import { beforeAll, describe, expect, it } from 'vitest';
import { createSite, postServer, type TestSite } from './helpers';
import { adTouch, ago, get, getJson, iso, patchSettings, runJob, seedScenario, send } from './query-fixtures';

const day = (days: number) => iso(ago(days)).slice(0, 10);

/**
 * acme.com  closed_won $3,000 at −1 d; one Google CPC "brand" touch at −10 d.
 * beta.io   closed_won €2,000 at −2 d; LinkedIn "abm" at −8 d, Google CPC "brand" at −6 d (linear: half each).
 * Spend: brand $100 over −10…−8 d (then corrected to $90), abm €500 on −5 d, Display "retarget" $250 on −3 d
 * (a campaign with spend and no deals). Rates for EUR arrive late: 1.08 from −4 d, then 1.10 from −6 d.
 */
async function seed(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      adTouch('t-acme-brand01', 10, 'acme.com', 'google', 'cpc', 'brand'),
      adTouch('t-beta-abm0001', 8, 'beta.io', 'linkedin', 'paid_social', 'abm'),
      adTouch('t-beta-brand01', 6, 'beta.io', 'google', 'cpc', 'brand'),
    ],
  });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'won-acme-0001', stage: 'closed_won', occurred_at: iso(ago(1)), account_domain: 'acme.com', amount: 3000, currency: 'USD' },
      { id: 'won-beta-0001', stage: 'closed_won', occurred_at: iso(ago(2)), account_domain: 'beta.io', amount: 2000, currency: 'EUR' },
    ],
  });
  await send(site, '/v1/spend', {
    spend: [
      { id: 'brand-range', start_date: day(10), end_date: day(8), amount: 100, source: 'google', medium: 'cpc', campaign: 'brand' },
      { id: 'abm-eur', date: day(5), amount: 500, currency: 'EUR', source: 'linkedin', medium: 'paid_social', campaign: 'abm' },
      { id: 'display-retarget', date: day(3), amount: 250, channel: 'Display', campaign: 'retarget' },
    ],
  });
}

type Row = { key: string; conversions: number; revenue: number; spend: number; roas: number | null; cost_per_conversion: number | null };
const pick = (r: Row) => [r.key, r.conversions, r.revenue, r.spend, r.roas, r.cost_per_conversion];
const sumSpend = (rows: { spend?: number }[]) => Math.round(rows.reduce((n, r) => n + (r.spend ?? 0) * 100, 0)) / 100;

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Spend and return');
  await seed(site);
  await runJob(site);
});

describe('spend and return', () => {
  it('holds a euro deal and euro spend out of the sums until a rate arrives, and counts them in /v1/quality', async () => {
    const report = await getJson(site, '/v1/credit?group_by=campaign');
    // beta's €2,000 is still a conversion (0.5 to each campaign) but adds no revenue; abm's €500 no spend.
    expect(report.rows.map(pick)).toEqual([
      ['brand', 1.5, 3000, 100, 30, 66.67],
      ['abm', 0.5, 0, 0, null, 0],
      ['retarget', 0, 0, 250, 0, null],
    ]);
    expect(report.totals).toEqual({ conversions: 2, revenue: 3000, spend: 350, roas: 8.5714, cost_per_conversion: 175 });
    const quality = await getJson(site, '/v1/quality');
    expect(quality.currency).toEqual({
      reporting: 'USD',
      unconverted_amounts: 2,
      unconverted_conversions: 1,
      unconverted_spend: 1,
      currencies_without_rate: ['EUR'],
    });
  });

  it('a range spread over days: a range of whole days reads its share of the spread, to the cent', async () => {
    // $100 over three days is 33.34 + 33.33 + 33.33: the last two days hold 66.66.
    const two = await getJson(site, `/v1/credit?group_by=campaign&from=${day(9)}&to=${day(8)}`);
    expect(two.rows.find((r: Row) => r.key === 'brand').spend).toBe(66.66);
    const first = await getJson(site, `/v1/credit?group_by=source&from=${day(10)}&to=${iso(ago(10))}`);
    expect(first.rows.map((r: Row) => [r.key, r.spend])).toEqual([['google', 33.34]]);
  });

  it('a rate arriving late re-credits the deal and converts spend from its date on', async () => {
    // 1.08 from −4 d: the deal (−2 d) converts at it; the spend (−5 d) lies before it and still waits.
    await send(site, '/v1/exchange-rates', { rates: [{ currency: 'EUR', date: day(4), rate: 1.08 }] });
    await runJob(site);
    let report = await getJson(site, '/v1/credit?group_by=campaign');
    expect(report.rows.map(pick)).toEqual([
      ['brand', 1.5, 4080, 100, 40.8, 66.67],
      ['abm', 0.5, 1080, 0, null, 0],
      ['retarget', 0, 0, 250, 0, null],
    ]);
    expect((await getJson(site, '/v1/quality')).currency).toMatchObject({ unconverted_amounts: 1, unconverted_conversions: 0, unconverted_spend: 1 });

    // 1.10 from −6 d: the spend converts at it (550.00); the deal keeps the later 1.08, the latest at or before its date.
    await send(site, '/v1/exchange-rates', { rates: [{ currency: 'EUR', date: day(6), rate: '1.10' }] });
    // A resent spend id replaces it: brand is $90 now, not $190.
    await send(site, '/v1/spend', {
      spend: [{ id: 'brand-range', start_date: day(10), end_date: day(8), amount: 90, source: 'google', medium: 'cpc', campaign: 'brand' }],
    });
    await runJob(site);
    report = await getJson(site, '/v1/credit?group_by=campaign');
    // brand: 4,080 / 90 = 45.3333, 90 / 1.5 = 60; abm: 1,080 / 550 = 1.9636, 550 / 0.5 = 1,100.
    expect(report.rows.map(pick)).toEqual([
      ['brand', 1.5, 4080, 90, 45.3333, 60],
      ['abm', 0.5, 1080, 550, 1.9636, 1100],
      ['retarget', 0, 0, 250, 0, null],
    ]);
    // From the sums: 5,160 / 890 = 5.7978 and 890 / 2 = 445 — not the average of the rows' ratios.
    expect(report.totals).toEqual({ conversions: 2, revenue: 5160, spend: 890, roas: 5.7978, cost_per_conversion: 445 });
    expect((await getJson(site, '/v1/quality')).currency).toEqual({
      reporting: 'USD',
      unconverted_amounts: 0,
      unconverted_conversions: 0,
      unconverted_spend: 0,
      currencies_without_rate: [],
    });

    const channels = await getJson(site, '/v1/credit?group_by=channel&model=first_touch');
    expect(channels.rows.map(pick)).toEqual([
      ['Paid Search', 1, 3000, 90, 33.3333, 90],
      ['Paid Social', 1, 2160, 550, 3.9273, 550],
      ['Display', 0, 0, 250, 0, null],
    ]);
  });

  it('puts spend on compare rows and every model’s totals, and in CSV', async () => {
    const compare = await getJson(site, '/v1/credit/compare?models=first_touch,linear&group_by=campaign');
    expect(compare.rows.map((r: { key: string; spend: number }) => [r.key, r.spend])).toEqual([
      ['brand', 90],
      ['abm', 550],
      ['retarget', 250],
    ]);
    expect(compare.rows[0].models.first_touch).toEqual({ conversions: 1, revenue: 3000, touches: 1, roas: 33.3333, cost_per_conversion: 90 });
    expect(compare.rows[0].models.linear).toEqual({ conversions: 1.5, revenue: 4080, touches: 2, roas: 45.3333, cost_per_conversion: 60 });
    for (const model of ['first_touch', 'linear']) expect(compare.totals[model]).toMatchObject({ spend: 890, roas: 5.7978, cost_per_conversion: 445 });

    const csv = await (await get(site, '/v1/credit?group_by=campaign&format=csv')).text();
    expect(csv.split('\r\n').slice(0, 4)).toEqual([
      'key,conversions,revenue,touches,spend,roas,cost_per_conversion',
      'brand,1.5000,4080.00,2,90.00,45.3333,60.00',
      'abm,0.5000,1080.00,1,550.00,1.9636,1100.00',
      'retarget,0.0000,0.00,0,250.00,0.0000,',
    ]);
    const compareCsv = await (await get(site, '/v1/credit/compare?models=linear&group_by=campaign&format=csv')).text();
    expect(compareCsv.split('\r\n').slice(0, 2)).toEqual([
      'key,spend,linear_conversions,linear_revenue,linear_touches,linear_roas,linear_cost_per_conversion',
      'brand,90.00,1.5000,4080.00,2,45.3333,60.00',
    ]);
  });

  it('adds no spend fields where spend cannot be grouped (touch_type, account, content, term)', async () => {
    for (const dim of ['touch_type', 'account', 'content', 'term']) {
      const report = await getJson(site, `/v1/credit?group_by=${dim}`);
      expect(Object.keys(report.totals)).toEqual(['conversions', 'revenue']);
      expect(report.rows.every((r: object) => !('spend' in r))).toBe(true);
    }
  });

  it('keeps Σ rows.spend = totals.spend for every spend grouping, model and range, with credit or without', async () => {
    const other = await createSite('Spend invariants');
    await seedScenario(other);
    await seed(other);
    await send(other, '/v1/exchange-rates', { rates: [{ currency: 'EUR', date: day(40), rate: 1.1 }] });
    await runJob(other);
    for (const s of [site, other]) {
      for (const dim of ['channel', 'source', 'medium', 'campaign']) {
        for (const range of ['', `&from=${day(9)}&to=${day(4)}`, `&from=${iso(ago(9.5))}&to=${iso(ago(2.5))}`]) {
          const credit = await getJson(s, `/v1/credit?group_by=${dim}&model=w_shaped${range}`);
          expect(sumSpend(credit.rows), `${dim}${range}`).toBe(credit.totals.spend);
          const compare = await getJson(s, `/v1/credit/compare?group_by=${dim}${range}`);
          expect(sumSpend(compare.rows)).toBe(compare.totals.linear.spend);
          expect(compare.totals.linear.spend).toBe(credit.totals.spend);
        }
      }
    }
  });

  it('a change of reporting currency re-credits everything in it, holding out amounts without a rate', async () => {
    const eu = await createSite('Euro reporting');
    await seed(eu);
    await send(eu, '/v1/exchange-rates', { rates: [{ currency: 'EUR', date: day(30), rate: 1.25 }] });
    await runJob(eu);
    expect((await getJson(eu, '/v1/credit?group_by=account')).totals).toEqual({ conversions: 2, revenue: 3000 + 2500 });
    expect((await patchSettings(eu, { currency: 'EUR' })).status).toBe(200);
    const rerun = await runJob(eu);
    expect(rerun.full).toBe(true);
    // In euros: beta's €2,000 as it is; acme's $3,000 waits for a USD rate (EUR rates now need none).
    let report = await getJson(eu, '/v1/credit?group_by=channel');
    expect([report.currency, report.totals.revenue, report.totals.spend]).toEqual(['EUR', 2000, 500]);
    expect((await getJson(eu, '/v1/quality')).currency).toMatchObject({ reporting: 'EUR', unconverted_conversions: 1, unconverted_spend: 2, currencies_without_rate: ['USD'] });
    const refused = await postServer('/v1/exchange-rates', eu.secret_key, { rates: [{ currency: 'EUR', date: day(30), rate: 1 }] });
    expect(((await refused.json()) as { rejected: { code: string }[] }).rejected[0].code).toBe('reporting_currency');
    await send(eu, '/v1/exchange-rates', { rates: [{ currency: 'USD', date: day(30), rate: 0.8 }] });
    await runJob(eu);
    report = await getJson(eu, '/v1/credit?group_by=channel');
    // $3,000 × 0.8 = €2,400. Spend converts day by day: $33.34, $33.33, $33.33 → €26.67 + €26.66 + €26.66
    // = €79.99 (not €80.00), $250 → €200, plus €500.
    expect([report.totals.revenue, report.totals.spend]).toEqual([4400, 779.99]);
  });
});
