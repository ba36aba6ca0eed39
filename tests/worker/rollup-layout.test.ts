// The credit rollup's layout (schemas/rollup.ts, migration 0013): reports read from it equal the stored
// credit to the cent for every model and grouping, and a site whose rollup the migration cleared
// answers the same once the job has rebuilt it.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSite, rows, type TestSite } from './helpers';
import { creditTruth, DAY, expectReconciled, expectRollupInStep, getJson, NOW, runJob, seedScenario, type Row } from './query-fixtures';

const GROUP_BY = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'];
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** Whole months and the days around them, and a range of days only. */
const RANGES: [number, number][] = [
  [NOW - 365 * DAY, NOW],
  [NOW - 6 * DAY, NOW - DAY],
];

let site: TestSite;
let models: string[];
beforeAll(async () => {
  site = await createSite('Rollup layout');
  await seedScenario(site);
  await runJob(site);
  models = (await getJson(site, '/v1/credit/compare')).models;
});

/** Every grouping over RANGES: the comparison of every model (a model shows the same numbers alone), linear alone, influence. */
async function everyReport(s: TestSite) {
  const out: unknown[] = [];
  for (const [from, to] of RANGES) {
    for (const dim of GROUP_BY) {
      const range = `from=${date(from)}&to=${date(to)}&group_by=${dim}`;
      out.push(await getJson(s, `/v1/credit/compare?${range}`));
      out.push(await getJson(s, `/v1/credit?model=linear&${range}`));
      out.push(await getJson(s, `/v1/influence?${range}`));
    }
  }
  return out;
}

describe('the rollup layout', () => {
  it('answers every model and grouping with the sums of the stored credit, to the cent', { timeout: 60_000 }, async () => {
    expect(models.length).toBeGreaterThanOrEqual(11);
    for (const dim of GROUP_BY) {
      for (const model of models) {
        const [from, to] = RANGES[0];
        const report = await getJson(site, `/v1/credit?model=${model}&group_by=${dim}&from=${date(from)}&to=${date(to)}`);
        const truth = await creditTruth(site, model, 'closed_won', dim, Date.parse(date(from)), Date.parse(date(to)) + DAY - 1);
        const got = [...report.rows].sort((a: Row, b: Row) => (a.key < b.key ? -1 : 1));
        expect(got.map((r: Row) => [r.key, Math.round(r.revenue * 100), r.touches]), `${model} by ${dim}`).toEqual(truth.map((t) => [t.key, t.cents, t.touches]));
        got.forEach((r: Row, i: number) => expect(Math.abs(r.conversions - truth[i].units / 1e9)).toBeLessThanOrEqual(0.0001));
        expectReconciled(report);
      }
    }
  });

  it('rebuilds a site the migration cleared, and then answers exactly as before', { timeout: 60_000 }, async () => {
    const before = await everyReport(site);
    // What migration 0013 does to a site: its rollup starts empty (a new table), every day with credit is queued.
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0013_'))!;
    const queue = migration.queries.find((q) => q.includes('INSERT INTO credit_rollup_dirty'))!;
    await env.DB.prepare('DELETE FROM credit_sums WHERE site_id = ?1').bind(site.id).run();
    await env.DB.prepare(queue).run();
    const queued = await rows<{ days: number }>('SELECT COUNT(*) AS days FROM credit_rollup_dirty WHERE site_id = ?1', site.id);
    expect(queued[0].days).toBeGreaterThan(0);
    expect(await runJob(site)).toMatchObject({ rollup_days_rebuilt: queued[0].days, rollup_days_pending: 0 });
    await expectRollupInStep(site);
    expect(await everyReport(site)).toEqual(before);
  });
});
