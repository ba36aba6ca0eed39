// The attribution job's mechanics: the route and the cron, idempotence, incremental = full,
// settings changes, a failure half way through, budgets, and writes within D1's limits.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { auditCredit } from '../../edge/src/attribution/audit';
import { Budget, runAttribution, type RunResult } from '../../edge/src/attribution/job';
import { DATA_DRIVEN } from '../../edge/src/attribution/models';
import { findSiteById, type Site } from '../../edge/src/db/sites';
import type { Env } from '../../edge/src/env';
import worker from '../../edge/src/index';
import { flatCredit } from './credit-rows';
import { batch, call, createSite, pageEvent, postEvents, rows, type TestSite, sendAccepted } from './helpers';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => NOW - days * DAY;

const send = sendAccepted;

function runRoute(site: TestSite, query = ''): Promise<Response> {
  return call(`/v1/attribution/run${query}`, { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
}

async function runJob(site: TestSite, query = ''): Promise<RunResult> {
  const res = await runRoute(site, query);
  expect(res.status).toBe(200);
  return res.json();
}

const siteOf = async (site: TestSite): Promise<Site> => (await findSiteById(env.DB, site.id))!;

async function expectClean(site: TestSite) {
  expect((await auditCredit(env.DB, await siteOf(site))).problems).toEqual([]);
}

/** Everything a credit row says, without the site: comparable across sites. */
const snapshot = (site: TestSite) => flatCredit(site.id);

const page = (messageId: string, anonymousId: string, days: number, source: string) => ({
  messageId,
  anonymousId,
  timestamp: new Date(ago(days)).toISOString(),
  context: { campaign: { source, medium: 'cpc', name: 'spring' }, page: { url: 'https://www.acme-site.test/' } },
});

/** Several accounts, a free-mail contact and an anonymous visitor with history. */
async function phase1(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-aaa-webinar', occurred_at: ago(30), touch_type: 'webinar', email: 'a1@aaa.com' },
      { id: 't-aaa-mailer1', occurred_at: ago(10), touch_type: 'direct_mail', account_domain: 'aaa.com' },
      { id: 't-mmm-meeting', occurred_at: ago(20), touch_type: 'meeting', email: 'm1@mmm.com' },
      { id: 't-zzz-event01', occurred_at: ago(5), touch_type: 'event', account_domain: 'zzz.com' },
      { id: 't-pat-webinar', occurred_at: ago(8), touch_type: 'webinar', email: 'pat@gmail.com' },
    ],
  });
  await send(site, '/v1/page', page('msg-anon-hist1', 'anon-hist-001', 25, 'google'));
  await send(site, '/v1/page', page('msg-anon-hist2', 'anon-hist-001', 15, 'bing'));
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-aaa-won1', stage: 'closed_won', occurred_at: NOW, account_domain: 'aaa.com', amount: 1000 },
      { id: 'conv-mmm-lead', stage: 'lead', occurred_at: ago(2), email: 'm1@mmm.com' },
      { id: 'conv-mmm-won1', stage: 'closed_won', occurred_at: NOW, account_domain: 'mmm.com', amount: 777.77 },
      { id: 'conv-zzz-opp1', stage: 'opportunity', occurred_at: ago(1), account_domain: 'zzz.com', opportunity_id: 'opp-z' },
      { id: 'conv-pat-won1', stage: 'closed_won', occurred_at: NOW, email: 'pat@gmail.com', amount: 50 },
      { id: 'conv-anon-ld1', stage: 'lead', occurred_at: ago(12), anonymous_id: 'anon-hist-001' },
    ],
  });
}

/** New touches, an identification, changed and new conversions, a personal contact given an account. */
async function phase2(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-aaa-call001', occurred_at: ago(3), touch_type: 'call', email: 'a2@aaa.com' },
      { id: 't-zzz-event02', occurred_at: ago(2), touch_type: 'event', account_domain: 'zzz.com' },
      { id: 't-pat-meeting', occurred_at: ago(4), touch_type: 'meeting', email: 'pat@gmail.com', account_domain: 'patco.com' },
    ],
  });
  await send(site, '/v1/identify', { messageId: 'msg-anon-ident', anonymousId: 'anon-hist-001', traits: { email: 'm2@mmm.com' } });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-zzz-opp1', stage: 'closed_lost', occurred_at: ago(1), account_domain: 'zzz.com', opportunity_id: 'opp-z' },
      { id: 'conv-aaa-won1', stage: 'closed_won', occurred_at: NOW, account_domain: 'aaa.com', amount: 2000 },
      { id: 'conv-zzz-won1', stage: 'closed_won', occurred_at: NOW, account_domain: 'zzz.com', opportunity_id: 'opp-z', amount: 300 },
    ],
  });
}

describe('POST /v1/attribution/run', () => {
  it('reports what it did, and a second run leaves the same credit', async () => {
    const site = await createSite();
    await phase1(site);
    const first = await runJob(site);
    expect(first).toMatchObject({ site_id: site.id, full: true, done: true, conversions_credited: 6, pending: 0 });
    expect(first.accounts_recomputed).toBeGreaterThanOrEqual(5);
    // One stored row per credited conversion, every model in it.
    expect(first.credit_rows_written).toBe(6);
    expect(first.rows_written).toBeGreaterThan(0);
    expect(typeof first.duration_ms).toBe('number');
    await expectClean(site);
    const before = await snapshot(site);

    const second = await runJob(site);
    expect(second).toMatchObject({ full: false, done: true });
    expect(await snapshot(site)).toEqual(before);
  });

  it('answers 405 for other methods, 401 without a key and 400 for a bad full flag', async () => {
    const site = await createSite();
    expect((await call('/v1/attribution/run', { headers: { authorization: `Bearer ${site.secret_key}` } })).status).toBe(405);
    expect((await call('/v1/attribution/run', { method: 'POST' })).status).toBe(401);
    expect((await runRoute(site, '?full=maybe')).status).toBe(400);
    expect(await runJob(site, '?full=true')).toMatchObject({ full: true, done: true, conversions_credited: 0 });
  });
});

describe('incremental runs', () => {
  it('after new data, equal a full recompute and a fresh site given everything at once', async () => {
    const site = await createSite();
    await phase1(site);
    // A snippet landing identified in the same batch; its form arrives later and upgrades the touch.
    const visitor = 'snip-visitor-01';
    const landing = pageEvent('snip-sess-0001', 'https://www.acme-site.test/?utm_source=g2&utm_medium=referral', {
      l: 1,
      c: Date.now() - 3 * 3_600_000,
    });
    const identify = { i: 'ev-snip-ident1', y: 'identify', c: Date.now() - 3 * 3_600_000, s: 'snip-sess-0001', m: 'a1@aaa.com' };
    expect((await postEvents(batch(site.public_key, [landing, identify], { v: visitor }))).status).toBe(200);
    await runJob(site);

    await phase2(site);
    const form = { i: 'ev-snip-form01', y: 'form', c: Date.now() - 2 * 3_600_000, s: 'snip-sess-0001', f: { i: 'demo' } };
    expect((await postEvents(batch(site.public_key, [form], { v: visitor }))).status).toBe(200);
    expect(await runJob(site)).toMatchObject({ full: false, done: true });
    await expectClean(site);
    const incremental = await snapshot(site);

    // What the incremental run had to get right:
    const of = (conversion: string, model = 'linear') =>
      incremental.filter((r) => r.conversion_id === conversion && r.model === model);
    expect(of('conv-zzz-opp1')).toEqual([]);
    expect(of('conv-anon-ld1').map((r) => r.account_domain)).toEqual(['mmm.com', 'mmm.com', 'mmm.com']);
    expect(of('conv-pat-won1').map((r) => [r.touch_id, r.account_domain])).toEqual([
      ['t-pat-meeting', 'patco.com'],
      ['t-pat-webinar', 'patco.com'],
    ]);
    expect(of('conv-aaa-won1').reduce((n, r) => n + (r.revenue_cents as number), 0)).toBe(200_000);
    expect(of('conv-aaa-won1').map((r) => r.touch_type)).toContain('form_fill');

    // Each key's first touch (kept for the funnel) too, row for row.
    const firstTouches = (s: { id: string }) => rows<Record<string, unknown>>('SELECT * FROM key_first_touch WHERE site_id = ?1 ORDER BY akey', s.id);
    const incrementalFirst = (await firstTouches(site)).map(({ site_id: _, ...r }) => r);
    expect(incrementalFirst.length).toBeGreaterThan(3);

    expect(await runJob(site, '?full=true')).toMatchObject({ full: true, done: true });
    expect(await snapshot(site)).toEqual(incremental);
    expect((await firstTouches(site)).map(({ site_id: _, ...r }) => r)).toEqual(incrementalFirst);

    const fresh = await createSite();
    await phase1(fresh);
    await phase2(fresh);
    await runJob(fresh);
    const withoutSnippet = incremental.filter((r) => !(r.touch_id as string).startsWith('w_'));
    const freshRows = await snapshot(fresh);
    // The snippet visitor exists only on the first site; elsewhere the credit is the same row for row.
    // Data-driven credit follows each site's own fit, which learned from different journeys.
    const sameShape = (list: typeof freshRows) =>
      list.filter((r) => r.conversion_id !== 'conv-aaa-won1' && !DATA_DRIVEN.has(r.model as never)).map((r) => JSON.stringify(r));
    expect(sameShape(freshRows)).toEqual(sameShape(withoutSnippet));
    // aaa.com's first touch is the snippet landing, which only the first site has.
    const freshFirst = (await firstTouches(fresh)).map(({ site_id: _, ...r }) => r);
    expect(freshFirst.filter((r) => r.akey !== 'aaa.com')).toEqual(incrementalFirst.filter((r) => r.akey !== 'aaa.com'));
  });

  it('recomputes the whole site when the window or half-life changes', async () => {
    const site = await createSite();
    await phase1(site);
    await runJob(site);
    const patch = (settings: Record<string, unknown>) =>
      call(`/admin/sites/${site.id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ settings }),
      });
    expect((await patch({ window_days: 7 })).status).toBe(200);
    // A settings change refits too: the fit learns from the new window's journeys (every key's, computed again).
    expect(await runJob(site)).toMatchObject({ full: true, done: true, refitted: true });
    expect((await rows<{ window_days: number }>('SELECT DISTINCT window_days FROM model_fits WHERE site_id = ?1', site.id)).map((r) => r.window_days)).toEqual([7]);
    await expectClean(site);
    const touched = [...new Set((await snapshot(site)).map((r) => r.touch_id))].sort();
    expect(touched).toEqual(['', 's_msg-anon-hist2', 't-zzz-event01']);

    expect((await patch({ half_life_days: 2 })).status).toBe(200);
    expect(await runJob(site)).toMatchObject({ full: true, refitted: true });
    expect(await runJob(site)).toMatchObject({ full: false, refitted: false });
  });
});

describe('failure and budgets', () => {
  it('a run that fails half way, then a rerun, gives the same credit as one clean run', async () => {
    const broken = await createSite();
    const clean = await createSite();
    for (const site of [broken, clean]) {
      await phase1(site);
      await runJob(site);
      await phase2(site);
    }
    // Sites ids are [A-Za-z0-9_]: safe in DDL, which cannot take bound parameters.
    expect(broken.id).toMatch(/^site_[A-Za-z0-9]+$/);
    await env.DB.prepare(
      `CREATE TRIGGER fail_mmm_credit BEFORE INSERT ON credit
       WHEN NEW.site_id = '${broken.id}' AND NEW.conversion_id = 'conv-mmm-won1'
       BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    ).run();
    try {
      await expect(runAttribution(env.DB, await siteOf(broken), { chunkSize: 1 })).rejects.toThrow(/injected failure/);
    } finally {
      await env.DB.prepare('DROP TRIGGER fail_mmm_credit').run();
    }
    // Earlier chunks committed; the failed one (and any after it) is still queued.
    const queued = await rows<{ akey: string }>('SELECT akey FROM attribution_dirty WHERE site_id = ? ORDER BY akey', broken.id);
    expect(queued.map((q) => q.akey)).toContain('mmm.com');
    expect(queued.map((q) => q.akey)).not.toContain('aaa.com');

    expect(await runJob(broken)).toMatchObject({ done: true, pending: 0 });
    await runJob(clean);
    await expectClean(broken);
    expect(await snapshot(broken)).toEqual(await snapshot(clean));
  });

  it('works through a backlog across invocations when the budget runs out', async () => {
    const slow = await createSite();
    const clean = await createSite();
    await phase1(slow);
    await phase1(clean);
    const site = await siteOf(slow);
    // Room for one chunk of one key per invocation. No overlap: every row here was committed before
    // the first scan, and re-reading it would re-queue all keys each time this test's budget allows one.
    const opts = () => ({ chunkSize: 1, budget: new Budget(60_000, 12), scanOverlapMs: 0 });
    const first = await runAttribution(env.DB, site, opts());
    // The site's first fit waits for the queue: it reads every conversion's journey from stored credit.
    expect(first).toMatchObject({ done: false, chunks: 1, refitted: false });
    expect(first.pending).toBeGreaterThan(0);
    let last = first;
    const runs = [first];
    for (let i = 0; i < 20 && !last.done; i++) runs.push((last = await runAttribution(env.DB, site, opts())));
    expect(last).toMatchObject({ done: true, pending: 0 });
    // Made once, by the run that found the queue empty, and not before.
    const fitAt = runs.findIndex((r) => r.refitted);
    expect(runs.filter((r) => r.refitted)).toHaveLength(1);
    expect(runs.slice(0, fitAt).every((r) => r.pending > 0)).toBe(true);
    expect(runs[fitAt].pending).toBe(0);

    // A refit asked for while keys are queued is remembered, and made by the run that drains them
    // (the same UTC day: nothing else would refit).
    await phase2(slow);
    const asked = await runAttribution(env.DB, site, { ...opts(), refit: true });
    expect(asked).toMatchObject({ done: false, refitted: false });
    const later = [];
    last = asked;
    for (let i = 0; i < 20 && !last.done; i++) later.push((last = await runAttribution(env.DB, site, opts())));
    expect(last).toMatchObject({ done: true, pending: 0 });
    expect(later.filter((r) => r.refitted)).toHaveLength(1);
    await phase2(clean);
    await runJob(clean);
    expect(await snapshot(slow)).toEqual(await snapshot(clean));
  });

  it('writes an account with hundreds of touches and dozens of conversions within D1 limits', async () => {
    const site = await createSite();
    const touches = Array.from({ length: 600 }, (_, i) => ({
      id: `t-big-${String(i).padStart(4, '0')}`,
      occurred_at: ago(80 - i * (80 / 600)),
      touch_type: i % 3 ? 'webinar' : 'call',
      account_domain: 'bigco.com',
    }));
    for (let i = 0; i < touches.length; i += 300) await send(site, '/v1/touches', { touches: touches.slice(i, i + 300) });
    const conversions = Array.from({ length: 24 }, (_, i) => ({
      id: `conv-big-${String(i).padStart(3, '0')}`,
      stage: i % 4 ? 'lead' : 'closed_won',
      occurred_at: ago(40 - i),
      account_domain: 'bigco.com',
      amount: 100 + i,
    }));
    await send(site, '/v1/conversions', { conversions });
    const out = await runJob(site);
    expect(out).toMatchObject({ done: true, conversions_credited: 24 });
    expect(out.credit_rows_written).toBe(24);
    expect((await snapshot(site)).length).toBeGreaterThan(20_000);
    await expectClean(site);
  }, 30_000);
});

describe('a heavy account, credited a slice of conversions at a time', () => {
  const STAGES = ['lead', 'mql', 'opportunity', 'closed_won', 'closed_lost', 'sql'];
  /** 40 conversions (5 slices of 8) over 150 touches at one account, plus a light account. */
  async function heavyHistory(site: TestSite) {
    const touches = Array.from({ length: 150 }, (_, i) => ({
      id: `t-heavy-${String(i).padStart(4, '0')}`,
      occurred_at: ago(120 - i * 0.8),
      touch_type: ['webinar', 'call', 'meeting', 'event'][i % 4],
      account_domain: 'heavyco.com',
    }));
    await send(site, '/v1/touches', { touches });
    const conversions = Array.from({ length: 40 }, (_, i) => ({
      id: `conv-heavy-${String(i).padStart(3, '0')}`,
      stage: STAGES[i % STAGES.length],
      occurred_at: ago(60 - i),
      account_domain: 'heavyco.com',
      opportunity_id: `OPP-H${i % 3}`,
      amount: 1000 + i,
    }));
    await send(site, '/v1/conversions', { conversions });
    await phase1(site);
  }
  const drain = async (site: TestSite, opts: () => Parameters<typeof runAttribution>[2]) => {
    const calls: RunResult[] = [];
    for (let i = 0; i < 60; i++) {
      calls.push(await runAttribution(env.DB, await siteOf(site), opts()));
      if (calls.at(-1)!.done) break;
    }
    return calls;
  };
  // One chunk per call; no overlap (every row was committed before the first scan).
  const sliced = () => ({ chunkSize: 1, budget: new Budget(60_000, 13), scanOverlapMs: 0, slicing: { over: 16, size: 8 } });
  const whole = () => ({ budget: new Budget(60_000, 900), scanOverlapMs: 0, slicing: { over: Infinity, size: 1 } });

  it('gives exactly the credit of the whole key at once, across invocations', async () => {
    const a = await createSite();
    const b = await createSite();
    await heavyHistory(a);
    await heavyHistory(b);
    const calls = await drain(a, sliced);
    expect(calls.at(-1)).toMatchObject({ done: true, pending: 0 });
    expect(calls.length).toBeGreaterThanOrEqual(5); // at least one call per slice of 8
    expect(await rows('SELECT * FROM attribution_dirty WHERE site_id = ?', a.id)).toEqual([]);
    expect((await drain(b, whole)).at(-1)).toMatchObject({ done: true });
    expect((await snapshot(a)).filter((r) => r.account_domain === 'heavyco.com').length).toBeGreaterThan(1_000);
    expect(await snapshot(a)).toEqual(await snapshot(b));
    await expectClean(a);
  });

  it('starts the key over when new data arrives half way through its slices', async () => {
    const a = await createSite();
    const b = await createSite();
    await heavyHistory(a);
    // One chunk per call, until heavyco.com is part way through its slices. Its progress is the
    // queue row's start: the next conversion to credit, in time order.
    const progress = () => rows<{ since_id: string }>("SELECT since_id FROM attribution_dirty WHERE site_id = ? AND akey = 'heavyco.com'", a.id);
    for (let i = 0; i < 20 && !(await progress())[0]?.since_id; i++) await runAttribution(env.DB, await siteOf(a), sliced());
    expect(await progress()).toEqual([{ since_id: expect.stringMatching(/^conv-heavy-/) }]);
    const more = {
      touches: [{ id: 't-heavy-late1', occurred_at: ago(60.5), touch_type: 'call', account_domain: 'heavyco.com' }],
    };
    await send(a, '/v1/touches', more);
    const calls = await drain(a, sliced);
    expect(calls.at(-1)).toMatchObject({ done: true });
    await heavyHistory(b);
    await send(b, '/v1/touches', more);
    await drain(b, whole);
    expect(await snapshot(a)).toEqual(await snapshot(b));
    await expectClean(a);
  });
});

describe('a very large account', () => {
  // A window of 9,000 touches under every model is more than one D1 row should hold: its credit is
  // stored in parts, read back whole, and replaced whole by an incremental run.
  it('stores a 9,000-touch window in parts and recomputes it incrementally', async () => {
    const site = await createSite();
    const touches = Array.from({ length: 9_000 }, (_, i) => ({
      id: `t-huge-${String(i).padStart(5, '0')}`,
      occurred_at: ago(85 - i * (80 / 9_000)),
      touch_type: i % 2 ? 'webinar' : 'meeting',
      account_domain: 'hugeco.com',
    }));
    for (let i = 0; i < touches.length; i += 500) await send(site, '/v1/touches', { touches: touches.slice(i, i + 500) });
    const conversions = [0, 1, 2].map((i) => ({ id: `conv-huge-${i}0000`, stage: 'closed_won', occurred_at: ago(2 - i / 2), account_domain: 'hugeco.com', amount: 1000 + i }));
    await send(site, '/v1/conversions', { conversions });
    const opts = () => ({ budget: new Budget(600_000, 900), scanOverlapMs: 0 });
    const full = await runAttribution(env.DB, await siteOf(site), opts());
    expect(full).toMatchObject({ done: true, conversions_credited: 3 });
    expect(full.credit_rows_written).toBe(3);
    const parts = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM credit WHERE site_id = ? GROUP BY conversion_id', site.id);
    expect(parts.map((p) => p.n).every((n) => n > 1)).toBe(true);

    await send(site, '/v1/touches', { touches: [{ id: 't-huge-latest', occurred_at: ago(1), touch_type: 'call', account_domain: 'hugeco.com' }] });
    const incremental = await runAttribution(env.DB, await siteOf(site), opts());
    expect(incremental).toMatchObject({ full: false, done: true, accounts_recomputed: 1 });
    expect((await snapshot(site)).filter((r) => r.touch_id === 't-huge-latest').length).toBeGreaterThan(0);
    await expectClean(site);
  }, 300_000);
});

describe('the cron trigger', () => {
  it('runs every site through the scheduled handler', async () => {
    const sites = [await createSite(), await createSite()];
    for (const site of sites) await phase1(site);
    const controller = createScheduledController({ scheduledTime: new Date(), cron: '*/15 * * * *' });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env as unknown as Env, ctx);
    await waitOnExecutionContext(ctx);
    for (const site of sites) {
      expect(await rows('SELECT site_id FROM attribution_state WHERE site_id = ?', site.id)).toHaveLength(1);
      expect((await snapshot(site)).length).toBeGreaterThan(0);
      await expectClean(site);
    }
  }, 30_000);
});
