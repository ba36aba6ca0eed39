// The credit rollup's layout (schemas/rollup.ts, migrations 0013 and 0015): reports read from it equal
// the stored credit to the cent for every model and grouping, a site whose rollup the migration cleared
// answers the same once the job has rebuilt it, and rows without spans read the same as rows with them.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { upsertRollup, type RollupRow } from '../../edge/src/db/rollup';
import { SPANS_WRITES } from '../../schemas/rollup';
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

  it('reads rows by their spans, reads rows without spans (before migration 0015) the same, and gives them spans on the next run', { timeout: 60_000 }, async () => {
    const spans = await rows<{ n: number; with_spans: number }>('SELECT COUNT(*) AS n, COUNT(spans) AS with_spans FROM credit_sums WHERE site_id = ?1', site.id);
    expect(spans[0].n).toBeGreaterThan(0);
    expect(spans[0].with_spans).toBe(spans[0].n);
    const before = await everyReport(site);
    // What migration 0015 finds: rows without spans, every day queued.
    const migration = env.TEST_MIGRATIONS.find((m) => m.name.startsWith('0015_'))!;
    const queue = migration.queries.find((q) => q.includes('INSERT INTO credit_rollup_dirty'))!;
    await env.DB.prepare('UPDATE credit_sums SET spans = NULL WHERE site_id = ?1').bind(site.id).run();
    expect(await everyReport(site)).toEqual(before);
    await env.DB.prepare(queue).run();
    const queued = await rows<{ days: number }>('SELECT COUNT(*) AS days FROM credit_rollup_dirty WHERE site_id = ?1', site.id);
    expect(queued[0].days).toBeGreaterThan(0);
    expect(await runJob(site)).toMatchObject({ rollup_days_rebuilt: queued[0].days, rollup_days_pending: 0 });
    expect(await rows('SELECT COUNT(*) AS n, COUNT(spans) AS with_spans FROM credit_sums WHERE site_id = ?1', site.id)).toEqual(spans);
    await expectRollupInStep(site);
    expect(await everyReport(site)).toEqual(before);
  });

  it('takes the spans off a row whose sums are written without them (code older than 0015), never off a row this code writes', async () => {
    const [row] = await rows<RollupRow>(
      "SELECT stage, dim, grain, day, part, sums, spans FROM credit_sums WHERE site_id = ?1 AND dim = 'channel' AND grain = 'month' ORDER BY day LIMIT 1",
      site.id,
    );
    const written = async () => (await rows<RollupRow>('SELECT sums, spans FROM credit_sums WHERE site_id = ?1 AND stage = ?2 AND dim = ?3 AND grain = ?4 AND day = ?5 AND part = ?6', site.id, row.stage, row.dim, row.grain, row.day, row.part))[0];
    // Other sums of the same shape (one digit changed): the same spans, so only the write counter tells the writes apart.
    const other = row.sums.replace(/(\d)(\D*)$/, (_, d: string, rest: string) => `${(Number(d) + 1) % 10}${rest}`);
    expect(other).not.toBe(row.sums);
    await env.DB.batch(upsertRollup(env.DB, site.id, [{ ...row, sums: other }]));
    const ours = await written();
    expect(ours.sums).toBe(other);
    expect(JSON.parse(ours.spans!)).toEqual({ ...JSON.parse(row.spans!), [SPANS_WRITES]: expect.any(Number) });
    // The statement of the code before 0015: sums alone.
    await env.DB.prepare(
      `INSERT INTO credit_sums (site_id, stage, dim, grain, day, part, sums) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
       ON CONFLICT (site_id, stage, dim, grain, day, part) DO UPDATE SET sums = excluded.sums`,
    )
      .bind(site.id, row.stage, row.dim, row.grain, row.day, row.part, row.sums)
      .run();
    expect(await written()).toEqual({ sums: row.sums, spans: null });
    // The next rebuild of that month gives it spans again.
    await env.DB.batch(upsertRollup(env.DB, site.id, [row]));
    expect(JSON.parse((await written()).spans!)).toMatchObject(JSON.parse(row.spans!));
  });
});
