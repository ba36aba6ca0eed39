// Query benchmark: p50/p95 of the credit endpoints (CONTRACT §4) on the largest job tier, against GET /healthz.
import { request } from './lib/http.mjs';
import { fmt, fmtInt, fmtRatio, latencySummary, ratio } from './lib/stats.mjs';

const DAY = 86_400_000;
const PLANS = { default: { requests: 200, maxMs: 60_000 }, smoke: { requests: 5, maxMs: 5_000 } };

/** A year of conversions (inside the 366-day query limit), so every tier's history is in range. */
function range() {
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  return `from=${iso(now - 364 * DAY)}&to=${iso(now)}`;
}

const QUERIES = [
  { label: '`GET /v1/credit?model=linear&group_by=channel`', path: () => `/v1/credit?model=linear&group_by=channel&${range()}`, rowsOf: (d) => d?.rows },
  {
    label: '`GET /v1/credit/compare?models=first_touch,last_touch,linear`',
    path: () => `/v1/credit/compare?models=first_touch,last_touch,linear&group_by=channel&${range()}`,
    rowsOf: (d) => d?.rows,
  },
];

export async function runQuery(ctx, target) {
  const title = 'Query (credit API)';
  if (!target) {
    return { title, status: 'not available', headline: ['query: not available — the job benchmark produced no credited site'], markdown: '**Not available**: the job benchmark did not produce a credited site to query.' };
  }
  const plan = ctx.smoke ? PLANS.smoke : PLANS.default;
  const base = ctx.server.url;
  const auth = { authorization: `Bearer ${target.secretKey}` };
  const measured = [];
  const missing = [];
  for (const q of QUERIES) {
    const probe = await request(base, q.path(), { headers: auth });
    if (probe.status === 404 || probe.status === 405) {
      missing.push(`${q.label} answered ${probe.status} (${probe.text.slice(0, 100)})`);
      continue;
    }
    if (probe.status !== 200) {
      missing.push(`${q.label} answered ${probe.status}: ${probe.text.slice(0, 200)}`);
      continue;
    }
    let rows = null;
    try {
      rows = q.rowsOf(JSON.parse(probe.text));
    } catch {
      // reported below as a shape mismatch
    }
    // Sequential, alternating with the baseline request: latency without queueing, noise shared.
    const lat = [];
    const base0 = [];
    const started = performance.now();
    for (let i = 0; i < plan.requests && performance.now() - started < plan.maxMs; i++) {
      base0.push((await request(base, '/healthz')).ms);
      const res = await request(base, q.path(), { headers: auth });
      if (res.status !== 200) throw new Error(`${q.label} answered ${res.status} mid-run: ${res.text.slice(0, 200)}`);
      lat.push(res.ms);
    }
    measured.push({ q, rows: Array.isArray(rows) ? rows.length : null, s: latencySummary(lat), b: latencySummary(base0) });
  }
  if (!measured.length) {
    return {
      title,
      status: 'not available',
      headline: [`query: not available — ${missing.map((m) => m.split(' answered')[0] + ' ' + m.match(/answered \d+/)?.[0]).join('; ')}`],
      markdown: `**Not available** on ${fmtInt(target.touches)} touches:\n\n${missing.map((m) => `- ${m}`).join('\n')}\n\nThe query endpoints are being built; the benchmark is coded against CONTRACT §4's shape and runs once they answer.`,
    };
  }
  const lines = measured.map(
    ({ q, rows, s, b }) =>
      `| ${q.label} | ${fmtInt(s.n)} | ${fmt(s.p50, 1)} | ${fmt(s.p95, 1)} | ${fmt(b.p50, 2)} | ${fmt(b.p95, 2)} | p50 ${fmtRatio(ratio(s.p50, b.p50), 1)}, p95 ${fmtRatio(ratio(s.p95, b.p95), 1)} | ${rows ?? 'shape?'} |`,
  );
  return {
    title,
    status: missing.length ? 'partial' : 'ok',
    headline: measured.map(({ q, s, b }) => `${q.label.replace(/`/g, '').split('?')[0]} p50 ${fmt(s.p50, 1)} ms / p95 ${fmt(s.p95, 1)} ms on ${fmtInt(target.touches)} touches (${fmtRatio(ratio(s.p50, b.p50), 1)} /healthz p50)`),
    markdown: [
      `Baseline: \`GET /healthz\`, sent alternately with each query (concurrency 1, up to ${plan.requests} of each, ≤ ${plan.maxMs / 1000} s). Site: the job benchmark's largest tier, ${fmtInt(target.touches)} touches, credit computed; range \`from\`/\`to\` = the last 364 days. Latencies in ms, client wall time over loopback.`,
      '',
      '| query | requests | p50 | p95 | /healthz p50 | /healthz p95 | ratio | rows |',
      '|---|--:|--:|--:|--:|--:|---|--:|',
      ...lines,
      ...(missing.length ? ['', ...missing.map((m) => `- **Not available**: ${m}`)] : []),
    ].join('\n'),
  };
}
