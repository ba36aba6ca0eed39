// The funnel's month rows (funnel_months) answer exactly what the per-key derivation does — the cohort
// read from each key's record and first touch, as GET /v1/funnel did before migration 0014 — over
// generated data (random stages, skipped stages, lost deals, keys and conversions moving between
// months and accounts, first touches moving, erasure), for random stage lists, dimensions and ranges.
// Rows kept incrementally equal rows rebuilt from scratch, and an unchanged rerun writes none.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { NO_TOUCH, reportedAccount } from '../../schemas/akey';
import { GROUP_BY, NOT_SET, type GroupBy } from '../../schemas/dimensions';
import { monthOfMsSql } from '../../schemas/funnel-months';
import { funnelTimes, type KeyFunnelRecord } from '../../schemas/key-funnel';
import { runAttribution } from '../../edge/src/attribution/job';
import { findSiteById } from '../../edge/src/db/sites';
import { parseRange } from '../../edge/src/query/range';
import { call, createSite, rows, type TestSite } from './helpers';
import { ago, DAY, getJson, iso, NOW, send } from './query-fixtures';

/** mulberry32: the same data on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = random(20261201);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];

const STAGES = ['lead', 'mql', 'sql', 'opportunity', 'closed_won', 'demo'] as const;
const WON = 'closed_won';
const LOST = 'closed_lost';

// ---- The per-key derivation: the funnel's code before migration 0014, over the same stored records.

interface CohortKey {
  at: Record<string, number>;
}

class ReferenceTally {
  readonly reached: number[];
  readonly days: number[][];
  won = 0;
  decided = 0;
  constructor(readonly stages: readonly string[]) {
    this.reached = stages.map(() => 0);
    this.days = stages.map(() => []);
  }
  add(key: CohortKey): void {
    let last = 0;
    this.stages.forEach((s, i) => {
      if (key.at[s] !== undefined) last = i;
    });
    for (let i = 0; i <= last; i++) this.reached[i]++;
    for (let i = 1; i < this.stages.length; i++) {
      const before = key.at[this.stages[i - 1]];
      const after = key.at[this.stages[i]];
      if (before !== undefined && after !== undefined) this.days[i].push((after - before) / DAY);
    }
    if (key.at[WON] !== undefined) this.won++;
    if (key.at[WON] !== undefined || key.at[LOST] !== undefined) this.decided++;
  }
  cells() {
    const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);
    const later = this.stages.slice(1);
    return {
      reached: Object.fromEntries(this.stages.map((s, i) => [s, this.reached[i]])),
      rate: Object.fromEntries(later.map((s, i) => [s, ratio(this.reached[i + 1], this.reached[i])])),
      median_days: Object.fromEntries(later.map((s, i) => [s, median(this.days[i + 1])])),
      win_rate: ratio(this.won, this.decided),
    };
  }
}

function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(m * 100) / 100;
}

async function derived(site: TestSite, stages: string[], dim: GroupBy, range: { fromMs: number; toMs: number }) {
  const keys = await rows<{ akey: string; stages: string; first_at: number | null; field: string | null }>(
    `SELECT k.akey, k.stages, f.occurred_at AS first_at, ${dim === 'account' ? 'NULL' : `f.${dim}`} AS field
     FROM key_funnel k LEFT JOIN key_first_touch f ON f.site_id = k.site_id AND f.akey = k.akey WHERE k.site_id = ?1`,
    site.id,
  );
  const totals = new ReferenceTally(stages);
  const groups = new Map<string, ReferenceTally>();
  for (const row of keys) {
    const at = funnelTimes(JSON.parse(row.stages) as KeyFunnelRecord, stages[0]);
    if (!at || at[stages[0]] < range.fromMs || at[stages[0]] > range.toMs) continue;
    const t0 = at[stages[0]];
    const group = row.first_at === null || row.first_at > t0 ? NO_TOUCH : dim === 'account' ? reportedAccount(row.akey) : (row.field ?? NOT_SET);
    if (!groups.has(group)) groups.set(group, new ReferenceTally(stages));
    groups.get(group)!.add({ at });
    totals.add({ at });
  }
  const sorted = [...groups].sort(([ka, a], [kb, b]) => b.reached[0] - a.reached[0] || (ka < kb ? -1 : ka > kb ? 1 : 0));
  return { totals: totals.cells(), rows: sorted.map(([key, t]) => ({ key, ...t.cells() })) };
}

// ---- Generated data.

const ACCOUNTS = Array.from({ length: 36 }, (_, i) => `fm-a${i}.com`);
const PEOPLE = Array.from({ length: 4 }, (_, i) => `fm-p${i}@gmail.com`);
const VISITORS = Array.from({ length: 4 }, (_, i) => `anon-fm-vis-${String(i).padStart(4, '0')}`);
type Who = Record<string, string>;
const whoOf = (n: number): Who => (n < ACCOUNTS.length ? { account_domain: ACCOUNTS[n] } : n < 40 ? { email: PEOPLE[n - 36] } : { anonymous_id: VISITORS[n - 40] });
const someone = () => whoOf(Math.floor(rand() * 44));
const SPAN_DAYS = 420;

let serial = 0;
const id = (kind: string) => `fm-${kind}-${String(serial++).padStart(5, '0')}`;
const conversion = (stage: string, days: number, who: Who, cid = id('cv')) => ({ id: cid, stage, occurred_at: iso(ago(days)), ...who });
const SOURCES: [string, string][] = [
  ['google', 'cpc'],
  ['linkedin', 'paid_social'],
  ['newsletter', 'email'],
  ['g2', 'referral'],
];
function touch(days: number, who: Who) {
  const [source, medium] = pick(SOURCES);
  const t: Record<string, string> = { id: id('t'), occurred_at: iso(ago(days)), touch_type: pick(['ad_click', 'email', 'event', 'webinar', 'call']), ...who };
  if (rand() < 0.8) Object.assign(t, { source, medium });
  if (rand() < 0.5) t.campaign = pick(['brand', 'q3-launch', 'retarget']);
  return t;
}

async function sendAll(site: TestSite, path: '/v1/conversions' | '/v1/touches', items: object[]) {
  const field = path === '/v1/conversions' ? 'conversions' : 'touches';
  for (let i = 0; i < items.length; i += 50) await send(site, path, { [field]: items.slice(i, i + 50) });
}

/** Keys walking some of the stages in order (skipping some), sometimes more than once, some lost. */
function journeys(): ReturnType<typeof conversion>[] {
  const out: ReturnType<typeof conversion>[] = [];
  for (let n = 0; n < 44; n++) {
    const who = whoOf(n);
    for (let deal = 0; deal < 1 + Math.floor(rand() * 2); deal++) {
      let days = 40 + rand() * (SPAN_DAYS - 40);
      for (const stage of STAGES) {
        if (rand() < 0.35) continue;
        out.push(conversion(stage, days, who));
        days -= rand() * 25;
        if (days < 0 || rand() < 0.2) break;
      }
      if (rand() < 0.3) out.push(conversion(LOST, Math.max(0.1, days - rand() * 10), who));
    }
  }
  return out;
}

async function runToDone(site: TestSite) {
  const stored = (await findSiteById(env.DB, site.id))!;
  for (let i = 0; i < 20; i++) {
    const out = await runAttribution(env.DB, stored, { scanOverlapMs: 0 });
    if (out.done) return out;
  }
  throw new Error('the job did not finish');
}

/** Random requests (stage lists, dimensions, ranges as dates or timestamps), each answered as the per-key derivation does. */
async function expectFunnelsDerived(site: TestSite, requests: number) {
  let cohort = 0;
  for (let r = 0; r < requests; r++) {
    const size = 1 + Math.floor(rand() * 5);
    const stages = [...STAGES].sort(() => rand() - 0.5).slice(0, size);
    const dim = pick(GROUP_BY);
    const fromMs = ago(rand() * SPAN_DAYS);
    const toMs = Math.min(NOW + DAY, fromMs + Math.floor(rand() * 366) * DAY + Math.floor(rand() * DAY));
    const asDates = rand() < 0.4;
    const from = asDates ? iso(fromMs).slice(0, 10) : iso(fromMs);
    const to = asDates ? iso(toMs).slice(0, 10) : iso(toMs);
    const answer = await getJson(site, `/v1/funnel?stages=${stages.join(',')}&group_by=${dim}&from=${from}&to=${to}`);
    const expected = await derived(site, stages, dim, parseRange(from, to, Date.now()));
    expect({ totals: answer.totals, rows: answer.rows }, `stages=${stages} group_by=${dim} ${from}..${to}`).toEqual(expected);
    cohort += answer.totals.reached[stages[0]];
  }
  // Not a vacuous comparison: the requests' cohorts hold keys.
  expect(cohort).toBeGreaterThan(requests * 3);
}

const storedMonths = (siteId: string) => rows('SELECT * FROM funnel_months WHERE site_id = ?1 ORDER BY stage, month, part', siteId);

describe('the funnel month rows', () => {
  it('answer as the per-key derivation does through every kind of change, and equal a rebuild from scratch', async () => {
    const site = await createSite('Funnel months');
    const touches = [...Array.from({ length: 44 }, (_, n) => n).flatMap((n) => Array.from({ length: Math.floor(rand() * 3) }, () => touch(rand() * SPAN_DAYS, whoOf(n))))];
    await sendAll(site, '/v1/touches', touches);
    const conversions = journeys();
    await sendAll(site, '/v1/conversions', conversions);
    const first = await runToDone(site);
    expect(first.funnel_months_rebuilt).toBeGreaterThan(10);
    await expectFunnelsDerived(site, 30);

    // Unchanged: a rerun rebuilds no month.
    expect((await runToDone(site)).funnel_months_rebuilt).toBe(0);

    // Conversions move between months, change stage (a lost deal won, a lead turned mql), move to
    // another key; first touches move earlier (some before a key's first lead, some between).
    const moved = Array.from({ length: 10 }, () => pick(conversions)).map((c) => ({ ...c, occurred_at: iso(ago(rand() * SPAN_DAYS)) }));
    const restaged = conversions.filter((c) => c.stage === LOST || c.stage === 'lead').slice(0, 6).map((c) => ({ ...c, stage: c.stage === LOST ? WON : 'mql' }));
    const rekeyed = Array.from({ length: 5 }, () => pick(conversions)).map((c) => {
      const { account_domain: _a, email: _e, anonymous_id: _v, ...rest } = c as Record<string, string>;
      return { ...rest, ...someone() };
    });
    await sendAll(site, '/v1/conversions', [...moved, ...restaged, ...rekeyed]);
    await sendAll(site, '/v1/touches', Array.from({ length: 8 }, () => touch(SPAN_DAYS * (0.5 + rand() / 2), someone())));
    const second = await runToDone(site);
    expect(second.funnel_months_rebuilt).toBeGreaterThan(0);
    await expectFunnelsDerived(site, 30);

    // Erasure: the person's own key leaves its months at once, before any job run.
    const personal = await rows("SELECT akey FROM key_funnel WHERE site_id = ?1 AND akey LIKE '(personal)%'", site.id);
    expect(personal.length).toBeGreaterThan(0);
    const res = await call(`/v1/people?email=${encodeURIComponent(PEOPLE[0])}`, { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(res.status).toBe(200);
    expect(await rows('SELECT stage FROM funnel_months_dirty WHERE site_id = ?1', site.id)).toEqual([]);
    await expectFunnelsDerived(site, 15);
    await runToDone(site);
    await expectFunnelsDerived(site, 15);

    // Every month rebuilt from scratch gives the same rows.
    const kept = await storedMonths(site.id);
    await env.DB.prepare('DELETE FROM funnel_months WHERE site_id = ?1').bind(site.id).run();
    await env.DB.prepare(
      `INSERT INTO funnel_months_dirty (site_id, stage, month, marked_at)
       SELECT DISTINCT k.site_id, j.key, ${monthOfMsSql("j.value ->> '$[0]'")}, 0 FROM key_funnel k, json_each(k.stages) j WHERE k.site_id = ?1`,
    )
      .bind(site.id)
      .run();
    expect((await runToDone(site)).funnel_months_rebuilt).toBeGreaterThan(0);
    expect(await storedMonths(site.id)).toEqual(kept);
  });
});
