// markov and shapley through the job and the API: the worked example of docs/attribution.md end to
// end (journeys from real stitched touches, fit, per-conversion credit, GET /v1/models), the fit
// schedule, and the window they refuse.
import { describe, expect, it } from 'vitest';
import { flatCredit } from './credit-rows';
import { call, createSite, errorOf, sendAccepted as send, type TestSite } from './helpers';
import { getJson, runJob } from './query-fixtures';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const slug = (domain: string) => domain.replace(/\W/g, '_');

/**
 * Six accounts whose lead journeys are the worked example: A>B>C converts; A>C converts; A>C does
 * not; B does not; C converts; C does not. Channels A, B and C are set on offline touches.
 */
async function workedExample(site: TestSite) {
  const journeys: [string, string[], boolean][] = [
    ['abc.test', ['A', 'B', 'C'], true],
    ['ac-won.test', ['A', 'C'], true],
    ['ac-lost.test', ['A', 'C'], false],
    ['b.test', ['B'], false],
    ['c-won.test', ['C'], true],
    ['c-lost.test', ['C'], false],
  ];
  const touches = journeys.flatMap(([domain, channels]) =>
    channels.map((channel, i) => ({ id: `t-${slug(domain)}-${i}`, occurred_at: ago(20 - i), touch_type: 'event', channel, account_domain: domain })),
  );
  await send(site, '/v1/touches', { touches });
  await send(site, '/v1/conversions', {
    conversions: journeys.filter(([, , won]) => won).map(([domain]) => ({ id: `lead-${slug(domain)}`, stage: 'lead', occurred_at: ago(10), account_domain: domain })),
  });
}

/** Each touch's weight under one model for one conversion, by channel. */
async function weights(site: TestSite, conversionId: string, model: string) {
  const rows = await flatCredit(site.id, { conversionId, model });
  return Object.fromEntries(rows.map((r) => [r.channel, r.weight]));
}

describe('markov and shapley', () => {
  it('credit the worked example exactly, and GET /v1/models explains the fit', async () => {
    const site = await createSite();
    await workedExample(site);
    expect(await runJob(site)).toMatchObject({ refitted: true, done: true });

    const abc = await weights(site, 'lead-abc_test', 'markov');
    expect(abc.A).toBeCloseTo(0.2941, 4);
    expect(abc.B).toBeCloseTo(0.1176, 4);
    expect(abc.C).toBeCloseTo(0.5882, 4);
    const ac = await weights(site, 'lead-ac_won_test', 'markov');
    expect(ac.A).toBeCloseTo(1 / 3, 4);
    expect(ac.C).toBeCloseTo(2 / 3, 4);
    expect(await weights(site, 'lead-c_won_test', 'markov')).toEqual({ C: 1 });

    const sAbc = await weights(site, 'lead-abc_test', 'shapley');
    expect(sAbc.A).toBeCloseTo(1 / 3, 4);
    expect(sAbc.B).toBeCloseTo(1 / 12, 4);
    expect(sAbc.C).toBeCloseTo(7 / 12, 4);
    // A's value in {A, C} is 0: it gets no credit row at all.
    expect(await weights(site, 'lead-ac_won_test', 'shapley')).toEqual({ C: 1 });

    const fit = await getJson(site, '/v1/models?conversion=lead');
    expect(fit).toMatchObject({ conversion: 'lead', window_days: 90, journeys: { converting: 3, non_converting: 3 }, low_data: true });
    expect(fit.markov.p_conversion).toBeCloseTo(0.5, 9);
    const re = Object.fromEntries(fit.markov.channels.map((c: { channel: string; removal_effect: number }) => [c.channel, c.removal_effect]));
    expect(re.A).toBeCloseTo(0.5, 9);
    expect(re.B).toBeCloseTo(0.2, 9);
    expect(re.C).toBeCloseTo(1, 9);
    const value = Object.fromEntries(fit.shapley.channels.map((c: { channel: string; value: number }) => [c.channel, c.value]));
    expect(value.A).toBeCloseTo(1 / 3, 9);
    expect(value.B).toBeCloseTo(1 / 12, 9);
    expect(value.C).toBeCloseTo(31 / 12, 9);
    expect(fit.shapley.sets).toContainEqual({ channels: ['A', 'C'], journeys: 2, conversions: 1, rate: 0.5 });

    // Reports by channel add up per model like every other model's.
    const report = await getJson(site, '/v1/credit?model=markov&conversion=lead');
    expect(report.totals.conversions).toBe(3);
  });

  it('refits on request, and the same journeys give the same credit to the unit', async () => {
    const site = await createSite();
    await workedExample(site);
    await runJob(site);
    const before = await flatCredit(site.id);
    expect(await runJob(site)).toMatchObject({ refitted: false, conversions_credited: 0 });
    // A refit recomputes no conversion and rewrites no credit: data-driven credit is derived on read.
    expect(await runJob(site, '?refit=true')).toMatchObject({ refitted: true, full: false, conversions_credited: 0, credit_rows_written: 0 });
    expect(await flatCredit(site.id)).toEqual(before);

    // A new non-converting journey for C moves only the data-driven credit, once refitted.
    await send(site, '/v1/touches', { touches: [{ id: 't-c-more', occurred_at: ago(5), touch_type: 'event', channel: 'C', account_domain: 'c2.test' }] });
    const refit = await runJob(site, '?refit=true');
    expect(refit).toMatchObject({ refitted: true, done: true, credit_rows_written: 0 });
    expect(refit.rollup_days_rebuilt).toBeGreaterThan(0);
    const after = await flatCredit(site.id);
    const ruleBased = (rows: typeof before) => rows.filter((r) => r.model !== 'markov' && r.model !== 'shapley');
    expect(ruleBased(after)).toEqual(ruleBased(before));
    expect(after.filter((r) => r.model === 'markov')).not.toEqual(before.filter((r) => r.model === 'markov'));

    // The rollup was re-rolled under the new fit: each channel's report is its conversions' derived credit.
    for (const model of ['markov', 'shapley']) {
      const expected = new Map<string, number>();
      for (const r of after.filter((row) => row.model === model)) expected.set(r.channel!, (expected.get(r.channel!) ?? 0) + r.weight_units);
      const report = await getJson(site, `/v1/credit?model=${model}&conversion=lead&group_by=channel&from=${ago(30).slice(0, 10)}&to=${ago(-1).slice(0, 10)}`);
      const reported = new Map<string, number>(report.rows.map((r: { key: string; conversions: number }) => [r.key, r.conversions]));
      expect([...reported.keys()].sort()).toEqual([...expected.keys()].sort());
      // Rows are rounded to 4 decimals by largest remainder, so each is within one shown unit.
      for (const [channel, units] of expected) expect(Math.abs(reported.get(channel)! - units / 1e9)).toBeLessThanOrEqual(1e-4 + 1e-12);
    }
  });

  it('refuse another window, and GET /v1/models answers 200 with no fit (and a note) before any fit', async () => {
    const site = await createSite();
    const res = await call('/v1/models?conversion=lead', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { conversion: string; fitted_at: null; note: string };
    expect(body).toEqual({ conversion: 'lead', fitted_at: null, note: expect.stringContaining('No fit for lead conversions yet') });
    // A stage that is never fitted, and one that is no stage, are still refused.
    const lost = await call('/v1/models?conversion=closed_lost', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([lost.status, (await errorOf(lost)).code]).toEqual([400, 'invalid_conversion']);
    const unknown = await call('/v1/models?conversion=nope', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([unknown.status, (await errorOf(unknown)).code]).toEqual([400, 'invalid_conversion']);
    for (const path of ['/v1/credit?model=markov&window_days=30', '/v1/credit/compare?models=linear,shapley&window_days=30']) {
      const r = await call(path, { headers: { authorization: `Bearer ${site.secret_key}` } });
      expect([r.status, (await errorOf(r)).code]).toEqual([400, 'window_fixed_for_model']);
    }
    // Without a model list, window_days compares every model that takes a window.
    const compare = await getJson(site, '/v1/credit/compare?window_days=30');
    expect(compare.models).not.toContain('markov');
  });
});
