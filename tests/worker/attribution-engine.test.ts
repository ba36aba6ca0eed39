// The credit engine's bookkeeping: attribution keys written by SQL parse back, incremental runs
// re-credit only the conversions new data can move and write nothing else, repeated calls always
// progress on the oldest work, a late commit into the rescan overlap is not missed, and revenue sums
// stay exact however large.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { formatAkey, parseAkey } from '../../schemas/akey';
import { Budget, runAttribution } from '../../edge/src/attribution/job';
import { findSiteById } from '../../edge/src/db/sites';
import { flatCredit } from './credit-rows';
import { call, createSite, rows, sendAccepted as send, type TestSite } from './helpers';
import { expectRollupInStep, getJson } from './query-fixtures';

const DAY = 86_400_000;
const NOW = Date.now() - 60_000;
const ago = (days: number) => new Date(NOW - days * DAY).toISOString();
const siteOf = async (site: TestSite) => (await findSiteById(env.DB, site.id))!;
const run = async (site: TestSite, opts: Parameters<typeof runAttribution>[2] = {}) => runAttribution(env.DB, await siteOf(site), opts);

/** One key of every kind: an account, a free-mail contact, a lone visitor, and a conversion of nobody. */
async function everyKind(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-kind-acct01', occurred_at: ago(5), touch_type: 'webinar', email: 'ann@kindco.com' },
      { id: 't-kind-free01', occurred_at: ago(5), touch_type: 'webinar', email: 'kim@gmail.com' },
      { id: 't-kind-anon01', occurred_at: ago(5), touch_type: 'event', anonymous_id: 'lonely-visitor-01' },
    ],
  });
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-kind-acct', stage: 'lead', occurred_at: ago(1), email: 'ann@kindco.com' },
      { id: 'conv-kind-free', stage: 'lead', occurred_at: ago(1), email: 'kim@gmail.com' },
      { id: 'conv-kind-anon', stage: 'lead', occurred_at: ago(1), anonymous_id: 'lonely-visitor-01' },
      { id: 'conv-kind-none', stage: 'closed_won', occurred_at: ago(1), account_domain: 'nobodyco.com', amount: 5 },
    ],
  });
}

describe('attribution keys', () => {
  it('every key the SQL stitching produces parses back to itself, one of each kind', async () => {
    const site = await createSite();
    await everyKind(site);
    // Queue every key without crediting it yet (no budget for a chunk), then read what SQL wrote.
    await run(site, { budget: new Budget(60_000, 2) });
    const queued = (await rows<{ akey: string }>('SELECT akey FROM attribution_dirty WHERE site_id = ?', site.id)).map((r) => r.akey);
    await run(site);
    const credited = (await rows<{ akey: string }>('SELECT akey FROM credit WHERE site_id = ?', site.id)).map((r) => r.akey);
    const keys = [...new Set([...queued, ...credited])];
    for (const akey of keys) expect(formatAkey(parseAkey(akey))).toBe(akey);
    expect(new Set(keys.map((k) => parseAkey(k).kind))).toEqual(new Set(['account', 'personal', 'visitor']));
    // A conversion of nobody: erasure re-files it under its own key, which parses back too.
    const erased = await call('/v1/people?email=kim@gmail.com', { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(erased.status).toBe(200);
    const refiled = (await rows<{ akey: string }>("SELECT akey FROM credit WHERE site_id = ? AND conversion_id = 'conv-kind-free'", site.id))[0].akey;
    expect(parseAkey(refiled)).toEqual({ kind: 'none', conversionId: 'conv-kind-free' });
    expect(formatAkey(parseAkey(refiled))).toBe(refiled);
  });
});

describe('incremental runs', () => {
  async function account(site: TestSite) {
    await send(site, '/v1/touches', {
      touches: Array.from({ length: 30 }, (_, i) => ({ id: `t-inc-${String(i).padStart(3, '0')}`, occurred_at: ago(60 - i * 2), touch_type: 'webinar', account_domain: 'incco.com' })),
    });
    await send(site, '/v1/conversions', {
      conversions: [10, 20, 30, 40, 50].map((d) => ({ id: `conv-inc-${d}`, stage: 'lead', occurred_at: ago(d), account_domain: 'incco.com' })),
    });
  }

  it('a touch after every conversion re-credits nothing and writes no credit', async () => {
    const site = await createSite();
    await account(site);
    expect(await run(site, { scanOverlapMs: 0 })).toMatchObject({ done: true, credit_rows_written: 5 });
    const before = await flatCredit(site.id);
    await send(site, '/v1/touches', { touches: [{ id: 't-inc-latest', occurred_at: ago(0.5), touch_type: 'call', account_domain: 'incco.com' }] });
    const out = await run(site, { scanOverlapMs: 0 });
    expect(out).toMatchObject({ done: true, conversions_credited: 0, credit_rows_written: 0, rollup_days_rebuilt: 0 });
    // Only the scan's bookkeeping: the queue row, its removal, and the state row.
    expect(out.rows_written).toBeLessThanOrEqual(6);
    expect(await flatCredit(site.id)).toEqual(before);
  });

  it('a touch between conversions re-credits only those after it, and equals a full recompute', async () => {
    const site = await createSite();
    await account(site);
    await run(site, { scanOverlapMs: 0 });
    await send(site, '/v1/touches', { touches: [{ id: 't-inc-middle', occurred_at: ago(25), touch_type: 'call', account_domain: 'incco.com' }] });
    const out = await run(site, { scanOverlapMs: 0 });
    // conv-inc-10 and conv-inc-20 come after the touch; the three before it are not even credited again.
    expect(out).toMatchObject({ done: true, conversions_credited: 2, credit_rows_written: 2, rollup_days_rebuilt: 2 });
    const incremental = await flatCredit(site.id);
    await run(site, { full: true, scanOverlapMs: 0 });
    expect(await flatCredit(site.id)).toEqual(incremental);
    await expectRollupInStep(site);
  });
});

describe('fair progress', () => {
  it('calls right after a bulk import progress on the oldest work; the rescan does not restart a heavy key', async () => {
    const site = await createSite();
    // A heavy account (60 conversions) queued first, then light accounts behind it.
    await send(site, '/v1/touches', {
      touches: Array.from({ length: 120 }, (_, i) => ({ id: `t-bulk-${String(i).padStart(3, '0')}`, occurred_at: ago(80 - i * 0.6), touch_type: 'event', account_domain: 'bulkco.com' })),
    });
    await send(site, '/v1/conversions', {
      conversions: Array.from({ length: 60 }, (_, i) => ({ id: `conv-bulk-${String(i).padStart(3, '0')}`, stage: 'lead', occurred_at: ago(60 - i * 0.9), account_domain: 'bulkco.com' })),
    });
    await send(site, '/v1/conversions', {
      conversions: Array.from({ length: 12 }, (_, i) => ({ id: `conv-light-${i}`, stage: 'lead', occurred_at: ago(3), account_domain: `light${i}.com` })),
    });
    // Every call comes within the 2-minute overlap of the last (the default overlap, as a client looping on the route).
    const opts = () => ({ chunkSize: 1, budget: new Budget(60_000, 13), slicing: { over: 16, size: 8 } });
    const first = await run(site, opts());
    let pending = first.pending;
    let cursor = '';
    let calls = 1;
    for (let last = first; !last.done && calls < 40; calls++) {
      last = await run(site, opts());
      // Each call finishes a key, moves the heavy one on, or rebuilds the rollup or funnel months: never the same state twice.
      const [heavy] = await rows<{ since: number; since_id: string }>("SELECT since, since_id FROM attribution_dirty WHERE site_id = ? AND akey = 'bulkco.com'", site.id);
      const at = heavy ? `${String(heavy.since).padStart(16, '0')}/${heavy.since_id}` : '~';
      expect(last.pending < pending || at > cursor || last.rollup_days_rebuilt > 0 || last.funnel_months_rebuilt > 0).toBe(true);
      // The rescan of the last 2 minutes never sends the heavy key back to its start.
      expect(at >= cursor).toBe(true);
      pending = last.pending;
      cursor = at;
    }
    // 13 keys, the heavy one in 8 slices (60 / 8), then the rollup and the funnel months: about 20 calls.
    expect(calls).toBeLessThan(30);
    const credited = new Set((await flatCredit(site.id, { model: 'linear' })).map((r) => r.conversion_id));
    expect(credited.size).toBe(72);
    await expectRollupInStep(site);
  });

  it('re-reads the overlap when a request commits into it after the scan, and only then', async () => {
    const site = await createSite();
    await send(site, '/v1/conversions', { conversions: [{ id: 'conv-late-1', stage: 'lead', occurred_at: ago(1), account_domain: 'lateco.com' }] });
    await run(site);
    const again = await run(site);
    expect(again).toMatchObject({ done: true, conversions_credited: 0 });
    // A touch stamped before the last watermark but committed only now, as a slow request would be.
    const [{ watermark }] = await rows<{ watermark: number }>('SELECT watermark FROM attribution_state WHERE site_id = ?', site.id);
    await env.DB.prepare(
      `INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, account_domain)
       VALUES (?1, 't-late-commit', 'offline', 'call', ?2, ?3, 'Sales', 'lateco.com')`,
    )
      .bind(site.id, NOW - 2 * DAY, watermark - 30_000)
      .run();
    const late = await run(site);
    expect(late).toMatchObject({ done: true, conversions_credited: 1, credit_rows_written: 1 });
    expect((await flatCredit(site.id, { model: 'linear' })).map((r) => r.touch_id)).toEqual(['t-late-commit']);
    expect(await run(site)).toMatchObject({ conversions_credited: 0 });
  });
});

describe('revenue sums', () => {
  it('stay exact and never overflow, however large the amounts', async () => {
    const site = await createSite();
    const day = Math.floor(NOW / DAY);
    // Three days each holding 4e18 cents: 1.2e19 overflows SQLite's 64-bit SUM; the report adds exactly.
    await env.DB.prepare(
      `INSERT INTO credit_sums (site_id, stage, dim, grain, day, part, sums)
       SELECT ?1, 'closed_won', 'channel', 'day', ?2 - value, 0, '{"k":["Events"],"linear":[1000000000,"4000000000000000000",1]}' FROM json_each('[0,1,2]')`,
    )
      .bind(site.id, day)
      .run();
    // The three days, read as day rows (no whole month lies inside them).
    const iso = (d: number) => new Date(d * DAY).toISOString().slice(0, 10);
    const res = await call(`/v1/credit?group_by=channel&from=${iso(day - 2)}&to=${iso(day)}`, { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(res.status).toBe(200);
    const report = await res.json<{ totals: { conversions: number; revenue: number }; rows: { key: string; revenue: number }[] }>();
    const noSpend = { spend: 0, roas: null, cost_per_conversion: 0 };
    expect(report.totals).toEqual({ conversions: 3, revenue: 1.2e17, ...noSpend });
    expect(report.rows).toEqual([{ key: 'Events', conversions: 3, revenue: 1.2e17, touches: 3, ...noSpend }]);
  });

  it('the job credits many conversions at the largest accepted amount without a fault', async () => {
    const site = await createSite();
    await send(site, '/v1/conversions', {
      conversions: Array.from({ length: 200 }, (_, i) => ({ id: `conv-max-${i}`, stage: 'closed_won', occurred_at: ago(1 + (i % 5)), account_domain: `big${i}.com`, amount: 1e10 })),
    });
    expect(await run(site)).toMatchObject({ done: true, conversions_credited: 200 });
    const report = await getJson(site, '/v1/credit?group_by=account');
    expect(report.totals.revenue).toBe(200 * 1e10);
    await expectRollupInStep(site);
  });
});
