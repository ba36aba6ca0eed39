// GET /v1/funnel: a cohort by first-stage conversion, grouped by first touch, with a skipped stage
// and a lost deal; counts never rise from one stage to the next; CSV; errors.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAttribution } from '../../edge/src/attribution/job';
import { findSiteById } from '../../edge/src/db/sites';
import { call, createSite, errorOf, rows, type TestSite } from './helpers';
import { ago, expect400 as expect400For, get, getJson, iso, runJob, seedScenario, send } from './query-fixtures';

const STAGES = 'lead,mql,opportunity,closed_won';
const day = (days: number) => iso(ago(days)).slice(0, 10);

/**
 * Keys, their first touch and conversions (days before now):
 *   a1.com    Paid Search −40 (account)          lead −30, mql −25, opportunity −20, closed_won −10
 *   a2.com    Paid Social −35 (contact's touch)  lead −28, opportunity −18 (mql skipped), closed_lost −8
 *   a3.com    Paid Search −33 (a visitor later identified as its contact)   lead −27, mql −26
 *   a4.com    no touch before its lead (Display −14 comes after)            lead −15, closed_won −5 (skips two)
 *   pat@gmail.com   Events −12 (webinar)          lead −11
 *   anonymous visitor   Paid Search −6 (Bing CPC)  lead −5
 *   a5.com    its first lead is at −200, outside the default 90 days: not in the cohort
 */
async function seed(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-a1-search01', occurred_at: iso(ago(40)), touch_type: 'ad_click', account_domain: 'a1.com', source: 'google', medium: 'cpc' },
      { id: 't-a1-email001', occurred_at: iso(ago(25)), touch_type: 'email', account_domain: 'a1.com' },
      { id: 't-a2-social01', occurred_at: iso(ago(35)), touch_type: 'ad_click', email: 'cy@a2.com', source: 'linkedin', medium: 'paid_social' },
      { id: 't-a3-event001', occurred_at: iso(ago(26.5)), touch_type: 'event', account_domain: 'a3.com' },
      { id: 't-a4-display1', occurred_at: iso(ago(14)), touch_type: 'ad_view', account_domain: 'a4.com', source: 'adroll', medium: 'display' },
      { id: 't-pat-webinar', occurred_at: iso(ago(12)), touch_type: 'webinar', email: 'pat@gmail.com' },
      { id: 't-a5-social01', occurred_at: iso(ago(19)), touch_type: 'ad_click', account_domain: 'a5.com', source: 'linkedin', medium: 'paid_social' },
    ],
  });
  const page = (messageId: string, anonymousId: string, days: number, source: string) => ({
    messageId,
    anonymousId,
    timestamp: iso(ago(days)),
    context: { campaign: { source, medium: 'cpc', name: 'brand', campaign: 'brand' }, page: { url: 'https://www.acme-site.test/' } },
  });
  await send(site, '/v1/page', page('msg-a3-page-01', 'anon-a3-000001', 33, 'google'));
  await send(site, '/v1/identify', { messageId: 'msg-a3-ident01', anonymousId: 'anon-a3-000001', traits: { email: 'dee@a3.com' } });
  await send(site, '/v1/page', page('msg-lone-page1', 'anon-lone-00002', 6, 'bing'));
  const cv = (id: string, stage: string, days: number, who: Record<string, string>) => ({ id, stage, occurred_at: iso(ago(days)), ...who });
  const acct = (d: string) => ({ account_domain: d });
  await send(site, '/v1/conversions', {
    conversions: [
      cv('a1-lead-00001', 'lead', 30, acct('a1.com')),
      cv('a1-mql-000001', 'mql', 25, acct('a1.com')),
      cv('a1-opp-000001', 'opportunity', 20, acct('a1.com')),
      cv('a1-won-000001', 'closed_won', 10, acct('a1.com')),
      cv('a2-lead-00001', 'lead', 28, acct('a2.com')),
      cv('a2-opp-000001', 'opportunity', 18, acct('a2.com')),
      cv('a2-lost-00001', 'closed_lost', 8, acct('a2.com')),
      cv('a3-lead-00001', 'lead', 27, acct('a3.com')),
      cv('a3-mql-000001', 'mql', 26, acct('a3.com')),
      cv('a4-lead-00001', 'lead', 15, acct('a4.com')),
      cv('a4-won-000001', 'closed_won', 5, acct('a4.com')),
      cv('pat-lead-0001', 'lead', 11, { email: 'pat@gmail.com' }),
      cv('lone-lead-001', 'lead', 5, { anonymous_id: 'anon-lone-00002' }),
      cv('a5-lead-00001', 'lead', 200, acct('a5.com')),
      cv('a5-lead-00002', 'lead', 20, acct('a5.com')),
      cv('a5-opp-000001', 'opportunity', 10, acct('a5.com')),
    ],
  });
}

type Cells = { reached: Record<string, number>; rate: Record<string, number | null>; median_days: Record<string, number | null>; win_rate: number | null };
type Row = Cells & { key: string };

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Funnel');
  await seed(site);
  await runJob(site);
});

/** Counts never rise from one stage to the next; rates are the quotients of the counts. */
function expectFunnelShape(stages: string[], cells: Cells) {
  for (let i = 1; i < stages.length; i++) {
    const [before, after] = [cells.reached[stages[i - 1]], cells.reached[stages[i]]];
    expect(after).toBeLessThanOrEqual(before);
    expect(cells.rate[stages[i]]).toBe(before ? Math.round((after / before) * 10_000) / 10_000 : null);
  }
}

describe('GET /v1/funnel', () => {
  it('a skipped stage counts as passed, a lost deal lowers the win rate, hand-computed per source channel', async () => {
    const report = await getJson(site, `/v1/funnel?stages=${STAGES}`);
    expect(report).toMatchObject({ stages: ['lead', 'mql', 'opportunity', 'closed_won'], group_by: 'channel' });
    expect(report.rows).toEqual([
      {
        key: 'Paid Search', // a1, a3 and the anonymous visitor
        reached: { lead: 3, mql: 2, opportunity: 1, closed_won: 1 },
        rate: { mql: 0.6667, opportunity: 0.5, closed_won: 1 },
        median_days: { mql: 3, opportunity: 5, closed_won: 10 }, // mql: a1 5 d, a3 1 d
        win_rate: 1,
      },
      {
        key: '(no touch)', // a4 won without mql or opportunity: it passed both
        reached: { lead: 1, mql: 1, opportunity: 1, closed_won: 1 },
        rate: { mql: 1, opportunity: 1, closed_won: 1 },
        median_days: { mql: null, opportunity: null, closed_won: null },
        win_rate: 1,
      },
      {
        key: 'Events', // pat, a free-mail contact
        reached: { lead: 1, mql: 0, opportunity: 0, closed_won: 0 },
        rate: { mql: 0, opportunity: null, closed_won: null },
        median_days: { mql: null, opportunity: null, closed_won: null },
        win_rate: null,
      },
      {
        key: 'Paid Social', // a2 skipped mql (passed) and lost
        reached: { lead: 1, mql: 1, opportunity: 1, closed_won: 0 },
        rate: { mql: 1, opportunity: 1, closed_won: 0 },
        median_days: { mql: null, opportunity: null, closed_won: null },
        win_rate: 0,
      },
    ]);
    expect(report.totals).toEqual({
      reached: { lead: 6, mql: 4, opportunity: 3, closed_won: 2 },
      rate: { mql: 0.6667, opportunity: 0.75, closed_won: 0.6667 },
      median_days: { mql: 3, opportunity: 5, closed_won: 10 },
      win_rate: 0.6667, // a1 and a4 won, a2 lost
    });
  });

  it('takes the first touch at or before the cohort conversion, and the first first-stage conversion of each key', async () => {
    const accounts = await getJson(site, `/v1/funnel?stages=lead,opportunity&group_by=account`);
    expect(accounts.rows.map((r: Row) => [r.key, r.reached.lead, r.reached.opportunity])).toEqual([
      ['(anonymous)', 1, 0],
      ['(no touch)', 1, 0], // a4 won, but closed_won is not in this list: only listed stages are passed
      ['(personal)', 1, 0],
      ['a1.com', 1, 1],
      ['a2.com', 1, 1],
      ['a3.com', 1, 0],
    ]);
    // A range that reaches a5's first lead (−200 d): its only touch (−19 d) came after it.
    const year = await getJson(site, `/v1/funnel?stages=lead,opportunity&group_by=campaign&from=${day(300)}`);
    expect(year.rows.map((r: Row) => [r.key, r.reached.lead, r.reached.opportunity])).toEqual([
      ['(not set)', 3, 2],
      ['(no touch)', 2, 1], // a4, and a5 (its opportunity at −10 is after its first lead)
      ['brand', 2, 0],
    ]);
    // A cohort of a range: only keys whose first lead falls in it (a1 at −30, a2 at −28, a3 at −27).
    const late = await getJson(site, `/v1/funnel?stages=lead,opportunity&from=${day(30)}&to=${iso(ago(26))}`);
    expect(late.totals.reached).toEqual({ lead: 3, opportunity: 2 });
  });

  it('never lets counts rise, for every grouping, the default stages and a custom list', async () => {
    const other = await createSite('Funnel invariants');
    await seedScenario(other);
    await seed(other);
    await runJob(other);
    for (const s of [site, other]) {
      for (const stages of [undefined, STAGES, 'opportunity,closed_won', 'lead,closed_won', 'mql']) {
        for (const dim of ['channel', 'source', 'campaign', 'touch_type', 'account']) {
          const r = await getJson(s, `/v1/funnel?group_by=${dim}${stages ? `&stages=${stages}` : ''}`);
          expect(r.stages).toEqual(stages ? stages.split(',') : ['lead', 'mql', 'sql', 'opportunity', 'closed_won']);
          expectFunnelShape(r.stages, r.totals);
          for (const row of r.rows) expectFunnelShape(r.stages, row);
          for (const stage of r.stages) expect(r.rows.reduce((n: number, x: Row) => n + x.reached[stage], 0)).toBe(r.totals.reached[stage]);
        }
      }
    }
  });

  it("groups by the first touch the job keeps: an earlier touch moves the key at the next run; erasure removes a person's", async () => {
    const s = await createSite('Funnel first touch');
    const channelRows = async () => (await getJson(s, '/v1/funnel?stages=lead')).rows.map((r: Row) => [r.key, r.reached.lead]);
    await send(s, '/v1/touches', {
      touches: [
        { id: 'ft-b1-display', occurred_at: iso(ago(10)), touch_type: 'ad_view', account_domain: 'b1.com', source: 'adroll', medium: 'display' },
        { id: 'ft-kim-webinr', occurred_at: iso(ago(9)), touch_type: 'webinar', email: 'kim@gmail.com' },
      ],
    });
    await send(s, '/v1/conversions', {
      conversions: [
        { id: 'ft-b1-lead-01', stage: 'lead', occurred_at: iso(ago(5)), account_domain: 'b1.com' },
        { id: 'ft-kim-lead-1', stage: 'lead', occurred_at: iso(ago(4)), email: 'kim@gmail.com' },
      ],
    });
    await runJob(s);
    expect(await channelRows()).toEqual([['Display', 1], ['Events', 1]]);
    const stored = await rows<{ akey: string; touch_id: string }>('SELECT akey, touch_id FROM key_first_touch WHERE site_id = ?1 ORDER BY touch_id', s.id);
    expect(stored.map((r) => r.touch_id)).toEqual(['ft-b1-display', 'ft-kim-webinr']);

    // A full rerun finds the same first touches.
    const before = await rows('SELECT * FROM key_first_touch WHERE site_id = ?1 ORDER BY akey', s.id);
    await runJob(s, '?full=true');
    expect(await rows('SELECT * FROM key_first_touch WHERE site_id = ?1 ORDER BY akey', s.id)).toEqual(before);

    // An earlier touch of b1: the funnel answers from the job's last run, then moves with the next.
    await send(s, '/v1/touches', {
      touches: [{ id: 'ft-b1-search1', occurred_at: iso(ago(20)), touch_type: 'ad_click', account_domain: 'b1.com', source: 'google', medium: 'cpc' }],
    });
    expect(await channelRows()).toEqual([['Display', 1], ['Events', 1]]);
    await runJob(s);
    expect(await channelRows()).toEqual([['Events', 1], ['Paid Search', 1]]);

    // Erasing kim removes the first touch filed under her personal key; her lead now has no touch.
    expect((await call('/v1/people?email=kim%40gmail.com', { method: 'DELETE', headers: { authorization: `Bearer ${s.secret_key}` } })).status).toBe(200);
    expect(await rows("SELECT akey FROM key_first_touch WHERE site_id = ?1 AND akey LIKE '(personal)%'", s.id)).toEqual([]);
    await runJob(s);
    expect(await channelRows()).toEqual([['(no touch)', 1], ['Paid Search', 1]]);
  });

  it('finds a first touch from long before the window once; a full recompute reads no history for it', async () => {
    const withHistory = await createSite('Funnel history');
    const without = await createSite('Funnel no history');
    const recent = { id: 'fh-c1-recent1', occurred_at: iso(ago(12)), touch_type: 'call', account_domain: 'c1.com' };
    const lead = { id: 'fh-c1-lead-01', stage: 'lead', occurred_at: iso(ago(10)), account_domain: 'c1.com' };
    const old = Array.from({ length: 300 }, (_, i) => ({
      id: `fh-c1-old-${String(i).padStart(3, '0')}`,
      occurred_at: iso(ago(200 + i / 10)),
      touch_type: 'webinar',
      account_domain: 'c1.com',
    }));
    await send(withHistory, '/v1/touches', { touches: [...old, recent] });
    await send(without, '/v1/touches', { touches: [recent] });
    for (const s of [withHistory, without]) await send(s, '/v1/conversions', { conversions: [lead] });
    // Run in-process without the 2-minute rescan overlap, which would count the data just sent as new again.
    const run = async (s: TestSite, full = false) => runAttribution(env.DB, (await findSiteById(env.DB, s.id))!, { full, scanOverlapMs: 0 });
    const first = await run(withHistory);
    await run(without);
    // The first touch is the oldest webinar, 230 days back, far outside the 90-day window.
    expect(await rows('SELECT touch_id FROM key_first_touch WHERE site_id = ?1', withHistory.id)).toEqual([{ touch_id: 'fh-c1-old-299' }]);
    expect((await getJson(withHistory, `/v1/funnel?stages=lead&from=${day(30)}`)).rows.map((r: Row) => r.key)).toEqual(['Events']);
    // A full recompute (as a settings change or the daily refit makes) changes no touch: it reads
    // the same rows with or without the 300 old touches.
    const full = await run(withHistory, true);
    const bare = await run(without, true);
    expect(first.rows_read - bare.rows_read).toBeGreaterThan(300);
    expect(Math.abs(full.rows_read - bare.rows_read)).toBeLessThan(50);
  });

  it('answers CSV: one line per key', async () => {
    const res = await get(site, `/v1/funnel?stages=lead,opportunity,closed_won&format=csv`);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="funnel_channel_.*\.csv"$/);
    expect((await res.text()).split('\r\n').slice(0, 3)).toEqual([
      'key,reached_lead,reached_opportunity,reached_closed_won,rate_opportunity,rate_closed_won,median_days_opportunity,median_days_closed_won,win_rate',
      'Paid Search,3,1,1,0.3333,1.0000,10.00,10.00,1.0000',
      '(no touch),1,1,1,1.0000,1.0000,,,1.0000',
    ]);
  });

  it('refuses bad stage lists and parameters with a code saying what is allowed', async () => {
    const expect400 = (path: string, code: string, message: RegExp) => expect400For(site, path, code, message);
    await expect400('/v1/funnel?stages=lead,lead', 'invalid_stages', /lead twice/);
    await expect400('/v1/funnel?stages=lead,closed_lost', 'invalid_stages', /win_rate/);
    await expect400('/v1/funnel?stages=lead,demo', 'invalid_stages', /unknown stage demo; stages must be among closed_won, lead, mql, opportunity, sql/);
    await expect400('/v1/funnel?stages=', 'invalid_stages', /comma-separated list/);
    await expect400('/v1/funnel?stages=lead,,mql', 'invalid_stages', /comma-separated list/);
    await expect400('/v1/funnel?stages=Lead', 'invalid_stages', /comma-separated list/);
    await expect400(`/v1/funnel?stages=${'a,b,c,d,e,f,g,h,i,j,k'}`, 'invalid_stages', /1 to 10/);
    await expect400('/v1/funnel?group_by=region', 'invalid_group_by', /channel, source/);
    await expect400('/v1/funnel?conversion=lead', 'unknown_parameter', /conversion.*stages, group_by, from, to, format/);
    await expect400('/v1/funnel?stages=lead&stages=mql', 'invalid_query', /repeated/);
    await expect400('/v1/funnel?from=2026-13-01', 'invalid_range', /calendar date/);
    await expect400('/v1/funnel?from=2025-01-01&to=2026-03-01', 'range_too_long', /at most 366/);
    const post = await call('/v1/funnel', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect([post.status, (await errorOf(post)).code]).toEqual([405, 'method_not_allowed']);
    expect((await call('/v1/funnel', { headers: { authorization: `Bearer ${site.public_key}` } })).status).toBe(403);
  });
});
