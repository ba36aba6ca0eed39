// Job benchmark: attribution job full and incremental run times at growing sizes, against the time to read every touch once.
import { crmDataset } from './lib/crm-data.mjs';
import { d1Command, touchReadFloor } from './lib/d1.mjs';
import { createSite, secretJson } from './lib/http.mjs';
import { fmt, fmtInt, fmtRatio, logLogSlope, ratio } from './lib/stats.mjs';

/**
 * The job re-reads changes received up to 2 minutes before its last watermark (SCAN_OVERLAP_MS in
 * edge/src/attribution/job.ts). The full run therefore starts at least this long after seeding, so
 * the incremental run measures the 1% of new data, not a rescan of the seed.
 */
const SCAN_OVERLAP_MS = 2 * 60_000 + 5_000;
const SEED_CONCURRENCY = 2;
const MAX_SEED_MS = { 10_000: 120_000, 100_000: 600_000, 1_000_000: 1_800_000 };
const MAX_RUN_CALLS = 5_000;
const MAX_RUN_MS = 30 * 60_000;
/**
 * One call should stop at its own 20-second budget, but a statement the budget cannot interrupt
 * (the change scan) may run longer; waiting lets the benchmark report how long, instead of failing.
 */
const MAX_CALL_MS = 10 * 60_000;
/** Workers' default CPU limit per request; a local call longer than this in wall time is flagged. */
const WORKER_LIMIT_MS = 30_000;

export function jobTiers({ smoke, full }) {
  if (smoke) return [300, 1_500];
  return full ? [10_000, 100_000, 1_000_000] : [10_000, 100_000];
}

/** Sends chunks to an endpoint, SEED_CONCURRENCY at a time, bounded in time; counts what was accepted. */
async function post(base, key, path, field, chunks, maxMs) {
  const started = performance.now();
  const totals = { sent: 0, accepted: 0, duplicates: 0, rejected: 0, firstRejection: null };
  const iter = chunks[Symbol.iterator]();
  async function worker() {
    for (let next = iter.next(); !next.done; next = iter.next()) {
      if (performance.now() - started > maxMs) throw new Error(`seeding ${path} exceeded ${maxMs / 1000} s`);
      const res = await secretJson(base, path, key, { [field]: next.value });
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${res.text.slice(0, 200)}`);
      totals.sent += next.value.length;
      totals.accepted += res.data.accepted;
      totals.duplicates += res.data.duplicates;
      totals.rejected += res.data.rejected.length;
      totals.firstRejection ??= res.data.rejected[0] ?? null;
    }
  }
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
  return { ...totals, ms: performance.now() - started };
}

/** Seeds every tier through the public API (each tier its own site), before the ingest benchmark runs. */
export async function seedJob(ctx) {
  const base = ctx.server.url;
  const now = Date.now();
  const tiers = [];
  for (const n of jobTiers(ctx)) {
    const tag = `b${n.toString(36)}${now.toString(36).slice(-4)}`;
    const site = await createSite(base, `bench job ${n}`);
    const data = crmDataset({ touches: n, seed: 42 + n, now, tag });
    const maxMs = MAX_SEED_MS[n] ?? 60_000;
    const touches = await post(base, site.secret_key, '/v1/touches', 'touches', data.touchChunks(0, n), maxMs);
    const conversions = await post(base, site.secret_key, '/v1/conversions', 'conversions', data.conversionChunks(0, data.conversions), maxMs);
    tiers.push({ n, site, data, seed: { touches, conversions }, seededAt: Date.now() });
    ctx.log(`job: seeded ${fmtInt(n)} touches in ${fmt(touches.ms / 1000, 1)} s (${fmt((n / touches.ms) * 1000, 0)}/s)`);
  }
  return tiers;
}

/**
 * wrangler dev's proxy answers this within milliseconds on the call after a long one (seen after
 * 20-second job calls: a stale connection to the Worker, it seems); it retries GETs itself, never
 * POSTs. The job is idempotent and resumable, so the call is simply sent again.
 */
const PROXY_RESTART = /restarted mid-request/;
const MAX_PROXY_RETRIES = 5;

/** Calls the job until it says done; the run's time is the wall time over all calls (retry pauses excluded). */
async function runUntilDone(base, key) {
  const started = performance.now();
  const calls = [];
  let pausedMs = 0;
  let proxyRetries = 0;
  let retriesInARow = 0;
  let longestMs = 0;
  while (calls.length < MAX_RUN_CALLS && performance.now() - started < MAX_RUN_MS) {
    const res = await secretJson(base, '/v1/attribution/run', key, undefined, { timeoutMs: MAX_CALL_MS });
    if (res.status === 404) return { unavailable: `POST /v1/attribution/run answered 404 (${res.text.slice(0, 120)})` };
    if (res.status === 503 && PROXY_RESTART.test(res.text) && retriesInARow < MAX_PROXY_RETRIES) {
      proxyRetries++;
      retriesInARow++;
      const pause = performance.now();
      await new Promise((r) => setTimeout(r, 500));
      pausedMs += performance.now() - pause;
      continue;
    }
    if (res.status !== 200) throw new Error(`POST /v1/attribution/run answered ${res.status}: ${res.text.slice(0, 300)}`);
    retriesInARow = 0;
    longestMs = Math.max(longestMs, res.ms);
    calls.push(res.data);
    // A response without `done` is taken as done: the contract only says it returns what it did.
    if (res.data?.done !== false) break;
  }
  const last = calls.at(-1) ?? {};
  const sum = (k) => calls.reduce((n, c) => n + (Number(c?.[k]) || 0), 0);
  return {
    ms: performance.now() - started - pausedMs,
    calls: calls.length,
    proxyRetries,
    longestMs,
    done: last.done !== false,
    full: calls[0]?.full,
    accounts: sum('accounts_recomputed'),
    conversions: sum('conversions_credited'),
    creditRows: sum('credit_rows_written'),
    serverMs: sum('duration_ms'),
  };
}

export async function measureJob(ctx, tiers) {
  const base = ctx.server.url;
  const results = [];
  const fail = (tier, err) => {
    // Keep the tiers already measured; the failure is reported with them.
    if (!results.length) throw err;
    const partial = report(ctx, results);
    const failure = `at ${fmtInt(tier.n)} touches: ${String(err.message).split('\n')[0]}`;
    ctx.log(`job: failed ${failure}`);
    return {
      ...partial,
      status: 'failed',
      headline: [...partial.headline, `attribution job: **failed** ${failure}`],
      markdown: `**Failed ${failure}** — the tiers below were measured before it.\n\n${partial.markdown}`,
    };
  };
  // Every tier's full run first, each followed by its 1% of new data; then the incremental runs.
  // The full runs of the larger tiers give the smaller ones' new data time to age past the rescan
  // overlap, so only the last tier waits for it.
  const pending = [];
  for (const tier of tiers) {
    try {
      const measured = await measureFullRun(ctx, base, tier);
      if (measured.unavailable) return notAvailable(measured.unavailable);
      pending.push(measured);
    } catch (err) {
      for (const m of pending) {
        const done = await measureIncremental(ctx, base, m).catch(() => null);
        if (done) results.push(done);
      }
      return fail(tier, err);
    }
  }
  for (const m of pending) {
    try {
      results.push(await measureIncremental(ctx, base, m));
    } catch (err) {
      return fail(m.tier, err);
    }
  }
  return report(ctx, results);
}

/** Waits until `since` is older than the job's rescan overlap, so that the run sees it only as new. */
async function ageOut(ctx, since, what) {
  const wait = ctx.smoke ? 0 : since + SCAN_OVERLAP_MS - Date.now();
  if (wait > 0) {
    ctx.log(`job: waiting ${fmt(wait / 1000, 0)} s so the 2-minute rescan overlap does not reach ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

async function measureFullRun(ctx, base, tier) {
  const key = tier.site.secret_key;
  await ageOut(ctx, tier.seededAt, 'the seed');
  const fullRun = await runUntilDone(base, key);
  if (fullRun.unavailable) return fullRun;
  ctx.log(`job: ${fmtInt(tier.n)} touches, full run ${fmt(fullRun.ms / 1000, 2)} s in ${fullRun.calls} call(s)`);

  const floor = ctx.server.stateDir
    ? await touchReadFloor(ctx.server.stateDir, tier.site.id, { reps: ctx.smoke ? 1 : 3, crossCheck: !ctx.smoke, expectedRows: tier.n })
    : null;
  if (floor) ctx.log(`job: ${fmtInt(tier.n)} touches, read floor ${fmt(floor.floorMs, 1)} ms`);

  // 1% new data, which the incremental run must pick up.
  const addTouches = Math.max(1, Math.round(tier.n / 100));
  const addConversions = Math.max(1, Math.round(tier.data.conversions / 100));
  const t1 = await post(base, key, '/v1/touches', 'touches', tier.data.touchChunks(1, addTouches), 120_000);
  const c1 = await post(base, key, '/v1/conversions', 'conversions', tier.data.conversionChunks(1, addConversions), 120_000);
  const reached = tier.data.reachedShare(tier.n, addTouches, addConversions);
  return { tier, fullRun, floor, reached, added: { touches: t1.accepted, conversions: c1.accepted }, addedAt: Date.now() };
}

async function measureIncremental(ctx, base, m) {
  await ageOut(ctx, m.addedAt, 'the new data');
  const incremental = await runUntilDone(base, m.tier.site.secret_key);
  ctx.log(`job: ${fmtInt(m.tier.n)} touches, incremental run ${fmt(incremental.ms / 1000, 2)} s in ${incremental.calls} call(s)`);
  return { ...m, incremental };
}

function notAvailable(reason) {
  return {
    title: 'Attribution job',
    status: 'not available',
    headline: [`attribution job: not available — ${reason}`],
    markdown: `**Not available**: ${reason}. The endpoint is being built; rerun \`npm run bench\` once it exists.`,
  };
}

function report(ctx, results) {
  const slope = logLogSlope(results.map((r) => ({ x: r.tier.n, y: r.fullRun.ms })));
  const floorSlope = logLogSlope(results.filter((r) => r.floor).map((r) => ({ x: r.tier.n, y: r.floor.floorMs })));
  const rows = results.map(({ tier, fullRun, floor, incremental }) => {
    const f = floor?.floorMs;
    return (
      `| ${fmtInt(tier.n)} | ${fmtInt(tier.data.accounts)} | ${fmtInt(tier.data.conversions)} | ${fmt(tier.seed.touches.ms / 1000, 1)} s | ` +
      `${fmt(fullRun.ms / 1000, 2)} s | ${f === undefined ? '—' : `${fmt(f, f < 10 ? 2 : 0)} ms`} | ${fmtRatio(ratio(fullRun.ms, f), 0)} | ` +
      `${fmt(incremental.ms / 1000, 2)} s | ${fmtRatio(ratio(incremental.ms, f), 0)} | ${fmtRatio(ratio(incremental.ms, fullRun.ms), 2)} |`
    );
  });
  const details = results.map(
    ({ tier, fullRun, incremental, added, reached }) =>
      `- ${fmtInt(tier.n)} touches: seeded at ${fmt((tier.n / tier.seed.touches.ms) * 1000, 0)} touches/s; ` +
      `full run ${fullRun.calls} call${fullRun.calls === 1 ? '' : 's'} (full: ${fullRun.full}), ${fmtInt(fullRun.accounts)} keys, ${fmtInt(fullRun.conversions)} conversions, ${fmtInt(fullRun.creditRows)} credit rows; ` +
      `incremental after +${fmtInt(added.touches)} touches and +${fmtInt(added.conversions)} conversions: ${incremental.calls} call${incremental.calls === 1 ? '' : 's'}, ${fmtInt(incremental.accounts)} keys, ${fmtInt(incremental.creditRows)} credit rows; ` +
      `the ${fmtInt(reached.accounts)} accounts the new data reaches hold ${fmt(reached.touchShare * 100, 0)}% of all touches; ` +
      `longest single call ${fmt(Math.max(fullRun.longestMs, incremental.longestMs) / 1000, 1)} s${Math.max(fullRun.longestMs, incremental.longestMs) > WORKER_LIMIT_MS ? ' (**over 30 s**: past the 20-second budget the route sets itself)' : ''}.`,
  );
  const largest = results.at(-1);
  const extra = [];
  if (!ctx.full && !ctx.smoke && Number.isFinite(slope)) {
    const scale = 1_000_000 / largest.tier.n;
    const est = largest.fullRun.ms * scale ** slope;
    const estFloor = largest.floor ? largest.floor.floorMs * scale ** (Number.isFinite(floorSlope) ? floorSlope : 1) : NaN;
    extra.push(
      `- **1M touches, extrapolated** (default mode does not seed 1M; \`npm run bench -- --full\` measures it): full run ≈ ${fmt(est / 1000, 0)} s = ${fmt(largest.fullRun.ms / 1000, 1)} s × 10^${fmt(slope, 2)}; read floor ≈ ${fmt(estFloor, 0)} ms (floor exponent ${fmt(floorSlope, 2)}), ratio ≈ ${fmtRatio(ratio(est, estFloor), 0)}.`,
    );
  }
  extra.push(
    '- Incremental work is per account: an account that gains one touch or conversion has all its conversions recomputed over their windows. The new data follows the same skew as the history (busy accounts stay busy), so the accounts it reaches hold a large share of all touches — the "hold N%" figure, computed from the generator — and that share, not the 1%, bounds what an account-level incremental run can save.',
  );
  extra.push(
    '- Both runs start once what they process is ≥ 2 minutes old, as the cron (every 15 min) mostly meets it. A client that loops on `POST /v1/attribution/run` right after sending data pays more when the run needs several calls: each call re-scans changes received up to 2 minutes before the previous call\'s watermark (SCAN_OVERLAP_MS, the margin for requests still committing) and re-queues their keys, so the new data\'s accounts are recomputed again until it is 2 minutes old.',
  );
  const retried = results.filter((r) => r.fullRun.proxyRetries || r.incremental.proxyRetries);
  if (retried.length) {
    extra.push(
      `- wrangler dev's proxy answered 503 "Your worker restarted mid-request" within milliseconds (it does on the call after a long one; the Worker did no work) ${retried.map((r) => `${r.fullRun.proxyRetries + r.incremental.proxyRetries}× at ${fmtInt(r.tier.n)} touches`).join(', ')}; those calls were sent again (the job is idempotent), their 500 ms pauses not counted.`,
    );
  }
  const unfinished = results.filter((r) => !r.fullRun.done || !r.incremental.done);
  if (unfinished.length) extra.push(`- **Not finished within ${MAX_RUN_CALLS} calls / ${MAX_RUN_MS / 60_000} min** at ${unfinished.map((r) => fmtInt(r.tier.n)).join(', ')} touches: times are lower bounds.`);
  const rejected = results.flatMap((r) => [r.tier.seed.touches, r.tier.seed.conversions]).filter((s) => s.rejected);
  if (rejected.length) extra.push(`- Seeding rejections: ${rejected.map((s) => `${s.rejected} (first: ${JSON.stringify(s.firstRejection)})`).join('; ')}.`);
  const f0 = results[0].floor;
  const headline = [
    `attribution job: growth exponent ${fmt(slope, 2)} (log-log, ${results.map((r) => fmtInt(r.tier.n)).join(' → ')} touches); ` +
      `full run at ${fmtInt(largest.tier.n)} = ${fmt(largest.fullRun.ms / 1000, 1)} s = ${fmtRatio(ratio(largest.fullRun.ms, largest.floor?.floorMs), 0)} the read floor; ` +
      `incremental after 1% new data = ${fmtRatio(ratio(largest.incremental.ms, largest.fullRun.ms), 2)} the full run (${largest.incremental.calls} call${largest.incremental.calls === 1 ? '' : 's'})`,
  ];
  const markdown = [
    'Baseline: the **read floor**, the time to read all of the site\'s touches once, which no job can beat: ' +
      '`' + d1Command('<state>', 'SELECT COUNT(*), SUM(occurred_at), SUM(LENGTH(touch_id) + LENGTH(channel) + …) FROM touches WHERE site_id = …') + '` ' +
      '(bench/lib/d1.mjs). The aggregate reads every column the job needs but returns one row, so nothing is printed or transferred; the figure is D1\'s own `meta.duration` for the statement, ' +
      'which leaves out wrangler\'s start-up. The statement repeats K times in one command (K × touches ≈ 2M rows, so small tiers add up to whole milliseconds); per-scan mean, median of 3 commands. ' +
      'It is SQLite scanning in-process, warm in the OS page cache, with no Worker↔D1 round trip: a strict lower bound.',
    `Data: synthetic, seeded PRNG (bench/lib/crm-data.mjs): touches over touches/50 accounts (skewed: a few busy accounts), up to 5 contacts each, browsers stitched by email + anonymous id, 10% free-mail contacts, 4% never-identified visitors; 60% web visits with UTMs, 40% offline types; conversions = touches/50 (lead → closed_won with revenue) by account domain or contact email. Seeded through the public API — \`POST /v1/touches\` and \`POST /v1/conversions\`, 500 items per request, ${SEED_CONCURRENCY} in flight — so contacts, accounts and identity links are written exactly as the Worker writes them. Each tier is its own site in the same local D1.`,
    'Full run: the first `POST /v1/attribution/run` calls on a fresh site (the job runs full when a site has no state), repeated while it answers `done: false`; the time is the wall time over all calls. Incremental: after adding 1% more touches and conversions (recent activity, same account skew), the calls until done again. ' +
      `${ctx.smoke ? 'Smoke mode does not wait out the job\'s 2-minute rescan overlap, so its incremental figure includes rescanning the seed.' : 'The full run starts ≥ 2 min after seeding, and the incremental run ≥ 2 min after its new data (every tier\'s full run comes first, so only the last tier waits), so that the job\'s 2-minute rescan overlap (SCAN_OVERLAP_MS) does not count data twice.'}`,
    '',
    '| touches | accounts | conversions | seeding (HTTP) | full run | read floor | full / floor | incremental (1% new) | incr. / floor | incr. / full |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
    '',
    ...details,
    `- Growth exponent (least-squares slope of log time over log touches): full run **${fmt(slope, 2)}**, read floor ${fmt(floorSlope, 2)} (1 = linear).`,
    ...extra,
    f0?.wallDiffMs !== undefined
      ? `- Cross-check of the floor by wall time (command minus the same command repeating \`SELECT 1\`, per scan): ${results.map((r) => `${fmtInt(r.tier.n)}: ${fmt(r.floor?.wallDiffMs, 0)} ms`).join(', ')} — wrangler's start-up varies by seconds on a shared machine, which is why \`meta.duration\` is the figure used.`
      : f0
        ? '- Smoke mode skips the wall-time cross-check of the floor.'
        : '- Read floor: not measured (no local state dir: set BENCH_STATE_DIR with BASE_URL).',
  ].join('\n');
  return {
    title: 'Attribution job',
    status: 'ok',
    headline,
    markdown,
    data: { slope, floorSlope, tiers: results.map((r) => ({ n: r.tier.n, siteId: r.tier.site.id, seed: r.tier.seed, fullRun: r.fullRun, floor: r.floor, incremental: r.incremental })) },
  };
}
