// Job benchmark: attribution job full and incremental run times at growing sizes, against the time to read every touch once.
import { readFileSync } from 'node:fs';
import { crmDataset } from './lib/crm-data.mjs';
import { bracketedFloor, touchReadFloor } from './lib/d1.mjs';
import { bytesAround, wholeFileBytes } from './lib/db-bytes.mjs';
import { measureFitMemory } from './lib/fit-memory.mjs';
import { createSite, secretJson } from './lib/http.mjs';
import { notAvailable, report } from './lib/job-report.mjs';
import { fmt, fmtInt } from './lib/stats.mjs';

/**
 * The job re-reads changes received up to 2 minutes before its last watermark (SCAN_OVERLAP_MS in
 * edge/src/attribution/job.ts). The full run therefore starts at least this long after seeding, so
 * the incremental run measures the 1% of new data, not a rescan of the seed.
 */
const SCAN_OVERLAP_MS = 2 * 60_000 + 5_000;
const SEED_CONCURRENCY = 2;
const MAX_SEED_MS = { 10_000: 120_000, 100_000: 600_000, 1_000_000: 1_800_000 };
/**
 * One call should stop at its own 20-second budget, but a statement the budget cannot interrupt
 * (the change scan) may run longer; waiting lets the benchmark report how long, instead of failing.
 */
const MAX_CALL_MS = 10 * 60_000;
const MAX_RUN_CALLS = 5_000;
const MAX_RUN_MS = 30 * 60_000;
/** What the report says about how the runs were bounded and the data sent. */
const LIMITS = { seedConcurrency: SEED_CONCURRENCY, maxRunCalls: MAX_RUN_CALLS, maxRunMs: MAX_RUN_MS };

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
    const { value: seed, bytes } = await bytesAround(ctx.server.stateDir, async () => ({
      touches: await post(base, site.secret_key, '/v1/touches', 'touches', data.touchChunks(0, n), maxMs),
      conversions: await post(base, site.secret_key, '/v1/conversions', 'conversions', data.conversionChunks(0, data.conversions), maxMs),
    }));
    const { touches } = seed;
    tiers.push({ n, site, data, seed, seedBytes: bytes, seededAt: Date.now() });
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

/**
 * Calls the job until it says done; the run's time is the wall time over all calls (retry pauses
 * excluded). `query` goes with the first call only (`?refit=true`).
 */
async function runUntilDone(base, key, query = '') {
  const started = performance.now();
  const calls = [];
  let pausedMs = 0;
  let proxyRetries = 0;
  let retriesInARow = 0;
  let longestMs = 0;
  while (calls.length < MAX_RUN_CALLS && performance.now() - started < MAX_RUN_MS) {
    const res = await secretJson(base, `/v1/attribution/run${calls.length ? '' : query}`, key, undefined, { timeoutMs: MAX_CALL_MS });
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
  // Counts the job reports about itself (issue 11); null when any call lacks them, as today's job
  // does, so a partial sum is never mistaken for the run's total.
  const reported = (k) => (calls.length && calls.every((c) => Number.isFinite(c?.[k])) ? sum(k) : null);
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
    rowsWritten: reported('rows_written'),
    rowsRead: reported('rows_read'),
    // Where the server says its time went (fit, scan, credit, rollup), summed over calls; null when not reported.
    phases: calls.every((c) => c?.phases_ms)
      ? Object.fromEntries(['fit', 'scan', 'credit', 'rollup'].map((k) => [k, calls.reduce((n, c) => n + (Number(c.phases_ms[k]) || 0), 0)]))
      : null,
    refitted: calls.some((c) => c?.refitted),
  };
}

export async function measureJob(ctx, tiers) {
  const base = ctx.server.url;
  const results = [];
  const fail = (tier, err) => {
    // Keep the tiers already measured; the failure is reported with them.
    if (!results.length) throw err;
    const partial = report(ctx, results, LIMITS, null);
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
      const measured = await measureFullRun(ctx, base, tier, { withFitMemory: tier === tiers.at(-1) });
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
  return report(ctx, results, LIMITS, await wholeFileBytes(ctx.server.stateDir));
}

/**
 * Peak resident memory of the Worker's workerd processes while a run goes on, over their resident
 * memory just before it: sampled from /proc every 100 ms. Locally D1 runs inside workerd too, so
 * this is an upper bound on the isolate's own memory (a deployed Worker has 128 MB).
 */
function peakRss(server) {
  const rss = () => {
    let kb = 0;
    for (const pid of server.pids?.() ?? []) {
      const status = (() => {
        try {
          return readFileSync(`/proc/${pid}/status`, 'utf8');
        } catch {
          return '';
        }
      })();
      if (!/^Name:\s*workerd/m.test(status)) continue;
      kb += Number(/^VmRSS:\s*(\d+)/m.exec(status)?.[1] ?? 0);
    }
    return kb * 1024;
  };
  const before = rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 100);
  return {
    stop: () => {
      clearInterval(timer);
      peak = Math.max(peak, rss());
      return before ? { beforeBytes: before, peakBytes: peak, growthBytes: peak - before } : null;
    },
  };
}

/** Waits until `since` is older than the job's rescan overlap, so that the run sees it only as new. */
async function ageOut(ctx, since, what) {
  const wait = ctx.smoke ? 0 : since + SCAN_OVERLAP_MS - Date.now();
  if (wait > 0) {
    ctx.log(`job: waiting ${fmt(wait / 1000, 0)} s so the 2-minute rescan overlap does not reach ${what}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/**
 * The fit's memory on a copy of the tier's D1 as its full run left it (bench/lib/fit-memory.mjs),
 * while the server is idle; a failure of the harness is reported, not thrown.
 */
async function tierFitMemory(ctx, tier) {
  if (!ctx.server.stateDir) return { error: 'no local state dir' };
  try {
    const m = await measureFitMemory(ctx.server.stateDir, tier.site.id);
    ctx.log(`job: ${fmtInt(tier.n)} touches, fit memory: ${m.completed ? `completed under a ${m.limitMb} MB heap, peak ${fmt(m.peakUsedMb, 1)} MB` : m.error}`);
    return m;
  } catch (err) {
    return { error: String(err.message ?? err).split('\n')[0] };
  }
}

/** The time to read every touch of the tier's site once (bench/lib/d1.mjs); null without a local state dir. */
function readFloor(ctx, tier) {
  if (!ctx.server.stateDir) return null;
  return touchReadFloor(ctx.server.stateDir, tier.site.id, { reps: ctx.smoke ? 1 : 3, crossCheck: !ctx.smoke, expectedRows: tier.n });
}

async function measureFullRun(ctx, base, tier, { withFitMemory }) {
  const key = tier.site.secret_key;
  await ageOut(ctx, tier.seededAt, 'the seed');
  const floorBefore = await readFloor(ctx, tier);
  const sampler = peakRss(ctx.server);
  const { value: fullRun, bytes: fullBytes } = await bytesAround(ctx.server.stateDir, () => runUntilDone(base, key));
  fullRun.memory = sampler.stop();
  if (fullRun.unavailable) return fullRun;
  ctx.log(`job: ${fmtInt(tier.n)} touches, full run ${fmt(fullRun.ms / 1000, 2)} s in ${fullRun.calls} call(s)`);
  if (fullBytes.credit && tier.seedBytes.touches) {
    ctx.log(`job: ${fmtInt(tier.n)} touches, credit store ${fmt(fullBytes.credit.total / 2 ** 20, 1)} MiB, touches ${fmt(tier.seedBytes.touches.total / 2 ** 20, 1)} MiB (dbstat)`);
  }

  const floorAfter = await readFloor(ctx, tier);
  const floor = floorBefore && floorAfter ? bracketedFloor(floorBefore, floorAfter) : null;
  if (floor) ctx.log(`job: ${fmtInt(tier.n)} touches, read floor ${fmt(floor.floorMs, 1)} ms (${fmt(floor.beforeMs, 1)} ms before the full run, ${fmt(floor.afterMs, 1)} ms after)`);
  fullRun.fitMemory = withFitMemory ? await tierFitMemory(ctx, tier) : null;

  // 1% new data, which the incremental run must pick up.
  const addTouches = Math.max(1, Math.round(tier.n / 100));
  const addConversions = Math.max(1, Math.round(tier.data.conversions / 100));
  const t1 = await post(base, key, '/v1/touches', 'touches', tier.data.touchChunks(1, addTouches), 120_000);
  const c1 = await post(base, key, '/v1/conversions', 'conversions', tier.data.conversionChunks(1, addConversions), 120_000);
  const reached = tier.data.reachedShare(tier.n, addTouches, addConversions);
  return { tier, fullRun, fullBytes, floor, reached, added: { touches: t1.accepted, conversions: c1.accepted }, addedAt: Date.now() };
}

async function measureIncremental(ctx, base, m) {
  await ageOut(ctx, m.addedAt, 'the new data');
  const incremental = await runUntilDone(base, m.tier.site.secret_key);
  ctx.log(`job: ${fmtInt(m.tier.n)} touches, incremental run ${fmt(incremental.ms / 1000, 2)} s in ${incremental.calls} call(s)`);
  // The daily refit, as the first run of a UTC day makes it: after the 1% new data, whose keys'
  // journeys are the only ones it reads again (the full run's fit computed every key's).
  const refit = await runUntilDone(base, m.tier.site.secret_key, '?refit=true');
  ctx.log(`job: ${fmtInt(m.tier.n)} touches, refit ${fmt((refit.phases?.fit ?? NaN) / 1000, 2)} s (run ${fmt(refit.ms / 1000, 2)} s)`);
  return { ...m, incremental, refit };
}
