// The query API's refusals: each bad parameter is a 400 naming what is allowed; range, row and
// on-demand limits; keys (secret only) and methods.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, createSite, errorOf, type TestSite } from './helpers';
import { DAY, get, NOW, runJob, seedScenario } from './query-fixtures';

const ROUTES = ['/v1/credit', '/v1/credit/compare', '/v1/accounts/aaa.com/journey', '/v1/quality'];
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Query errors');
  await seedScenario(site);
  await runJob(site);
});

async function expect400(path: string, code: string, message: RegExp) {
  const res = await get(site, path);
  const error = await errorOf(res);
  expect([res.status, error.code], `${path}: ${error.message}`).toEqual([400, code]);
  expect(error.message).toMatch(message);
  return error;
}

describe('parameters', () => {
  it('names the allowed models, groupings and formats', async () => {
    const models = /first_touch, last_touch, last_non_direct, linear, time_decay, u_shaped, w_shaped, full_path, custom/;
    await expect400('/v1/credit?model=position_based', 'invalid_model', models);
    await expect400('/v1/credit/compare?models=linear,bogus', 'invalid_model', models);
    await expect400('/v1/credit/compare?models=,', 'invalid_model', models);
    await expect400('/v1/credit?group_by=region', 'invalid_group_by', /channel, source, medium, campaign, content, term, touch_type, account/);
    await expect400('/v1/credit?format=xml', 'invalid_format', /json or csv/);
    await expect400('/v1/credit?groupby=channel', 'unknown_parameter', /groupby.*model, conversion, group_by/);
    await expect400('/v1/credit/compare?model=linear', 'unknown_parameter', /model.*models/);
    await expect400('/v1/credit?model=linear&model=custom', 'invalid_query', /model was repeated/);
    for (const w of ['0', '731', 'abc', '1.5']) await expect400(`/v1/credit?window_days=${w}`, 'invalid_window', /window_days/);
  });

  it("names the site's stages and the usual ones for an unknown conversion, and refuses closed_lost", async () => {
    await expect400('/v1/credit?conversion=closedwon', 'invalid_conversion', /^conversion must be one of closed_won, demo_booked, lead, mql, opportunity, sql /);
    await expect400('/v1/credit/compare?conversion=oportunity&window_days=30', 'invalid_conversion', /one of closed_won, demo_booked/);
    await expect400('/v1/credit?conversion=Closed-Won', 'invalid_conversion', /stage name/);
    await expect400('/v1/credit?conversion=closed_lost', 'invalid_conversion', /never credited/);
  });

  it('checks dates and the 366-day range', async () => {
    await expect400('/v1/credit?from=2026-02-30', 'invalid_range', /calendar date/);
    await expect400('/v1/credit?to=yesterday', 'invalid_range', /ISO date/);
    await expect400('/v1/credit?from=2026-03-02&to=2026-03-01', 'invalid_range', /after/);
    const to = date(NOW);
    await expect400(`/v1/credit?from=${date(NOW - 366 * DAY)}&to=${to}`, 'range_too_long', /367 days; at most 366/);
    expect((await get(site, `/v1/credit?from=${date(NOW - 365 * DAY)}&to=${to}`)).status).toBe(200);
    await expect400(`/v1/quality?from=${date(NOW - 400 * DAY)}`, 'range_too_long', /at most 366/);
    await expect400(`/v1/credit?from=${new Date(NOW - 366 * DAY).toISOString()}&to=${new Date(NOW + 1).toISOString()}`, 'range_too_long', /366/);
  });

  it('refuses more than 10,000 rows, suggesting a narrower grouping or range', async () => {
    const big = await createSite('Many accounts');
    // 10,001 accounts credited on one day: rollup rows (one part each) written directly (the job would take minutes).
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10001)
       INSERT INTO credit_sums (site_id, stage, dim, grain, day, part, sums)
       SELECT ?1, 'closed_won', 'account', 'day', ?2, i, json_object('k', json_array('acct' || i || '.com'), 'first_touch', json('[1000000000,100,1]'), 'linear', json('[1000000000,100,1]'))
       FROM n`,
    )
      .bind(big.id, Math.floor(NOW / DAY))
      .run();
    const on = `from=${date(NOW)}&to=${date(NOW)}`;
    for (const path of [`/v1/credit?group_by=account&${on}`, `/v1/credit/compare?models=first_touch,linear&group_by=account&${on}`]) {
      const res = await get(big, path);
      const error = await errorOf(res);
      expect([res.status, error.code]).toEqual([400, 'too_many_rows']);
      expect(error.message).toMatch(/more than 10,000 rows; use a coarser group_by \(channel, source, medium, touch_type\) or a shorter from\/to range/);
    }
    expect((await get(big, `/v1/credit?group_by=channel&${on}`)).status).toBe(200);
  });

  it('limits on-demand windows to 5,000 conversions', async () => {
    const big = await createSite('Many conversions');
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5001)
       INSERT INTO conversions (site_id, conversion_id, stage, occurred_at, origin, account_domain, received_at, updated_at)
       SELECT ?1, 'conv-' || i, 'closed_won', ?2 - i * 1000, 'crm', 'acct' || i || '.com', ?2, ?2 FROM n`,
    )
      .bind(big.id, NOW)
      .run();
    const res = await get(big, '/v1/credit?window_days=30');
    expect([res.status, (await errorOf(res)).code]).toEqual([400, 'too_many_conversions']);
    expect((await get(big, '/v1/credit?window_days=30&from=' + new Date(NOW - 1000 * 4000).toISOString())).status).toBe(200);
  });
});

describe('access', () => {
  it('takes the secret key only: 401 without a key, 403 for the public key, Basic works', async () => {
    for (const path of ROUTES) {
      const none = await call(path);
      expect([none.status, (await errorOf(none)).code]).toEqual([401, 'missing_key']);
      const pub = await call(path, { headers: { authorization: `Bearer ${site.public_key}` } });
      expect([pub.status, (await errorOf(pub)).code]).toEqual([403, 'key_not_allowed']);
      const wrong = await call(path, { headers: { authorization: 'Bearer sk_not_a_real_key_at_all' } });
      expect(wrong.status).toBe(401);
      const basic = await call(path, { headers: { authorization: `Basic ${btoa(`${site.secret_key}:`)}` } });
      expect(basic.status).toBe(200);
    }
  });

  it('answers 405 for other methods', async () => {
    for (const path of ROUTES) {
      const res = await call(path, { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
      expect([res.status, (await errorOf(res)).code]).toEqual([405, 'method_not_allowed']);
    }
  });
});
