// `npm run bench`: runs the size, ingest, job and query benchmarks and rewrites bench/RESULTS.md.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildAssets, ROOT } from '../scripts/lib/local-server.mjs';
import { runIngest } from './ingest.mjs';
import { measureJob, seedJob } from './job.mjs';
import { describeMachine } from './lib/machine.mjs';
import { renderReport, writeReport } from './lib/report.mjs';
import { acquireServer } from './lib/server.mjs';
import { runQuery } from './query.mjs';
import { runSize } from './size.mjs';

const RESULTS = path.join(ROOT, 'bench/RESULTS.md');
const ALL = ['size', 'ingest', 'job', 'query'];
const TITLES = { ingest: 'Ingest (`POST /e`)', job: 'Attribution job', query: 'Query (credit API)' };
/** Hard stops: a benchmark that hangs must not hold the machine (or CI) hostage. */
const WATCHDOG_MS = { smoke: 90_000, default: 40 * 60_000, full: 120 * 60_000 };

function parseArgs(argv) {
  const opts = { smoke: false, full: false, out: null, only: ALL };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--smoke') opts.smoke = true;
    else if (a === '--full') opts.full = true;
    else if (a === '--out') opts.out = argv[++i];
    else if (a.startsWith('--out=')) opts.out = a.slice(6);
    else if (a === '--only') opts.only = argv[++i].split(',');
    else if (a.startsWith('--only=')) opts.only = a.slice(7).split(',');
    else throw new Error(`unknown argument ${a} (use --smoke, --full, --out FILE, --only ${ALL.join(',')})`);
  }
  const unknown = opts.only.filter((n) => !ALL.includes(n));
  if (unknown.length) throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${ALL.join(', ')}`);
  if (opts.smoke && opts.full) throw new Error('--smoke and --full exclude each other');
  // Smoke runs prove the harness works; their figures mean nothing, so they never replace RESULTS.md.
  opts.out = path.resolve(opts.out ?? (opts.smoke ? path.join(mkdtempSync(path.join(tmpdir(), 'touchline-bench-')), 'RESULTS.md') : RESULTS));
  if (opts.smoke && opts.out === RESULTS) throw new Error('smoke mode never writes bench/RESULTS.md: pass --out elsewhere');
  return opts;
}

const args = process.argv.slice(2);
const opts = parseArgs(args);
const mode = opts.smoke ? 'smoke' : opts.full ? 'full' : 'default';
const startedAt = Date.now();
const machine = describeMachine();
const log = (msg) => console.log(`[bench ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
const ctx = { smoke: opts.smoke, full: opts.full, log, server: null };
const sections = [];
let server = null;

async function stopServer() {
  const s = server;
  server = null;
  if (s) await s.stop();
}
const watchdog = setTimeout(async () => {
  console.error(`bench: still running after ${WATCHDOG_MS[mode] / 60_000} min; stopping`);
  await stopServer();
  process.exit(2);
}, WATCHDOG_MS[mode]);
watchdog.unref();
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    await stopServer();
    process.exit(130);
  });
}

function failedSection(title, err) {
  log(`${title} failed: ${err.stack ?? err}`);
  const first = String(err.message ?? err).split('\n')[0];
  const serverLog = ctx.server?.logTail?.();
  if (serverLog) log(`the end of wrangler's output:\n${serverLog}`);
  return {
    title,
    status: 'failed',
    headline: [`${title}: **failed** — ${first}`],
    markdown: [
      `**Failed**:\n\n\`\`\`\n${String(err.stack ?? err).slice(0, 2000)}\n\`\`\``,
      serverLog ? `The end of wrangler's output:\n\n\`\`\`\n${serverLog.slice(-4000)}\n\`\`\`` : '',
    ].join('\n\n'),
  };
}

/** Runs one benchmark; a failure becomes a "failed" section rather than losing the others' figures. */
async function section(title, fn) {
  try {
    const s = await fn();
    sections.push(s);
    return s;
  } catch (err) {
    sections.push(failedSection(title, err));
    return null;
  }
}

const wants = (name) => opts.only.includes(name);
try {
  log(`mode ${mode}; report → ${path.relative(ROOT, opts.out) || opts.out}`);
  // Size measures what `npm run build` makes: rebuild, except in smoke mode when a build exists.
  if (!opts.smoke || !['sdk/dist/s.js', 'dashboard/dist/app.js', 'dashboard/dist/settings.js'].every((f) => existsSync(path.join(ROOT, f)))) {
    log('building the snippet and the dashboard');
    await buildAssets();
  }
  if (wants('size')) {
    log('size: measuring the snippet and peer bundles');
    await section('Snippet size', () => runSize(ctx));
  }
  if (wants('ingest') || wants('job') || wants('query')) {
    try {
      server = await acquireServer();
    } catch (err) {
      for (const name of ['ingest', 'job', 'query'].filter(wants)) sections.push(failedSection(TITLES[name], err));
    }
  }
  if (server) {
    ctx.server = server;
    log(`server: ${server.url}${server.stateDir ? ` (state ${server.stateDir})` : ''}`);
    // Seeding first, so that the wait the job needs after seeding (its 2-minute rescan overlap) is
    // spent running the ingest benchmark rather than idle.
    let tiers = null;
    if (wants('job') || wants('query')) {
      try {
        tiers = await seedJob(ctx);
      } catch (err) {
        sections.push(failedSection(TITLES.job, err));
      }
    }
    if (wants('ingest')) {
      log('ingest: POST /e against GET /healthz');
      await section(TITLES.ingest, () => runIngest(ctx));
    }
    let job = null;
    if (tiers && (wants('job') || wants('query'))) {
      log('job: full and incremental runs');
      job = await section(TITLES.job, () => measureJob(ctx, tiers));
      if (!wants('job')) sections.pop();
    }
    if (wants('query')) {
      // The largest tier the job finished, so the credit being queried exists.
      const done = job?.data?.tiers?.at(-1)?.n;
      const largest = done ? tiers.find((t) => t.n === done) : null;
      log('query: credit endpoints');
      await section(TITLES.query, () =>
        runQuery(ctx, largest && { secretKey: largest.site.secret_key, touches: largest.n }),
      );
    }
  }
} finally {
  await stopServer();
}

const finishedAt = Date.now();
const failed = sections.filter((s) => s.status === 'failed');
// RESULTS.md always holds a complete run: a run with a failed benchmark reports beside it instead.
const out = failed.length && opts.out === RESULTS ? path.join(ROOT, 'bench/.tmp/RESULTS.failed.md') : opts.out;
mkdirSync(path.dirname(out), { recursive: true });
writeReport(out, renderReport({ machine, startedAt, finishedAt, mode, args, server: ctx.server?.describe, sections }));
console.log('');
for (const s of sections) for (const h of s.headline) console.log(`- ${h}`);
console.log(`\nwrote ${out} in ${((finishedAt - startedAt) / 1000).toFixed(0)} s${out !== opts.out ? ` (${path.relative(ROOT, RESULTS)} left as it was: ${failed.length} benchmark(s) failed)` : ''}`);
clearTimeout(watchdog);
process.exit(failed.length ? 1 : 0);
