// `npm run simulate`: seeded, deterministic B2B journeys sent through the public interfaces only
// (Segment API for history, the snippet's /e for the last hours, offline touches, CRM conversions),
// a year of a B2B company by default — hundreds of accounts, several campaigns per paid channel,
// events, webinars and sales meetings, a pipeline with lost deals, spend with EUR→USD rates — then
// the attribution job and a read key for the dashboard, so every view has something to show.
//
//   npm run simulate -- [--accounts 400] [--days 365] [--seed 42]
//   BASE_URL (default http://127.0.0.1:${PORT:-8787}), TL_SECRET_KEY (sk_demo), TL_PUBLIC_KEY (pk_demo)
import { parseArgs } from 'node:util';
import { baseUrl } from './lib/local-server.mjs';
import { buildJourneys } from './simulate/journeys.mjs';
import { buildSpend } from './simulate/spend.mjs';

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '400' },
    days: { type: 'string', default: '365' },
    seed: { type: 'string', default: '42' },
  },
});
const url = baseUrl();
const secretKey = process.env.TL_SECRET_KEY ?? 'sk_demo';
const publicKey = process.env.TL_PUBLIC_KEY ?? 'pk_demo';
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const BOT_UA = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

const plan = buildJourneys({
  accounts: Number(values.accounts),
  days: Number(values.days),
  seed: Number(values.seed),
  origin: url,
  // Whole hours: a rerun within the hour sends identical data, which the API answers as duplicates.
  now: Math.floor(Date.now() / 3600_000) * 3600_000,
});

const costs = buildSpend({ seed: Number(values.seed), now: Date.now() });

const startedAt = Date.now();
const totals = { accepted: 0, duplicates: 0, rejected: 0 };
async function send(path, body, headers) {
  const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path} → ${res.status}: ${text}`);
  const r = JSON.parse(text);
  totals.accepted += r.accepted;
  totals.duplicates += r.duplicates;
  totals.rejected += r.rejected.length;
  for (const x of r.rejected.filter((x) => x.code !== 'bot').slice(0, 3)) console.warn(`  rejected ${path}[${x.index}]: ${x.code} ${x.message}`);
  return r;
}
const server = (path, body) => send(path, body, { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' });
const chunks = (list, n) => Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, i * n + n));

try {
  await fetch(`${url}/healthz`);
} catch {
  console.error(`No Touchline server at ${url}. Start it with \`npm start\` (or set BASE_URL).`);
  process.exit(1);
}

console.log(`Simulating ${values.accounts} accounts over ${values.days} days (seed ${values.seed}) against ${url}…`);
for (const part of chunks(plan.segment, 500)) await server('/v1/batch', { batch: part });
for (const batch of plan.snippet) {
  await send('/e', { ...batch, k: publicKey, t: Date.now() }, { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, origin: url });
}
for (const batch of plan.bots) {
  await send('/e', { ...batch, k: publicKey, t: Date.now() }, { 'content-type': 'text/plain', 'user-agent': BOT_UA, origin: url });
}
for (const part of chunks(plan.touches, 500)) await server('/v1/touches', { touches: part });
for (const part of chunks(plan.conversions, 500)) await server('/v1/conversions', { conversions: part });
for (const part of chunks(costs.rates, 500)) await server('/v1/exchange-rates', { rates: part });
for (const part of chunks(costs.spend, 500)) await server('/v1/spend', { spend: part });

let run;
for (let i = 0; i < 50; i++) {
  const res = await fetch(`${url}/v1/attribution/run`, { method: 'POST', headers: { authorization: `Bearer ${secretKey}` } });
  run = await res.json();
  if (!res.ok) throw new Error(`attribution run → ${res.status}: ${JSON.stringify(run)}`);
  if (run.done) break;
}

// The dashboard takes a read key only (docs/dashboard.md): make one for it, named so a rerun is
// recognisable. A key is shown only once, so a rerun revokes the key its last run made rather than
// leaving one more live read key behind on every run.
let dashboardLink = `${url}/dashboard`;
const SIMULATE_KEY = 'dashboard (npm run simulate)';
const listed = await fetch(`${url}/v1/keys`, { headers: { authorization: `Bearer ${secretKey}` } });
if (listed.ok) {
  for (const old of (await listed.json()).keys.filter((k) => k.name === SIMULATE_KEY)) {
    await fetch(`${url}/v1/keys/${encodeURIComponent(old.id)}`, { method: 'DELETE', headers: { authorization: `Bearer ${secretKey}` } });
  }
}
const keyRes = await fetch(`${url}/v1/keys`, {
  method: 'POST',
  headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
  body: JSON.stringify({ name: SIMULATE_KEY, scope: 'read' }),
});
if (keyRes.ok) {
  const { key } = await keyRes.json();
  // In the fragment: the browser never sends it, and the page drops it from the address once read.
  dashboardLink = `${url}/dashboard#key=${key}`;
} else {
  console.warn(`No read key for the dashboard (POST /v1/keys answered ${keyRes.status}); create one as docs/dashboard.md shows.`);
}

console.log(`
Sent ${plan.segment.length} Segment messages (page views and identifies), ${plan.snippet.reduce((n, b) => n + b.e.length, 0)} snippet events,
${plan.bots.reduce((n, b) => n + b.e.length, 0)} bot events, ${plan.touches.length} offline touches and ${plan.conversions.length} CRM conversions
for ${plan.stats.accounts} accounts, ${plan.stats.contacts} contacts (${plan.stats.freeMail} on free mail) and ${plan.stats.visitors} devices;
${costs.spend.length} spend items (a year of ads per campaign, tools per month, offline programs; LinkedIn billed in EUR) and ${costs.rates.length} EUR→USD rates.
Answers: ${totals.accepted} accepted, ${totals.duplicates} duplicates (resending is idempotent), ${totals.rejected} rejected (bots are counted, not stored).
Attribution: ${run.conversions_credited} conversions credited over ${run.accounts_recomputed} accounts, ${run.credit_rows_written} credit rows.
Done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s.

Where to look:
  Dashboard        ${dashboardLink}
  Channel credit   curl -s '${url}/v1/credit?model=w_shaped&conversion=closed_won&group_by=channel' -H 'Authorization: Bearer ${secretKey}'
  Compare models   curl -s '${url}/v1/credit/compare?models=first_touch,last_touch,linear,w_shaped&group_by=channel' -H 'Authorization: Bearer ${secretKey}'
  An account       curl -s '${url}/v1/accounts/${plan.stats.sampleDomain}/journey' -H 'Authorization: Bearer ${secretKey}'
  Spend and ROAS   curl -s '${url}/v1/credit?model=linear&group_by=campaign' -H 'Authorization: Bearer ${secretKey}'
  Influence        curl -s '${url}/v1/influence?conversion=opportunity&group_by=channel' -H 'Authorization: Bearer ${secretKey}'
  Funnel           curl -s '${url}/v1/funnel?stages=lead,opportunity,closed_won' -H 'Authorization: Bearer ${secretKey}'
  Data quality     curl -s '${url}/v1/quality' -H 'Authorization: Bearer ${secretKey}'
`);
