// Ingest benchmark: POST /e throughput and latency with realistic batches, against GET /healthz (a no-op route of the same Worker).
import { cpuMs } from './lib/server.mjs';
import { createSite, runLoad } from './lib/http.mjs';
import { fmt, fmtInt, fmtRatio, latencySummary, ratio } from './lib/stats.mjs';
import { ingestRequest, makeTraffic } from './lib/traffic.mjs';

/** /e allows 3,000 requests per 60 s per public key (wrangler.toml [[ratelimits]]); stay well under it. */
const RATE_LIMIT_PER_KEY = 3000;
const PER_KEY_BUDGET = 2000;

const PLANS = {
  // Concurrency 1 gives latency without queueing; concurrency 8 saturates both cores (throughput).
  default: { sites: 16, rounds: 3, warmup: 40, levels: [{ concurrency: 1, requests: 200, maxMs: 10_000 }, { concurrency: 8, requests: 1500, maxMs: 15_000 }] },
  smoke: { sites: 2, rounds: 1, warmup: 3, levels: [{ concurrency: 1, requests: 10, maxMs: 3_000 }, { concurrency: 4, requests: 30, maxMs: 4_000 }] },
};

function phaseStats(load, ms, cpu, extra = {}) {
  return { ...load, ...extra, ms, cpu, ...latencySummary(load.latencies) };
}

export async function runIngest(ctx) {
  const plan = ctx.smoke ? PLANS.smoke : PLANS.default;
  const base = ctx.server.url;
  const runId = Date.now().toString(36).slice(-5);
  const sites = [];
  for (let s = 0; s < plan.sites; s++) sites.push(await createSite(base, `bench ingest ${runId} ${s}`));
  const planned = plan.warmup + plan.rounds * plan.levels.reduce((n, l) => n + l.requests, 0);
  if (planned / sites.length > PER_KEY_BUDGET) throw new Error('ingest plan exceeds the per-key request budget');

  const traffic = makeTraffic({ seed: 20261122, origin: base, runId });
  let seq = 0;
  const nextBatch = () => {
    const i = seq++;
    return traffic(i, sites[i % sites.length].public_key);
  };
  const healthz = () => ['/healthz', { method: 'GET' }];

  /** Sends one phase and reads the server's and the client's CPU around it. */
  async function phase(kind, level) {
    const batches = [];
    const pids = ctx.server.pids();
    const cpu0 = cpuMs(pids);
    const client0 = process.cpuUsage();
    const load = await runLoad(base, {
      requests: level.requests,
      concurrency: level.concurrency,
      maxMs: level.maxMs,
      make: (i) => {
        if (kind === 'healthz') return healthz();
        const b = nextBatch();
        batches[i] = b;
        return ingestRequest(base, b);
      },
      check: (res, i) => {
        if (res.status !== 200) return `${res.status} ${res.text.slice(0, 120)}`;
        if (kind === 'healthz') return null;
        const body = JSON.parse(res.text);
        const b = batches[i];
        b.answer = body;
        if (body.accepted + body.duplicates + body.rejected.length !== b.events) return `answer does not add up: ${res.text.slice(0, 160)}`;
        return body.rejected.length ? `rejected: ${JSON.stringify(body.rejected[0])}` : null;
      },
    });
    const serverCpu = pids.length ? cpuMs(pids) - cpu0 : NaN;
    const client = process.cpuUsage(client0);
    const answered = batches.filter((b) => b?.answer);
    return phaseStats(load, load.elapsedMs, serverCpu, {
      clientCpu: (client.user + client.system) / 1000,
      events: answered.reduce((n, b) => n + b.answer.accepted + b.answer.duplicates, 0),
      accepted: answered.reduce((n, b) => n + b.answer.accepted, 0),
      duplicates: answered.reduce((n, b) => n + b.answer.duplicates, 0),
      statements: answered.reduce((n, b) => n + b.batchStatements, 0),
      eventCounts: answered.map((b) => b.events),
    });
  }

  // Warm-up: the first requests compile code and fill the per-isolate site cache.
  await phase('healthz', { concurrency: 2, requests: plan.warmup, maxMs: 10_000 });
  await phase('ingest', { concurrency: 2, requests: plan.warmup, maxMs: 20_000 });

  const levels = [];
  for (const level of plan.levels) {
    const rounds = [];
    // Baseline and ingest alternate, so a burst of other load on the shared machine hits both.
    for (let r = 0; r < plan.rounds; r++) rounds.push({ healthz: await phase('healthz', level), ingest: await phase('ingest', level) });
    levels.push({ level, rounds, healthz: merge(rounds.map((x) => x.healthz)), ingest: merge(rounds.map((x) => x.ingest)) });
  }
  return report(levels, sites.length, plan);
}

function merge(phases) {
  const sum = (k) => phases.reduce((n, p) => n + (p[k] ?? 0), 0);
  const latencies = phases.flatMap((p) => p.latencies);
  const statuses = {};
  for (const p of phases) for (const [s, n] of Object.entries(p.statuses)) statuses[s] = (statuses[s] ?? 0) + n;
  return {
    ...latencySummary(latencies),
    requests: latencies.length,
    ms: sum('ms'),
    cpu: sum('cpu'),
    clientCpu: sum('clientCpu'),
    events: sum('events'),
    accepted: sum('accepted'),
    duplicates: sum('duplicates'),
    statements: sum('statements'),
    eventCounts: phases.flatMap((p) => p.eventCounts ?? []),
    statuses,
    problems: phases.flatMap((p) => p.problems),
  };
}

function report(levels, siteCount, plan) {
  const rows = [];
  const notes = [];
  const latencyLine = [];
  const throughputLine = [];
  for (const { level, healthz: h, ingest: e } of levels) {
    const hRps = (h.requests / h.ms) * 1000;
    const eRps = (e.requests / e.ms) * 1000;
    const evps = (e.events / e.ms) * 1000;
    const hCpu = h.cpu / h.requests;
    const eCpu = e.cpu / e.requests;
    rows.push(
      `| ${level.concurrency} | \`GET /healthz\` (baseline) | ${fmtInt(h.requests)} | ${fmt(hRps, 0)} | — | ${fmt(h.p50, 2)} | ${fmt(h.p99, 2)} | ${fmt(hCpu, 2)} | 1.00× |`,
      `| ${level.concurrency} | \`POST /e\` | ${fmtInt(e.requests)} | ${fmt(eRps, 0)} | ${fmt(evps, 0)} | ${fmt(e.p50, 2)} | ${fmt(e.p99, 2)} | ${fmt(eCpu, 2)} | p50 ${fmtRatio(ratio(e.p50, h.p50), 1)}, p99 ${fmtRatio(ratio(e.p99, h.p99), 1)}, req/s ${fmtRatio(ratio(hRps, eRps), 1)}, CPU/req ${fmtRatio(ratio(eCpu, hCpu), 1)} |`,
    );
    const limited = e.statuses['429'] ?? 0;
    notes.push(
      `- concurrency ${level.concurrency}: ${fmtInt(e.events)} events in ${fmtInt(e.requests)} batches (${fmt(e.events / e.requests, 2)} per batch; ` +
        `${fmtInt(e.duplicates)} answered as duplicates of deliberate resends); HTTP statuses ${JSON.stringify(e.statuses)}; ` +
        `429s: ${limited}; problems: ${e.problems.length}${e.problems.length ? ` (first: ${e.problems[0]})` : ''}.`,
    );
    if (level.concurrency === plan.levels.at(-1).concurrency) {
      throughputLine.push(
        `ingest ${fmt(evps, 0)} events/s (${fmt(eRps, 0)} req/s) at concurrency ${level.concurrency}; /healthz does ${fmtRatio(ratio(hRps, eRps), 1)} the requests/s`,
      );
    }
    if (level.concurrency === 1) {
      latencyLine.push(`ingest latency unloaded p50 ${fmt(e.p50, 1)} ms / p99 ${fmt(e.p99, 1)} ms = ${fmtRatio(ratio(e.p50, h.p50), 1)} / ${fmtRatio(ratio(e.p99, h.p99), 1)} the no-op route`);
    }
  }
  const all = levels.map((l) => l.ingest);
  const reqs = all.reduce((n, p) => n + p.requests, 0);
  const stmts = all.reduce((n, p) => n + p.statements, 0);
  const sizes = all.flatMap((p) => p.eventCounts);
  const small = sizes.filter((n) => n <= 5).length;
  const cpuNote = Number.isFinite(levels[0].ingest.cpu)
    ? 'CPU/req is the user+system CPU of wrangler and both workerd processes (from /proc) over the phase, divided by its requests. Locally that includes D1 itself (SQLite runs inside workerd) and wrangler\'s proxying, so it is an upper bound on the Worker\'s own CPU time; Cloudflare\'s per-request CPU-time metric is not exposed by `wrangler dev`.'
    : 'CPU/req: not measured (the server at BASE_URL is not a local process tree this script can read).';
  const markdown = [
    `Baseline: \`GET /healthz\` on the same Worker (no-op), alternated with \`POST /e\` in ${plan.rounds} round(s) per concurrency level, so the ratio is the cost of validation, dedupe, channel classification and storage in D1 (HTTP, routing and wrangler's proxy cancel out). Latencies are client-side wall times over loopback, in ms.`,
    `Load: ${siteCount} sites made through \`POST /admin/sites\`, batches spread round-robin over their public keys (≤ ${fmtInt(PER_KEY_BUDGET)} requests per key per run against the ${fmtInt(RATE_LIMIT_PER_KEY)}/60 s limit). Batches: ${fmt((small / sizes.length) * 100, 0)}% with 1–5 events, the rest 10–20; 60% open a session with a landing (UTMs, click ids, search/social/referral referrers), 8% carry a form fill with an email (⅓ free-mail, half marked \`lead\`), 2% resend an earlier batch (dedupe path). Browser user agent, Origin = the site's origin.`,
    '',
    '| concurrency | route | requests | req/s | events/s | p50 ms | p99 ms | server CPU ms/req | ratio to baseline |',
    '|--:|---|--:|--:|--:|--:|--:|--:|---|',
    ...rows,
    '',
    ...notes,
    `- D1 per \`POST /e\`: **1 round trip** — one \`DB.batch()\` (one transaction) from \`commitWrites\` (edge/src/db/write-set.ts) holding one multi-row statement per kind of row present: events, the daily counters (right after the events, edge/src/db/counters.ts) and visitors always; touches, form-fill upgrades, contacts, accounts, identity links and conversions when the batch has them. The site lookup is cached per isolate for 5 s, so it adds a SELECT only every 5 s per key. For this traffic that is **${fmt(stmts / reqs, 2)} statements per request** on average (counted from the code path for each batch sent, not measured), independent of how many events the batch holds.`,
    `- ${cpuNote}`,
  ].join('\n');
  const headline = [...latencyLine, ...throughputLine];
  return { title: 'Ingest (`POST /e`)', status: 'ok', headline, markdown, data: { levels: levels.map(({ level, healthz, ingest }) => ({ level, healthz: strip(healthz), ingest: strip(ingest) })), statementsPerRequest: stmts / reqs } };
}

const strip = ({ eventCounts, problems, ...rest }) => ({ ...rest, problems: problems.length });
