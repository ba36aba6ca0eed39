// Query benchmark: p50/p95 of the credit, influence and funnel endpoints on the largest job tier, against GET /healthz.
import { request } from './lib/http.mjs';
import { GOALS, goalNote, goalTierNote, mark, markedCell } from './lib/goals.mjs';
import { fmt, fmtInt, fmtRatio, latencySummary, ratio } from './lib/stats.mjs';

const DAY = 86_400_000;
const PLANS = { default: { requests: 200, maxMs: 60_000 }, smoke: { requests: 5, maxMs: 5_000 } };

/** A year of conversions (inside the 366-day query limit), so every tier's history is in range. */
function range() {
  const iso = (ms) => new Date(ms).toISOString().slice(0, 10);
  const now = Date.now();
  return `from=${iso(now - 364 * DAY)}&to=${iso(now)}`;
}

/** Issue 11's query goal covers both endpoints "with every model": compare without `models=` is every model. */
const QUERIES = [
  credit('linear', 'channel'),
  credit('linear', 'campaign'),
  // High cardinality: one row per account (capped by the API), the dimension a compact store may answer without the rollup.
  credit('linear', 'account'),
  { label: '`GET /v1/credit/compare?models=first_touch,last_touch,linear&group_by=channel`', path: () => `/v1/credit/compare?models=first_touch,last_touch,linear&group_by=channel&${range()}` },
  { label: '`GET /v1/credit/compare?group_by=channel`', path: () => `/v1/credit/compare?group_by=channel&${range()}`, everyModel: true },
];

/** Issue 13's reports, with its own goal: influenced and sourced pipeline, and the default stage funnel. */
const PIPELINE = [
  { label: '`GET /v1/influence?conversion=opportunity&group_by=channel`', path: () => `/v1/influence?conversion=opportunity&group_by=channel&${range()}` },
  { label: '`GET /v1/funnel?group_by=channel`', path: () => `/v1/funnel?group_by=channel&${range()}` },
];

function credit(model, groupBy) {
  return { label: `\`GET /v1/credit?model=${model}&group_by=${groupBy}\``, path: () => `/v1/credit?model=${model}&group_by=${groupBy}&${range()}` };
}

/** Sequential, alternating with the baseline request: latency without queueing, noise shared. */
async function measure(base, q, auth, plan) {
  const probe = await request(base, q.path(), { headers: auth });
  if (probe.status !== 200) return { missing: `${q.label} answered ${probe.status}: ${probe.text.slice(0, probe.status === 404 || probe.status === 405 ? 100 : 200)}` };
  let answer = null;
  try {
    answer = JSON.parse(probe.text);
  } catch {
    // reported below as a shape mismatch
  }
  const lat = [];
  const base0 = [];
  const started = performance.now();
  for (let i = 0; i < plan.requests && performance.now() - started < plan.maxMs; i++) {
    base0.push((await request(base, '/healthz')).ms);
    const res = await request(base, q.path(), { headers: auth });
    if (res.status !== 200) throw new Error(`${q.label} answered ${res.status} mid-run: ${res.text.slice(0, 200)}`);
    lat.push(res.ms);
  }
  const s = latencySummary(lat);
  const b = latencySummary(base0);
  return { q, answer, rows: Array.isArray(answer?.rows) ? answer.rows.length : null, s, b, p95Ratio: ratio(s.p95, b.p95) };
}

const plain = (label) => label.replace(/`/g, '');

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
  let models = null;
  for (const q of QUERIES) {
    const m = await measure(base, q, auth, plan);
    if (m.missing) {
      missing.push(m.missing);
      continue;
    }
    if (q.everyModel && Array.isArray(m.answer?.models)) {
      models = m.answer.models;
      m.q = { ...q, label: `${q.label} (every model: ${models.length})` };
    }
    measured.push(m);
  }
  // /v1/credit takes one model at a time: each of the others (the server's own list, so new models
  // are included without editing this file), grouped by channel like the first query.
  const sweep = [];
  for (const model of (models ?? []).filter((name) => name !== 'linear')) {
    const m = await measure(base, credit(model, 'channel'), auth, plan);
    if (m.missing) missing.push(m.missing);
    else sweep.push(m);
  }
  const pipeline = [];
  for (const q of PIPELINE) {
    const m = await measure(base, q, auth, plan);
    if (m.missing) missing.push(m.missing);
    else pipeline.push(m);
  }
  if (!measured.length) {
    return {
      title,
      status: 'not available',
      headline: [`query: not available — ${missing.map((m) => m.split(' answered')[0] + ' ' + m.match(/answered \d+/)?.[0]).join('; ')}`],
      markdown: `**Not available** on ${fmtInt(target.touches)} touches:\n\n${missing.map((m) => `- ${m}`).join('\n')}\n\nThe query endpoints are being built; the benchmark is coded against the documented API (docs/api.md) and runs once they answer.`,
    };
  }
  const goal = GOALS.queryP95OverHealthz;
  const row = ({ q, rows, s, b, p95Ratio }) =>
    `| ${q.label} | ${fmtInt(s.n)} | ${fmt(s.p50, 1)} | ${fmt(s.p95, 1)} | ${fmt(b.p50, 2)} | ${fmt(b.p95, 2)} | ${fmtRatio(ratio(s.p50, b.p50), 1)} | ${markedCell(fmtRatio(p95Ratio, 1), p95Ratio, goal)} | ${rows ?? 'shape?'} |`;
  const all = [...measured, ...sweep];
  const worst = all.reduce((w, m) => (!(m.p95Ratio <= w.p95Ratio) ? m : w));
  const headline = [
    `query goal, p95 ${goal.text} /healthz p95 for /v1/credit and /v1/credit/compare with every model: worst ${fmtRatio(worst.p95Ratio, 1)} (${plain(worst.q.label)}) over ${all.length} queries ${goalNote(worst.p95Ratio, goal)}` +
      `${models ? '' : ' — the model list was not read (compare without models= did not answer), so /v1/credit was measured with linear only'}${goalTierNote(target.touches)}`,
    ...measured.map(
      ({ q, s, b, p95Ratio }) =>
        `${plain(q.label)} p50 ${fmt(s.p50, 1)} ms / p95 ${fmt(s.p95, 1)} ms on ${fmtInt(target.touches)} touches (p50 ${fmtRatio(ratio(s.p50, b.p50), 1)} / p95 ${fmtRatio(p95Ratio, 1)} /healthz; goal p95 ${goal.text}: ${mark(p95Ratio, goal)})`,
    ),
  ];
  const pipelineGoal = GOALS.pipelineP95OverHealthz;
  for (const { q, s, b, p95Ratio } of pipeline) {
    headline.push(
      `${plain(q.label)} p50 ${fmt(s.p50, 1)} ms / p95 ${fmt(s.p95, 1)} ms next to /healthz p95 ${fmt(b.p95, 2)} ms on ${fmtInt(target.touches)} touches (p95 ${fmtRatio(p95Ratio, 1)} /healthz; goal ${pipelineGoal.text}: ${mark(p95Ratio, pipelineGoal)})${goalTierNote(target.touches)}`,
    );
  }
  if (sweep.length) {
    const sorted = [...sweep].sort((x, y) => x.p95Ratio - y.p95Ratio);
    headline.push(
      `GET /v1/credit?group_by=channel with each other model (${sweep.length}): p95 ${fmtRatio(sorted[0].p95Ratio, 1)} (${sorted[0].q.label.match(/model=(\w+)/)[1]}) to ${fmtRatio(sorted.at(-1).p95Ratio, 1)} (${sorted.at(-1).q.label.match(/model=(\w+)/)[1]}) /healthz p95 ${goalNote(sorted.at(-1).p95Ratio, goal)}`,
    );
  }
  return {
    title,
    status: missing.length ? 'partial' : 'ok',
    headline,
    markdown: [
      `Baseline: \`GET /healthz\`, sent alternately with each query (concurrency 1, up to ${plan.requests} of each, ≤ ${plan.maxMs / 1000} s). Site: the job benchmark's largest tier, ${fmtInt(target.touches)} touches, credit computed; range \`from\`/\`to\` = the last 364 days. Latencies in ms, client wall time over loopback. ` +
        `Goal (issue 11): p95 ${goal.text} the baseline's p95 for \`/v1/credit\` and \`/v1/credit/compare\` with every model — compare without \`models=\` (every model at once), and \`/v1/credit\` once per model${models ? ` (${models.join(', ')}, from the compare answer)` : ''}; the p50 ratio is kept for comparison with earlier runs.`,
      '',
      `| query | requests | p50 | p95 | /healthz p50 | /healthz p95 | p50 ratio | p95 ratio (goal ${goal.text}) | rows |`,
      '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
      ...all.map(row),
      ...(pipeline.length
        ? [
            '',
            `Influence and funnel (issue 13), same baseline and range; goal: p95 ${pipelineGoal.text} the baseline's p95.`,
            '',
            `| query | requests | p50 | p95 | /healthz p50 | /healthz p95 | p50 ratio | p95 ratio (goal ${pipelineGoal.text}) | rows |`,
            '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
            ...pipeline.map(({ q, rows, s, b, p95Ratio }) =>
              `| ${q.label} | ${fmtInt(s.n)} | ${fmt(s.p50, 1)} | ${fmt(s.p95, 1)} | ${fmt(b.p50, 2)} | ${fmt(b.p95, 2)} | ${fmtRatio(ratio(s.p50, b.p50), 1)} | ${markedCell(fmtRatio(p95Ratio, 1), p95Ratio, pipelineGoal)} | ${rows ?? 'shape?'} |`,
            ),
          ]
        : []),
      ...(missing.length ? ['', ...missing.map((m) => `- **Not available**: ${m}`)] : []),
    ].join('\n'),
  };
}
