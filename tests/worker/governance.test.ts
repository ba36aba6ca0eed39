// The change log (every kind of change, before/after, by), definitions_changed_at on the four credit
// answers, the campaign hygiene report, lowercase_utms, and a reclassification that resumes by pages.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { writeChannelRules } from '../../edge/src/db/channel-rules';
import { reclassifyStep } from '../../edge/src/ingest/reclassify';
import { batch, call, createSite, errorOf, pageEvent, postEvents, postServer, rows, ORIGIN, type TestSite } from './helpers';
import { adTouch, getJson, iso, ago, patchSettings, runJob, send } from './query-fixtures';

type Change = { at: string; what: string; before: any; after: any; by: string };

const admin = (path: string, method: string, body?: unknown) =>
  call(path, {
    method,
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const putRules = (site: TestSite, rules: unknown) =>
  call('/v1/channel-rules', { method: 'PUT', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });

describe('GET /v1/changes', () => {
  it('records every kind of change with before, after and who made it, newest first', async () => {
    const site = await createSite('Changes', { settings: { window_days: 60 } });
    const created = await getJson<Change[]>(site, '/v1/changes');
    // What the site started with, by the operator.
    expect(created.map((c) => [c.what, c.before, c.by])).toEqual(
      expect.arrayContaining([
        ['origins', null, 'admin'],
        ['settings', null, 'admin'],
      ]),
    );
    expect(created.find((c) => c.what === 'settings')!.after.window_days).toBe(60);

    expect((await patchSettings(site, { window_days: 30, session_minutes: 45 })).status).toBe(200);
    expect((await patchSettings(site, { custom_weights: { webinar: 2 } })).status).toBe(200);
    expect((await admin(`/admin/sites/${site.id}`, 'PATCH', { origins: [ORIGIN, 'https://app.acme-site.test'] })).status).toBe(200);
    expect((await putRules(site, [{ channel: 'Review Sites', when: { source: ['g2'] } }])).status).toBe(200);
    const key = (await (await postServer('/v1/keys', site.secret_key, { name: 'Looker', scope: 'read' })).json()) as { id: string; key: string };
    expect((await call(`/v1/keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } })).status).toBe(204);
    const rotated = await admin(`/admin/sites/${site.id}/rotate`, 'POST');
    expect(rotated.status).toBe(200);
    site.secret_key = ((await rotated.json()) as { secret_key: string }).secret_key;
    // An unchanged PATCH logs nothing.
    expect((await patchSettings(site, { window_days: 30 })).status).toBe(200);

    const log = await getJson<Change[]>(site, `/v1/changes?limit=${7}`);
    expect(log.map((c) => [c.what, c.before, c.after, c.by])).toEqual([
      ['keys', { kind: 'secret' }, { kind: 'secret', rotated: true }, 'admin'],
      ['keys', { id: key.id, name: 'Looker', prefix: key.key.slice(0, 9), scope: 'read' }, null, 'api'],
      ['keys', null, { id: key.id, name: 'Looker', prefix: key.key.slice(0, 9), scope: 'read' }, 'api'],
      ['channel_rules', { version: 0, rules: [] }, { version: 1, rules: [{ channel: 'Review Sites', when: { source: ['g2'] } }] }, 'api'],
      ['origins', [ORIGIN], [ORIGIN, 'https://app.acme-site.test'], 'admin'],
      ['custom_weights', {}, { webinar: 2 }, 'admin'],
      ['settings', { window_days: 60, session_minutes: 30 }, { window_days: 30, session_minutes: 45 }, 'admin'],
    ]);
    for (const c of log) expect(c.at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(JSON.stringify(await rows('SELECT * FROM changes WHERE site_id = ?', site.id))).not.toContain(key.key);

    const onlyKeys = await getJson<Change[]>(site, '/v1/changes?what=keys');
    expect(onlyKeys.map((c) => c.what)).toEqual(['keys', 'keys', 'keys']);
    const bad = await call('/v1/changes?what=everything', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([bad.status, (await errorOf(bad)).code]).toEqual([400, 'invalid_what']);
    const unknown = await call('/v1/changes?since=1', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([unknown.status, (await errorOf(unknown)).code]).toEqual([400, 'unknown_parameter']);
  });

  it('definitions_changed_at on credit, compare, influence and funnel: the latest change that moves credit', async () => {
    const site = await createSite('Definitions');
    const paths = ['/v1/credit', '/v1/credit/compare', '/v1/influence', '/v1/funnel'];
    for (const p of paths) expect([p, (await getJson(site, p)).definitions_changed_at]).toEqual([p, null]);
    // Neither origins nor session length move credit.
    await admin(`/admin/sites/${site.id}`, 'PATCH', { origins: ['https://x.test'], settings: { session_minutes: 20 } });
    for (const p of paths) expect([p, (await getJson(site, p)).definitions_changed_at]).toEqual([p, null]);
    await patchSettings(site, { half_life_days: 3 });
    // Moved a minute back, so that the rules change below is later for certain, not by a clock tick.
    await env.DB.prepare('UPDATE changes SET at = at - 60000 WHERE site_id = ?').bind(site.id).run();
    const [{ at: first }] = await getJson<Change[]>(site, '/v1/changes?what=settings&limit=1');
    for (const p of paths) expect([p, (await getJson(site, p)).definitions_changed_at]).toEqual([p, first]);
    await putRules(site, [{ channel: 'X', when: { medium: ['x'] } }]);
    const [{ at: rules }] = await getJson<Change[]>(site, '/v1/changes?what=channel_rules&limit=1');
    expect(rules > first).toBe(true);
    for (const p of paths) expect([p, (await getJson(site, p)).definitions_changed_at]).toEqual([p, rules]);
  });
});

describe('GET /v1/quality/campaigns', () => {
  it('groups spellings that normalise alike and lists the top Unassigned pairs', async () => {
    const site = await createSite('Hygiene');
    await send(site, '/v1/touches', {
      touches: [
        adTouch('h1', 5, 'a.com', 'LinkedIn', 'paid_social', 'Spring Sale'),
        adTouch('h2', 5, 'a.com', 'linkedin', 'paid_social', 'spring-sale'),
        adTouch('h3', 5, 'a.com', 'linkedin', 'paid_social', 'spring%20sale'),
        adTouch('h4', 5, 'a.com', 'linkedin ', 'paid_social', 'spring_sale'),
      ],
    });
    // Offline touches fall back to their type, never to Unassigned: these are server-side page views.
    const page = (id: string, source: string, medium: string, name: string) => ({
      messageId: id, anonymousId: 'anon-hygiene', timestamp: iso(ago(1)), context: { page: { url: `${ORIGIN}/` }, campaign: { source, medium, name } },
    });
    await send(site, '/v1/batch', {
      batch: [
        { type: 'page', ...page('msg-h5-000', 'newsletter-x', 'zzz', 'summer') },
        { type: 'page', ...page('msg-h6-000', 'newsletter-x', 'zzz', 'summer') },
        { type: 'page', ...page('msg-h7-000', 'partner', 'yyy', 'summer+promo') },
      ],
    });
    const report = await getJson<{ groups: any[]; unassigned: any[] }>(site, '/v1/quality/campaigns');
    expect(report.groups).toEqual([
      { field: 'source', normalized: 'linkedin', variants: [{ value: 'linkedin', touches: 3 }, { value: 'LinkedIn', touches: 1 }] },
      {
        field: 'campaign',
        normalized: 'spring_sale',
        variants: [
          { value: 'Spring Sale', touches: 1 },
          { value: 'spring%20sale', touches: 1 },
          { value: 'spring-sale', touches: 1 },
          { value: 'spring_sale', touches: 1 },
        ],
      },
    ]);
    expect(report.unassigned).toEqual([
      { source: 'newsletter-x', medium: 'zzz', touches: 2 },
      { source: 'partner', medium: 'yyy', touches: 1 },
    ]);
    const one = await getJson<{ unassigned: unknown[] }>(site, '/v1/quality/campaigns?limit=1');
    expect(one.unassigned).toHaveLength(1);
    const bad = await call('/v1/quality/campaigns?limit=0', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([bad.status, (await errorOf(bad)).code]).toEqual([400, 'invalid_limit']);
  });
});

describe('lowercase_utms', () => {
  async function webTouch(site: TestSite, session: string) {
    const url = `${ORIGIN}/?utm_source=LinkedIn&utm_medium=Paid_Social&utm_campaign=Spring-Sale&utm_content=Hero&utm_term=CRM&utm_id=AbC123&gclid=CjwKCAiA_MiXeD`;
    expect((await postEvents(batch(site.public_key, [pageEvent(session, url, { l: 1 })]))).status).toBe(200);
    const [t] = await rows<Record<string, string>>('SELECT source, medium, campaign, content, term, utm_id, click_id FROM touches WHERE site_id = ? AND session_id = ?', site.id, session);
    return t;
  }

  it('is off by default: values are kept as sent', async () => {
    const site = await createSite('UTM case off');
    expect(await webTouch(site, 'sess_lc_off')).toEqual({
      source: 'LinkedIn', medium: 'Paid_Social', campaign: 'Spring-Sale', content: 'Hero', term: 'CRM', utm_id: 'AbC123', click_id: 'CjwKCAiA_MiXeD',
    });
  });

  it('on, lower-cases UTM values of web, server-side and offline touches and spend, never click ids', async () => {
    const site = await createSite('UTM case on', { settings: { lowercase_utms: true } });
    expect(await webTouch(site, 'sess_lc_on')).toEqual({
      source: 'linkedin', medium: 'paid_social', campaign: 'spring-sale', content: 'hero', term: 'crm', utm_id: 'AbC123', click_id: 'CjwKCAiA_MiXeD',
    });
    await send(site, '/v1/page', {
      messageId: 'msg-lc-0001', anonymousId: 'anon-lc-1', timestamp: iso(ago(0.1)),
      context: { page: { url: `${ORIGIN}/x` }, campaign: { source: 'Google', medium: 'CPC', name: 'Brand' } },
    });
    await send(site, '/v1/touches', { touches: [adTouch('t-lc', 2, 'lc.com', 'G2', 'Referral', 'Q1-Launch')] });
    await send(site, '/v1/spend', { spend: [{ id: 'sp-lc', date: iso(ago(2)).slice(0, 10), amount: 5, source: 'Google', medium: 'CPC', campaign: 'Brand' }] });
    const server = await rows<Record<string, string>>("SELECT source, medium, campaign FROM touches WHERE site_id = ? AND origin = 'server'", site.id);
    const offline = await rows<Record<string, string>>("SELECT source, medium, campaign FROM touches WHERE site_id = ? AND origin = 'offline'", site.id);
    const spend = await rows<Record<string, string>>('SELECT source, medium, campaign, channel FROM spend WHERE site_id = ?', site.id);
    expect(server).toEqual([{ source: 'google', medium: 'cpc', campaign: 'brand' }]);
    expect(offline).toEqual([{ source: 'g2', medium: 'referral', campaign: 'q1-launch' }]);
    expect(spend).toEqual([{ source: 'google', medium: 'cpc', campaign: 'brand', channel: 'Paid Search' }]);
  });
});

describe('reclassification of a large site', () => {
  it('walks touches a page at a time, resumes where it stopped, and the job run continues it', async () => {
    const site = await createSite('Reclassify pages');
    const n = 2_500;
    // Inserted directly: the API path is not what is under test here, and 2,500 touches over HTTP are slow.
    await env.DB.prepare(
      `INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, account_domain)
       SELECT ?1, printf('t-%05d', value), 'offline', 'ad_click', ?2, ?2, 'Referral', CASE WHEN value % 2 = 0 THEN 'g2' ELSE 'other' END, 'referral', 'big.com'
       FROM generate_series(1, ?3)`,
    ).bind(site.id, ago(3), n).run().catch(async () => {
      // generate_series may be missing from this SQLite build: a recursive CTE does the same.
      await env.DB.prepare(
        `WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < ?3)
         INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, account_domain)
         SELECT ?1, printf('t-%05d', value), 'offline', 'ad_click', ?2, ?2, 'Referral', CASE WHEN value % 2 = 0 THEN 'g2' ELSE 'other' END, 'referral', 'big.com' FROM s`,
      ).bind(site.id, ago(3), n).run();
    });
    await writeChannelRules(env.DB, site.id, [{ channel: 'Review Sites', when: { source: ['g2'] } }], 0, Date.now()).run();

    const first = await reclassifyStep(env.DB, site.id, 1);
    expect([first.done, first.rowsRead, first.touchesChanged]).toEqual([false, 1000, 500]);
    const [state] = await rows<{ reclass_phase: string; reclass_cursor: string }>('SELECT reclass_phase, reclass_cursor FROM channel_rules WHERE site_id = ?', site.id);
    expect(state).toEqual({ reclass_phase: 'touches', reclass_cursor: 't-01000' });
    expect((await getJson(site, '/v1/channel-rules')).reclassification).toEqual({ done: false });

    // The job run (here the API's) finishes the walk before it credits.
    await runJob(site);
    const [{ moved }] = await rows<{ moved: number }>("SELECT COUNT(*) AS moved FROM touches WHERE site_id = ? AND channel = 'Review Sites'", site.id);
    expect(moved).toBe(1_250);
    expect((await getJson(site, '/v1/channel-rules')).reclassification).toEqual({ done: true });
    const again = await reclassifyStep(env.DB, site.id, 10_000);
    expect([again.done, again.rowsRead]).toEqual([true, 0]);
  });

  it('a touch stored with the previous rules by another instance, after the walk passed it, is fixed by the next job run', async () => {
    const site = await createSite('Reclassify late');
    expect((await putRules(site, [{ channel: 'Review Sites', when: { source: ['g2'] } }])).status).toBe(200);
    // What an instance still holding the old rules (its site cache) would have stored: GA4's channel.
    await env.DB.prepare(
      `INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, account_domain)
       VALUES (?1, 'a-late', 'offline', 'ad_click', ?2, ?3, 'Referral', 'g2', 'referral', 'late.com')`,
    ).bind(site.id, ago(1), Date.now()).run();
    await runJob(site);
    const [t] = await rows<{ channel: string }>("SELECT channel FROM touches WHERE site_id = ? AND touch_id = 'a-late'", site.id);
    expect(t.channel).toBe('Review Sites');
  });
});
