// How the job keeps credit_daily in step: net deltas only for changed conversions, unchanged credit
// not rewritten, and a run whose read went stale (another run wrote meanwhile) writing nothing.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { runAttribution } from '../../edge/src/attribution/job';
import { diffCredit, type StoredCredit } from '../../edge/src/attribution/rollup';
import type { CreditRow } from '../../edge/src/db/credit';
import { findSiteById } from '../../edge/src/db/sites';
import { createSite, rows } from './helpers';
import { ago, expectRollupInStep, runJob, seedScenario, send } from './query-fixtures';

const DAY = 86_400_000;
const fields = new Map([['t1', { touch_type: 'webinar', channel: 'Events', source: null, medium: null, campaign: 'q1', content: null, term: null }]]);
const stored = (over: Partial<StoredCredit> = {}): StoredCredit => ({
  model: 'linear',
  conversion_id: 'c1',
  touch_id: 't1',
  stage: 'closed_won',
  converted_at: 10 * DAY + 5,
  weight: 1,
  weight_units: 1e9,
  revenue_cents: 500,
  account_domain: 'a.com',
  ...fields.get('t1')!,
  ...over,
});
const fresh = (over: Partial<Record<number, unknown>> = {}): CreditRow =>
  Object.assign(['linear', 'c1', 't1', 1, 500, 'closed_won', 10 * DAY + 5, 'a.com', 1e9] as CreditRow, over);

describe('diffCredit', () => {
  it('writes nothing for a conversion whose rows did not change', () => {
    expect(diffCredit(['c1'], [stored()], [fresh()], fields)).toEqual({ unchanged: new Set(['c1']), deltas: [], reduced: [] });
  });

  it('moves every dimension by new minus stored, and names the keys it reduced', () => {
    const diff = diffCredit(['c1'], [stored()], [fresh({ 4: 800 })], fields);
    expect(diff.unchanged.size).toBe(0);
    // Same keys, only revenue moved: one delta of +300 cents per dimension, nothing reduced.
    expect(diff.deltas.map((d) => [d.dim, d.key, d.units, d.cents, d.touches])).toEqual([
      ['channel', 'Events', 0, 300, 0],
      ['source', '(not set)', 0, 300, 0],
      ['medium', '(not set)', 0, 300, 0],
      ['campaign', 'q1', 0, 300, 0],
      ['content', '(not set)', 0, 300, 0],
      ['term', '(not set)', 0, 300, 0],
      ['touch_type', 'webinar', 0, 300, 0],
      ['account', 'a.com', 0, 300, 0],
    ]);
    expect(diff.reduced).toEqual([]);
    // A conversion losing its credit (closed_lost now, or moved away) is subtracted whole.
    const gone = diffCredit(['c1'], [stored()], [], fields);
    expect(gone.deltas.every((d) => d.units === -1e9 && d.cents === -500 && d.touches === -1)).toBe(true);
    expect(gone.reduced).toHaveLength(8);
    // Moving to another day is a subtraction on one day and an addition on the next.
    const moved = diffCredit(['c1'], [stored()], [fresh({ 6: 11 * DAY })], fields);
    expect(moved.deltas.filter((d) => d.dim === 'channel').map((d) => [d.day, d.units])).toEqual([
      [10, -1e9],
      [11, 1e9],
    ]);
  });

  it('gives no-touch rows "(no touch)" in every dimension', () => {
    const diff = diffCredit(['c1'], [], [fresh({ 2: '', 7: '(no touch)' })], fields);
    expect(new Set(diff.deltas.map((d) => d.key))).toEqual(new Set(['(no touch)']));
    expect(diff.deltas.every((d) => d.touches === 0 && d.units === 1e9)).toBe(true);
  });
});

describe('the job and the rollup', () => {
  it('rewrites only conversions whose credit changed', async () => {
    const site = await createSite('Rewrite');
    await seedScenario(site);
    const first = await runJob(site);
    expect(first).toMatchObject({ credit_rows_written: expect.any(Number) });
    const again = await runJob(site, '?full=true');
    expect(again).toMatchObject({ full: true, credit_rows_written: 0 });
    const rowids = () => rows<{ rowid: number; conversion_id: string }>('SELECT rowid, conversion_id FROM credit WHERE site_id = ? ORDER BY rowid', site.id);
    const before = await rowids();
    await send(site, '/v1/touches', { touches: [{ id: 't-bbb-event02', occurred_at: ago(3), touch_type: 'event', account_domain: 'bbb.com' }] });
    const incremental = await runJob(site);
    // Only bbb.com's two credited conversions gained a touch; their rows are the only ones written.
    const bbb = ['conv-bbb-won01', 'conv-bbb-demo1'];
    const after = await rowids();
    expect(incremental.credit_rows_written).toBe(after.filter((r) => bbb.includes(r.conversion_id)).length);
    expect(after.filter((r) => !bbb.includes(r.conversion_id))).toEqual(before.filter((r) => !bbb.includes(r.conversion_id)));
    await expectRollupInStep(site);
  });

  it('writes nothing when another run rewrote the credit after this one read it, and the rerun catches up', async () => {
    const site = await createSite('Stale');
    await seedScenario(site);
    await runJob(site);
    await send(site, '/v1/conversions', {
      conversions: [{ id: 'conv-aaa-won01', stage: 'closed_won', occurred_at: ago(1), account_domain: 'aaa.com', amount: 4321 }],
    });
    const before = await rows('SELECT * FROM credit WHERE site_id = ? ORDER BY model, conversion_id, touch_id', site.id);
    // Just before the first write, "another run" stamps the site's credit as rewritten.
    let tampered = false;
    const db = new Proxy(env.DB, {
      get(target, prop) {
        if (prop !== 'batch') {
          const value = Reflect.get(target, prop);
          return typeof value === 'function' ? value.bind(target) : value;
        }
        return async (statements: D1PreparedStatement[]) => {
          const sql = (statements[0] as unknown as { statement?: string }).statement ?? '';
          if (!tampered && sql.includes('SELECT ?1, NULL, 0')) {
            tampered = true;
            await target.prepare('UPDATE attribution_conversions SET computed_at = computed_at + 1 WHERE site_id = ?').bind(site.id).run();
          }
          return target.batch(statements);
        };
      },
    });
    const out = await runAttribution(db, (await findSiteById(env.DB, site.id))!, { scanOverlapMs: 0 });
    expect(tampered).toBe(true);
    expect(out).toMatchObject({ done: false, credit_rows_written: 0 });
    expect(out.pending).toBeGreaterThan(0);
    expect(await rows('SELECT * FROM credit WHERE site_id = ? ORDER BY model, conversion_id, touch_id', site.id)).toEqual(before);
    await expectRollupInStep(site);

    await runJob(site);
    await expectRollupInStep(site);
    const [won] = await rows<{ cents: number }>(
      "SELECT SUM(revenue_cents) AS cents FROM credit WHERE site_id = ? AND model = 'linear' AND conversion_id = 'conv-aaa-won01'",
      site.id,
    );
    expect(won.cents).toBe(432_100);
  });
});
