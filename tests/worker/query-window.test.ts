// window_days other than the site's: computed per request, and equal to what the job stores once the
// site's window is changed to it. Also GET /v1/credit/compare against /v1/credit model by model.
import { MODEL_NAMES as MODELS } from '../../schemas/models';
import { describe, expect, it } from 'vitest';
import { createSite, type TestSite } from './helpers';
import { ago, expectReconciled, get, getJson, patchSettings, runJob, seedScenario, send, type Row } from './query-fixtures';

const GROUP_BY = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'];
const ALL_MODELS = 'first_touch,last_touch,last_non_direct,linear,time_decay,u_shaped,w_shaped,full_path,custom';

/** The scenario plus a longer path with every milestone, so windows change milestone models too. */
async function seedLongPaths(site: TestSite) {
  await seedScenario(site);
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-aaa-event-170', occurred_at: ago(170), touch_type: 'event', account_domain: 'aaa.com', campaign: 'summit' },
      { id: 't-aaa-call-0060', occurred_at: ago(60), touch_type: 'call', email: 'a3@aaa.com' },
      { id: 't-aaa-webin-007', occurred_at: ago(7), touch_type: 'webinar', email: 'a3@aaa.com', source: 'zoom', medium: 'webinar' },
      { id: 't-aaa-meet-0003', occurred_at: ago(3), touch_type: 'meeting', account_domain: 'aaa.com' },
      { id: 't-eee-social-40', occurred_at: ago(40), touch_type: 'partner_referral', account_domain: 'eee.com', source: 'partnerco' },
    ],
  });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-aaa-opp001', stage: 'opportunity', occurred_at: ago(6), account_domain: 'aaa.com', opportunity_id: 'opp-a' },
      { id: 'conv-aaa-won01', stage: 'closed_won', occurred_at: ago(1), account_domain: 'aaa.com', amount: 1000, opportunity_id: 'opp-a' },
      { id: 'conv-eee-won001', stage: 'closed_won', occurred_at: ago(2), account_domain: 'eee.com', amount: 77.77 },
    ],
  });
}

/** Every report that depends on the window: each grouping over every model, and two other stages. */
function reportPaths(window: number | null): string[] {
  const w = window === null ? '' : `&window_days=${window}`;
  return [
    ...GROUP_BY.map((g) => `/v1/credit/compare?models=${ALL_MODELS}&group_by=${g}${w}`),
    ...GROUP_BY.map((g) => `/v1/credit?model=w_shaped&group_by=${g}${w}`),
    `/v1/credit/compare?models=${ALL_MODELS}&conversion=lead${w}`,
    `/v1/credit/compare?models=${ALL_MODELS}&conversion=opportunity&group_by=touch_type${w}`,
  ];
}

async function fetchAll(site: TestSite, window: number | null) {
  const out = [];
  // definitions_changed_at moves with the window change itself (docs/governance.md): the numbers are compared here.
  for (const path of reportPaths(window)) {
    const { definitions_changed_at: _changed, ...report } = await getJson(site, path);
    out.push(report);
  }
  return out;
}

describe('window_days', () => {
  it('on demand gives exactly what the job stores after the site switches to that window', async () => {
    const site = await createSite('Windows');
    await seedLongPaths(site);
    await runJob(site);
    const stored90 = await fetchAll(site, null);
    expect(stored90[0].window_days).toBe(90);
    // The site's own window, given explicitly, is the stored credit.
    expect(await fetchAll(site, 90)).toEqual(stored90);

    for (const w of [150, 7]) {
      const onDemand = await fetchAll(site, w);
      expect(onDemand.every((r) => r.window_days === w)).toBe(true);
      expect(onDemand).not.toEqual(stored90.map((r) => ({ ...r, window_days: w })));
      expect((await patchSettings(site, { window_days: w })).status).toBe(200);
      await runJob(site);
      expect(await fetchAll(site, null)).toEqual(onDemand);
    }
    // And back: the old window, now computed on demand, equals what was stored with it.
    expect(await fetchAll(site, 90)).toEqual(stored90);
  }, 60_000);

  it('credits the out-of-window meeting once the window reaches it', async () => {
    const site = await createSite('Wide window');
    await seedScenario(site);
    await runJob(site);
    const wide = await getJson(site, '/v1/credit?group_by=account&window_days=150');
    expect(wide.rows).toContainEqual({ key: 'ddd.com', conversions: 1, revenue: 300, touches: 1 });
    expect(wide.rows.find((r: Row) => r.key === '(no touch)')).toEqual({ key: '(no touch)', conversions: 1, revenue: 200, touches: 0 });
    expectReconciled(wide);
  });
});

describe('GET /v1/credit/compare', () => {
  it('has one column per model, each equal to that model on its own, with totals per model', async () => {
    const site = await createSite('Compare');
    await seedLongPaths(site);
    await runJob(site);
    const models = ['first_touch', 'last_touch', 'w_shaped'];
    const compare = await getJson(site, `/v1/credit/compare?models=${models.join(',')}&group_by=touch_type`);
    expect(compare).toMatchObject({ models, conversion: 'closed_won', group_by: 'touch_type', window_days: 90 });
    for (const m of models) {
      const single = await getJson(site, `/v1/credit?model=${m}&group_by=touch_type`);
      expect(compare.totals[m]).toEqual(single.totals);
      const cells = compare.rows
        .map((r: { key: string; models: Record<string, Omit<Row, 'key'>> }) => ({ key: r.key, ...r.models[m] }))
        .filter((r: Row) => r.revenue !== 0 || r.conversions !== 0 || r.touches !== 0);
      expect([...cells].sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual([...single.rows].sort((a: Row, b: Row) => (a.key < b.key ? -1 : 1)));
    }
    // Ordered by the first model's revenue; a key only another model credits still gets every column.
    const first = compare.rows.map((r: { models: Record<string, Row> }) => r.models.first_touch.revenue);
    expect([...first].sort((a, b) => b - a)).toEqual(first);
    for (const r of compare.rows) expect(Object.keys(r.models)).toEqual(models);

    const all = await getJson(site, '/v1/credit/compare');
    expect(all.models).toEqual([...MODELS]);

    const csv = await (await get(site, `/v1/credit/compare?models=linear,custom&format=csv`)).text();
    expect(csv.split('\r\n')[0]).toBe(
      'key,spend,linear_conversions,linear_revenue,linear_touches,linear_roas,linear_cost_per_conversion,' +
        'custom_conversions,custom_revenue,custom_touches,custom_roas,custom_cost_per_conversion',
    );
    const { rows } = await getJson(site, '/v1/credit/compare?models=linear,custom');
    expect(csv.split('\r\n')).toHaveLength(rows.length + 2); // header, rows, and the final line end
  });
});
