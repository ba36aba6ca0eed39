// Query latency at scale: synthetic credit for a site the size of the 1M-touch benchmark tier (20,000
// conversions, 9 models, 1–10 touches each), rolled up by migration 0003's backfill, then p50/p95 of the
// query routes through the Worker's app. Default scale is 1/10 to keep the suite fast; for the full
// tier, add QUERY_SPEED_TOUCHES=1000000 to .dev.vars (read as a binding) and run this file alone.
//
// Requests go to app.fetch, not SELF.fetch: under vitest-pool-workers 0.15.1 every SELF.fetch makes
// the next one slower (+~0.1 ms each, even for /healthz), which would swamp a 200-request loop.
import { createExecutionContext, env } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { app } from '../../edge/src/app';
import { MODELS } from '../../edge/src/attribution/models';
import { createSite } from './helpers';

const DAY = 86_400_000;
const TOUCHES = Number((env as unknown as Record<string, string>).QUERY_SPEED_TOUCHES ?? 100_000);
const CONVERSIONS = TOUCHES / 50;
const REQUESTS = 100;

/**
 * Conversion i: stage by the benchmark's mix, 330 days of history, 1–10 touches (10% none), fields
 * drawn from small vocabularies so groupings look like a real site's. One-hot models get one row.
 */
const SEED = `
WITH RECURSIVE
  c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < ?2 - 1),
  conv AS (SELECT i,
      CASE WHEN i % 100 < 40 THEN 'lead' WHEN i % 100 < 55 THEN 'mql' WHEN i % 100 < 65 THEN 'sql'
           WHEN i % 100 < 80 THEN 'opportunity' ELSE 'closed_won' END AS stage,
      ?3 - DAY - ((i * 7919) % (330 * 1440)) * 60000 AS at,
      CASE WHEN i % 100 >= 80 THEN 500000 + (i * 104729) % 9500000 ELSE 0 END AS cents,
      CASE WHEN i % 10 = 9 THEN 0 ELSE 1 + (i * 31) % 10 END AS n,
      'co' || ((i * i) % (?2 / 3)) || '.example.com' AS account
    FROM c),
  k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < 9),
  paths AS (
    SELECT cv.*, k.j, m.value AS model FROM conv cv CROSS JOIN json_each(?4) m JOIN k
      ON (cv.n = 0 AND k.j = 0) OR (k.j < cv.n AND (m.value NOT IN ('first_touch', 'last_touch', 'last_non_direct')
        OR (m.value = 'first_touch' AND k.j = 0) OR (m.value IN ('last_touch', 'last_non_direct') AND k.j = cv.n - 1))))
INSERT INTO credit (site_id, model, conversion_id, touch_id, stage, converted_at, weight, revenue_cents, weight_units,
                    touch_type, channel, source, medium, campaign, content, term, account_domain)
SELECT ?1, model, 'cv' || i, CASE WHEN n = 0 THEN '' ELSE 't' || i || '_' || j END, stage, at,
  share / 1e9, cents / parts + CASE WHEN j = 0 THEN cents % parts ELSE 0 END, share,
  CASE WHEN n = 0 THEN '(no touch)' ELSE json_extract('["web_visit","form_fill","webinar","event","meeting","call","email","direct_mail","partner_referral","content_syndication"]', '$[' || ((i + j) % 10) || ']') END,
  CASE WHEN n = 0 THEN '(no touch)' ELSE json_extract('["Paid Search","Organic Search","Paid Social","Organic Social","Email","Referral","Direct","Events","Sales","Partners","Direct Mail","Unassigned"]', '$[' || ((i * 3 + j) % 12) || ']') END,
  CASE WHEN n = 0 THEN '(no touch)' WHEN (i + j) % 7 = 0 THEN NULL ELSE 'source' || ((i + j * 5) % 10) END,
  CASE WHEN n = 0 THEN '(no touch)' WHEN (i + j) % 7 = 0 THEN NULL ELSE 'medium' || ((i + j) % 8) END,
  CASE WHEN n = 0 THEN '(no touch)' WHEN (i + j) % 3 = 0 THEN NULL ELSE 'campaign' || ((i * 7 + j) % 24) END,
  CASE WHEN n = 0 THEN '(no touch)' WHEN (i + j) % 5 = 0 THEN 'content' || (j % 4) END,
  CASE WHEN n = 0 THEN '(no touch)' WHEN (i + j) % 11 = 0 THEN 'term' || (i % 30) END,
  CASE WHEN n = 0 THEN '(no touch)' ELSE account END
FROM (SELECT *, CASE WHEN n = 0 OR model IN ('first_touch', 'last_touch', 'last_non_direct') THEN 1 ELSE n END AS parts,
        CASE WHEN n = 0 OR model IN ('first_touch', 'last_touch', 'last_non_direct') THEN 1000000000
             ELSE 1000000000 / n + CASE WHEN j = 0 THEN 1000000000 % n ELSE 0 END END AS share
      FROM paths)`.replace(/\bDAY\b/g, String(DAY));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const request = (path: string, key: string) =>
  app.fetch(new Request(`http://touchline.test${path}`, { headers: { authorization: `Bearer ${key}` } }), env, createExecutionContext());

async function time(path: string, key: string): Promise<{ p50: number; p95: number; rows: number }> {
  const first = await request(path, key);
  expect(first.status, await first.clone().text()).toBe(200);
  const rows = ((await first.json()) as { rows?: unknown[] }).rows?.length ?? 0;
  const ms: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t = performance.now();
    await (await request(path, key)).arrayBuffer();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { p50: percentile(ms, 50), p95: percentile(ms, 95), rows };
}

it(`serves credit queries fast at ${TOUCHES.toLocaleString('en-US')} touches`, async () => {
  const site = await createSite('Speed');
  const now = Date.now();
  let t = performance.now();
  await env.DB.prepare(SEED).bind(site.id, CONVERSIONS, now, JSON.stringify(MODELS)).run();
  await env.DB.prepare(
    `INSERT INTO conversions (site_id, conversion_id, stage, occurred_at, origin, account_domain, amount_cents, received_at, updated_at)
     SELECT site_id, conversion_id, stage, converted_at, 'crm', account_domain, SUM(revenue_cents), ?2, ?2
     FROM credit WHERE site_id = ?1 AND model = 'linear' GROUP BY conversion_id`,
  )
    .bind(site.id, now)
    .run();
  // Touches only for /v1/quality's Direct/Unassigned share (credit reports never read them).
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?2 - 1)
     INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, account_domain)
     SELECT ?1, 't' || i, 'offline', 'web_visit', ?3 - ((i * 7919) % (400 * 1440)) * 60000, ?3,
            json_extract('["Direct","Unassigned","Paid Search","Organic Search","Email","Referral","Events","Sales"]', '$[' || (i % 8) || ']'),
            'co' || (i % 1000) || '.example.com'
     FROM n`,
  )
    .bind(site.id, TOUCHES, now)
    .run();
  const seeded = performance.now() - t;
  const creditRows = (await env.DB.prepare('SELECT COUNT(*) AS n FROM credit WHERE site_id = ?').bind(site.id).first<{ n: number }>())!.n;

  // The rollup, built by migration 0003's backfill (this file's storage holds only this site).
  t = performance.now();
  const migration = (env.TEST_MIGRATIONS as { name: string; queries: string[] }[]).find((m) => m.name.startsWith('0003'))!;
  await env.DB.prepare(migration.queries.find((q) => q.includes('INSERT INTO credit_daily'))!).run();
  const rollupMs = performance.now() - t;
  const rollupRows = (await env.DB.prepare('SELECT COUNT(*) AS n FROM credit_daily WHERE site_id = ?').bind(site.id).first<{ n: number }>())!.n;

  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const year = `from=${iso(now - 364 * DAY)}&to=${iso(now)}`;
  const stamps = `from=${new Date(now - 200 * DAY - 3_600_000).toISOString()}&to=${new Date(now - 5 * DAY + 7_200_000).toISOString()}`;
  const results: Record<string, { p50: number; p95: number; rows: number }> = {};
  for (const path of [
    `/healthz`,
    `/v1/credit?model=linear&group_by=channel&${year}`,
    `/v1/credit/compare?models=first_touch,last_touch,linear&group_by=channel&${year}`,
    `/v1/credit?model=time_decay&group_by=campaign&${stamps}`,
    `/v1/credit?model=linear&conversion=lead&group_by=account&${year}`,
    `/v1/credit/compare?group_by=source&${year}`,
    `/v1/quality?${year}`,
    `/v1/credit?model=linear&group_by=channel&window_days=30&from=${iso(now - 6 * DAY)}&to=${iso(now)}`,
  ]) {
    results[path] = await time(path, site.secret_key);
  }
  console.log(
    `query speed at ${TOUCHES.toLocaleString('en-US')} touches: ${creditRows.toLocaleString('en-US')} credit rows seeded in ${seeded.toFixed(0)} ms; ` +
      `rollup of ${rollupRows.toLocaleString('en-US')} rows backfilled in ${rollupMs.toFixed(0)} ms\n` +
      Object.entries(results)
        .map(([path, r]) => `  p50 ${r.p50.toFixed(1)} ms  p95 ${r.p95.toFixed(1)} ms  rows ${r.rows}  ${path}`)
        .join('\n'),
  );
  expect(results[`/v1/credit?model=linear&group_by=channel&${year}`].rows).toBe(13);
  // Latencies are printed, not asserted: timing belongs to bench/ (bench/RESULTS.md), not to tests.
}, 600_000);
