// The rollup rows' two stored forms read the same: rows as the job writes them now (integers with
// exponents, ASCII rows marked and sliced as blobs) and rows of the previous form (plain integers,
// spans counted in code points only) give byte-identical reports, for every model, several groupings
// and ranges with partial months and partial days, and the reports equal the stored credit.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { codePoints } from '../../edge/src/attribution/rollup-rows';
import { upsertRollup, type RollupRow } from '../../edge/src/db/rollup';
import { SPANS_ASCII, type RollupSpans } from '../../schemas/rollup';
import { createSite, rows, type TestSite } from './helpers';
import { ago, creditTruth, DAY, expectReconciled, expectRollupInStep, get, getJson, iso, NOW, runJob, send, type Row } from './query-fixtures';

/** A small seeded PRNG, so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 8) % n;
  };
}

const CAMPAIGNS = ['spring', 'Zürich Süd', '客户 launch', 'q3 "big" sale', '🚀 rocket', 'plain'];
const SOURCES: [string, string][] = [['google', 'cpc'], ['linkedin', 'paid_social'], ['newsletter', 'email'], ['partner', 'referral']];
const date = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Random history over ~400 days: ad touches of 40 accounts, closed_won and lead conversions over ~330 days. */
async function seedRandom(site: TestSite) {
  const r = prng(20261201);
  const domain = (i: number) => `acct${i}.example.com`;
  const touches = Array.from({ length: 400 }, (_, i) => {
    const [source, medium] = SOURCES[r(SOURCES.length)];
    return { id: `t-${i}`, occurred_at: iso(ago(1 + r(400 * 24) / 24)), touch_type: 'ad_click', account_domain: domain(r(40)), source, medium, campaign: CAMPAIGNS[r(CAMPAIGNS.length)] };
  });
  await send(site, '/v1/touches', { touches });
  const conversions = Array.from({ length: 120 }, (_, i) => ({
    id: `c-${i}`,
    stage: i % 4 ? 'closed_won' : 'lead',
    occurred_at: iso(ago(0.6 + r(330 * 24) / 24)),
    account_domain: domain(r(40)),
    ...(i % 4 ? { amount: r(2) ? 1000 * (1 + r(90)) : (1 + r(9_000_000)) / 100 } : {}),
  }));
  await send(site, '/v1/conversions', { conversions });
}

/** Whole dates (partial months at both ends), timestamps (partial days), and a range inside one month. */
const RANGES = [
  `from=${date(NOW - 364 * DAY)}&to=${date(NOW)}`,
  `from=${date(NOW - 200 * DAY)}&to=${date(NOW - 17 * DAY)}`,
  `from=${iso(NOW - 250.3 * DAY)}&to=${iso(NOW - 5.55 * DAY)}`,
  `from=${date(NOW - 40 * DAY)}&to=${date(NOW - 30 * DAY)}`,
];
const DIMS = ['account', 'campaign', 'channel'];

let site: TestSite;
let models: string[];
beforeAll(async () => {
  site = await createSite('Rollup read forms');
  await seedRandom(site);
  await runJob(site);
  models = (await getJson(site, '/v1/credit/compare')).models;
});

/** The raw bodies of every report: compare (every model) and each of `alone` alone, per grouping and range. */
async function everyBody(alone = models): Promise<string[]> {
  const out: string[] = [];
  for (const range of RANGES) {
    for (const dim of DIMS) {
      out.push(await (await get(site, `/v1/credit/compare?group_by=${dim}&${range}`)).text());
      for (const model of alone) out.push(await (await get(site, `/v1/credit?model=${model}&group_by=${dim}&${range}`)).text());
      out.push(await (await get(site, `/v1/influence?group_by=${dim}&${range}`)).text());
    }
  }
  return out;
}

/** A row in the previous form: integers written out, spans in code points, no ASCII mark. */
function previousForm(row: RollupRow): RollupRow {
  const parsed = JSON.parse(row.sums) as Record<string, unknown>;
  let sums = '{';
  let at = 2;
  const spans: RollupSpans = {};
  Object.entries(parsed).forEach(([entry, values], i) => {
    const head = `${i ? ',' : ''}${JSON.stringify(entry)}:`;
    const array = JSON.stringify(values);
    sums += head + array;
    at += codePoints(head);
    spans[entry] = [at, codePoints(array)];
    at += codePoints(array);
  });
  return { ...row, sums: `${sums}}`, spans: JSON.stringify(spans) };
}

/** Every model by account and campaign over the first three ranges equals the stored credit, row by row. */
async function expectTruth() {
  for (const range of RANGES.slice(0, 3)) {
    const q = new URLSearchParams(range);
    const from = q.get('from')!;
    const to = q.get('to')!;
    const fromMs = Date.parse(from);
    const toMs = to.length === 10 ? Date.parse(to) + DAY - 1 : Date.parse(to);
    for (const dim of ['account', 'campaign']) {
      for (const model of models) {
        const report = await getJson(site, `/v1/credit?model=${model}&group_by=${dim}&${range}`);
        const truth = await creditTruth(site, model, 'closed_won', dim, fromMs, toMs);
        const got = [...report.rows].sort((a: Row, b: Row) => (a.key < b.key ? -1 : 1));
        expect(got.map((r: Row) => [r.key, Math.round(r.revenue * 100), r.touches]), `${model} by ${dim}, ${range}`).toEqual(truth.map((t) => [t.key, t.cents, t.touches]));
        expectReconciled(report);
      }
    }
  }
}

const storedRows = () => rows<RollupRow>('SELECT stage, dim, grain, day, part, sums, spans FROM credit_sums WHERE site_id = ?1', site.id);
const isMarked = (r: RollupRow) => (JSON.parse(r.spans!) as Record<string, unknown>)[SPANS_ASCII] === 1;

describe('the rollup rows of either form', () => {
  it('are written in the new form: exponents where they are shorter, ASCII rows marked, others not', async () => {
    const stored = await rows<RollupRow>('SELECT stage, dim, grain, day, part, sums, spans FROM credit_sums WHERE site_id = ?1', site.id);
    expect(stored.some((r) => /[\[,]1e9,/.test(r.sums))).toBe(true);
    for (const r of stored) {
      const marked = (JSON.parse(r.spans!) as Record<string, unknown>)[SPANS_ASCII] === 1;
      expect(marked, `${r.dim} ${r.day}`).toBe(/^[\x00-\x7f]*$/.test(r.sums));
    }
    expect(stored.some((r) => !/^[\x00-\x7f]*$/.test(r.sums))).toBe(true);
  });

  it('answer every model, grouping and range with the stored credit, to the cent', { timeout: 120_000 }, async () => {
    await expectTruth();
  });

  it('give byte-identical reports when every row is in the previous form', { timeout: 120_000 }, async () => {
    const before = await everyBody();
    expect(before.length).toBeGreaterThan(50);
    await env.DB.batch(upsertRollup(env.DB, site.id, (await storedRows()).map(previousForm)));
    const rewritten = await rows<{ marked: number; exponents: number }>(
      `SELECT SUM(spans ->> '$."${SPANS_ASCII}"' IS NOT NULL) AS marked, SUM(sums LIKE '%1e9%') AS exponents FROM credit_sums WHERE site_id = ?1`,
      site.id,
    );
    expect(rewritten[0]).toEqual({ marked: 0, exponents: 0 });
    expect(await everyBody()).toEqual(before);
  });

  it('are kept in step by an incremental run, which writes the rows it rebuilds in the new form beside rows of the previous form', { timeout: 120_000 }, async () => {
    // Every row is in the previous form (the test before); new activity reaches a few recent days.
    await send(site, '/v1/touches', {
      touches: [0, 1, 2].map((i) => ({ id: `t-new-${i}`, occurred_at: iso(ago(3 + i)), touch_type: 'ad_click', account_domain: `acct${i}.example.com`, source: 'google', medium: 'cpc', campaign: 'Zürich Süd' })),
    });
    await send(site, '/v1/conversions', {
      conversions: [0, 1, 2].map((i) => ({ id: `c-new-${i}`, stage: 'closed_won', occurred_at: iso(ago(1.5 + i / 10)), account_domain: `acct${i}.example.com`, amount: 5000 })),
    });
    const run = await runJob(site);
    expect(run.rollup_days_rebuilt).toBeGreaterThan(0);
    await expectRollupInStep(site);
    const stored = await storedRows();
    const rebuilt = stored.filter((r) => /[\[,]1e9,/.test(r.sums) || isMarked(r));
    expect(rebuilt.length).toBeGreaterThan(0);
    expect(rebuilt.length).toBeLessThan(stored.length);
    await expectTruth();
    // Mixed forms answer byte for byte as all rows in the previous form do (compare shows every model).
    const mixed = await everyBody(['linear', 'markov']);
    await env.DB.batch(upsertRollup(env.DB, site.id, stored.map(previousForm)));
    expect(await everyBody(['linear', 'markov'])).toEqual(mixed);
  });
});
