// Shared data and calls for the query API tests: a small B2B history with hand-computable credit.
import { flatCredit, type FlatCredit } from './credit-rows';
import { env } from 'cloudflare:test';
import { expect } from 'vitest';
import type { RunResult } from '../../edge/src/attribution/job';
import { call, errorOf, rows, type TestSite, sendAccepted } from './helpers';

export const DAY = 86_400_000;
/** Noon UTC yesterday: every conversion below lands well inside the default range (last 90 days). */
export const NOW = Math.floor(Date.now() / DAY) * DAY - DAY / 2;
export const ago = (days: number) => NOW - Math.round(days * DAY);
export const iso = (ms: number) => new Date(ms).toISOString();

/** Every item accepted (helpers.ts); re-exported so query tests import their fixtures from one place. */
export const send = sendAccepted;

export async function runJob(site: TestSite, query = ''): Promise<RunResult> {
  const res = await call(`/v1/attribution/run${query}`, { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
  expect(res.status).toBe(200);
  const out = (await res.json()) as RunResult;
  expect(out.done).toBe(true);
  return out;
}

export function get(site: TestSite, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, { headers: { authorization: `Bearer ${site.secret_key}`, ...headers } });
}

export async function getJson<T = any>(site: TestSite, path: string): Promise<T> {
  const res = await get(site, path);
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
}

export function patchSettings(site: TestSite, settings: Record<string, unknown>) {
  return call(`/admin/sites/${site.id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ settings }),
  });
}

/** An offline ad touch of an account at `days` before NOW, classified from its source and medium. */
export const adTouch = (id: string, days: number, domain: string, source: string, medium: string, campaign: string) => ({
  id,
  occurred_at: iso(ago(days)),
  touch_type: 'ad_click',
  account_domain: domain,
  source,
  medium,
  campaign,
});

/** A GET that must answer 400 with `code`, its message matching `message`. */
export async function expect400(site: TestSite, path: string, code: string, message: RegExp) {
  const res = await get(site, path);
  const error = await errorOf(res);
  expect([res.status, error.code], `${path}: ${error.message}`).toEqual([400, code]);
  expect(error.message).toMatch(message);
}

/** A campaign name that needs CSV quoting. */
export const QUOTED_CAMPAIGN = 'spring, "big" sale';

/**
 * Closed-won (site window 90 days), linear, by channel:
 *   aaa.com  $1,000 at −1 d: webinar −30 d (Events), Google CPC page −25 d (Paid Search, an anonymous
 *            visitor identified as a1@aaa.com), direct mail −10 d → 333.34 / 333.33 / 333.33
 *   bbb.com  $500 at −1.5 d: event −5 d (Events)
 *   pat@gmail.com $50 at −2.2 d: webinar −8 d (Events), account "(personal)"
 *   ccc.com  $200 at −3.7 d: no touch at all → "(no touch)"
 *   ddd.com  $300 at −1.2 d: one meeting at −120 d, outside 90 days → "(no touch)" (credited with a 150-day window)
 * Also: aaa lead −20 d, an anonymous visitor's lead −3 d, bbb closed_lost (never credited), bbb demo_booked (a custom stage).
 */
export async function seedScenario(site: TestSite) {
  await send(site, '/v1/touches', {
    touches: [
      { id: 't-aaa-webinar', occurred_at: ago(30), touch_type: 'webinar', email: 'a1@aaa.com' },
      { id: 't-aaa-mailer1', occurred_at: ago(10), touch_type: 'direct_mail', account_domain: 'aaa.com' },
      { id: 't-bbb-event01', occurred_at: ago(5), touch_type: 'event', account_domain: 'bbb.com' },
      { id: 't-pat-webinar', occurred_at: ago(8), touch_type: 'webinar', email: 'pat@gmail.com' },
      { id: 't-ddd-meeting', occurred_at: ago(120), touch_type: 'meeting', account_domain: 'ddd.com' },
    ],
  });
  // Segment names the campaign `name`; the ingest reads `campaign` (reported as a Segment mapping gap), so both are sent.
  const page = (messageId: string, anonymousId: string, days: number, campaign: Record<string, string>) => ({
    messageId,
    anonymousId,
    timestamp: iso(ago(days)),
    context: { campaign: { ...campaign, campaign: campaign.name }, page: { url: 'https://www.acme-site.test/pricing' } },
  });
  await send(site, '/v1/page', page('msg-aaa-page01', 'anon-aaa-0001', 25, { source: 'google', medium: 'cpc', name: QUOTED_CAMPAIGN }));
  await send(site, '/v1/identify', { messageId: 'msg-aaa-ident1', anonymousId: 'anon-aaa-0001', traits: { email: 'a1@aaa.com' } });
  await send(site, '/v1/page', page('msg-anon-page1', 'anon-lone-0001', 6, { source: 'bing', medium: 'cpc', name: '=cmd|calc' }));
  await send(site, '/v1/conversions', {
    conversions: [
      { id: 'conv-aaa-won01', stage: 'closed_won', occurred_at: ago(1), account_domain: 'aaa.com', amount: 1000 },
      { id: 'conv-aaa-lead1', stage: 'lead', occurred_at: ago(20), email: 'a1@aaa.com' },
      { id: 'conv-bbb-won01', stage: 'closed_won', occurred_at: ago(1.5), account_domain: 'bbb.com', amount: 500 },
      { id: 'conv-bbb-lost1', stage: 'closed_lost', occurred_at: ago(2), account_domain: 'bbb.com', amount: 999 },
      { id: 'conv-bbb-demo1', stage: 'demo_booked', occurred_at: ago(2), account_domain: 'bbb.com' },
      { id: 'conv-pat-won01', stage: 'closed_won', occurred_at: ago(2.2), email: 'pat@gmail.com', amount: 50 },
      { id: 'conv-ccc-won01', stage: 'closed_won', occurred_at: ago(3.7), email: 'nobody@ccc.com', amount: 200 },
      { id: 'conv-ddd-won01', stage: 'closed_won', occurred_at: ago(1.2), account_domain: 'ddd.com', amount: 300 },
      { id: 'conv-anon-lead', stage: 'lead', occurred_at: ago(3), anonymous_id: 'anon-lone-0001' },
    ],
  });
}

export interface Row {
  key: string;
  conversions: number;
  revenue: number;
  touches: number;
}

/** Σ rows equals the totals: conversions to the 4th decimal, revenue to the cent. */
export function expectReconciled(report: { totals: { conversions: number; revenue: number }; rows: Row[] }) {
  const sum = (f: (r: Row) => number, scale: number) => report.rows.reduce((n, r) => n + Math.round(f(r) * scale), 0);
  expect(sum((r) => r.conversions, 10_000)).toBe(Math.round(report.totals.conversions * 10_000));
  expect(sum((r) => r.revenue, 100)).toBe(Math.round(report.totals.revenue * 100));
}

const DIMS = ['channel', 'source', 'medium', 'campaign', 'content', 'term', 'touch_type', 'account'] as const;
const keyOf = (r: FlatCredit, dim: string) => (dim === 'account' ? r.account_domain : (r[dim as Exclude<(typeof DIMS)[number], 'account'>] ?? '(not set)'));

/** Ground truth from the stored credit, row by row: the report's groups for a stage and time range. */
export async function creditTruth(site: TestSite, model: string, stage: string, dim: string, fromMs: number, toMs: number) {
  const groups = new Map<string, { key: string; units: number; cents: number; touches: number }>();
  for (const r of await flatCredit(site.id, { model })) {
    if (r.stage !== stage || r.converted_at < fromMs || r.converted_at > toMs) continue;
    const key = keyOf(r, dim);
    const g = groups.get(key) ?? { key, units: 0, cents: 0, touches: 0 };
    g.units += r.weight_units;
    g.cents += r.revenue_cents;
    g.touches += r.touch_id === '' ? 0 : 1;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/** The rollup as the job left it, against the same sums added up from the stored credit row by row. */
export async function expectRollupInStep(site: TestSite) {
  const stored = new Map<string, Record<string, number[]>>();
  const months = new Map<string, Record<string, number[]>>();
  for (const r of await rows<{ stage: string; dim: string; grain: string; day: number; sums: string }>(
    'SELECT stage, dim, grain, day, sums FROM credit_sums WHERE site_id = ?',
    site.id,
  )) {
    // {"k": [keys], "<model>": [units, cents, touches, … per key]}: a model's 0,0,0 is no entry of that key.
    const { k: keys, ...byModel } = JSON.parse(r.sums) as Record<string, (number | string)[]>;
    const into = r.grain === 'day' ? stored : months;
    keys.forEach((key, i) => {
      const id = `${r.stage}|${r.dim}|${r.day}|${key}`;
      for (const [model, values] of Object.entries(byModel)) {
        const triple = values.slice(3 * i, 3 * i + 3).map(Number);
        if (triple.some((x) => x !== 0)) into.set(id, { ...into.get(id), [model]: triple });
      }
    });
  }
  const fresh = new Map<string, Record<string, number[]>>();
  const credit = await flatCredit(site.id);
  for (const r of credit) {
    for (const dim of DIMS) {
      const id = `${r.stage}|${dim}|${Math.floor(r.converted_at / 86_400_000)}|${keyOf(r, dim)}`;
      const sums = fresh.get(id) ?? {};
      // The account row holds each conversion whole: its units and cents, and how many touches it credited.
      const s = (sums[r.model] ??= [0, 0, 0]);
      s[0] += r.weight_units;
      s[1] += r.revenue_cents;
      s[2] += r.touch_id === '' ? 0 : 1;
      fresh.set(id, sums);
    }
  }
  // What each key influenced: [conversions, their whole cents, touches]. Linear credits every window
  // touch, so its rows of a conversion are the conversion's window ("(no touch)" counts no touch).
  const windows = new Map<string, FlatCredit[]>();
  for (const r of credit) if (r.model === 'linear') windows.set(r.conversion_id, [...(windows.get(r.conversion_id) ?? []), r]);
  for (const touches of windows.values()) {
    const cents = touches.reduce((n, r) => n + r.revenue_cents, 0);
    for (const dim of DIMS) {
      const counts = new Map<string, number>();
      for (const r of touches) counts.set(keyOf(r, dim), (counts.get(keyOf(r, dim)) ?? 0) + (r.touch_id === '' ? 0 : 1));
      for (const [key, n] of counts) {
        const id = `${touches[0].stage}|${dim}|${Math.floor(touches[0].converted_at / 86_400_000)}|${key}`;
        const s = (fresh.get(id)!['(influenced)'] ??= [0, 0, 0]);
        s[0] += 1;
        s[1] += cents;
        s[2] += n;
      }
    }
  }
  expect(Object.fromEntries([...stored].sort())).toEqual(Object.fromEntries([...fresh].sort()));
  // Month rows hold the sums of their days.
  const byMonth = new Map<string, Record<string, number[]>>();
  for (const [id, sums] of stored) {
    const [stage, dim, day, ...key] = id.split('|');
    const d = new Date(Number(day) * 86_400_000);
    const id2 = `${stage}|${dim}|${Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) / 86_400_000}|${key.join('|')}`;
    const m = byMonth.get(id2) ?? {};
    for (const [model, v] of Object.entries(sums)) m[model] = (m[model] ?? [0, 0, 0]).map((x, i) => x + v[i]);
    byMonth.set(id2, m);
  }
  expect(Object.fromEntries([...months].sort())).toEqual(Object.fromEntries([...byMonth].sort()));
  expect(await rows('SELECT * FROM credit_rollup_dirty WHERE site_id = ?', site.id)).toEqual([]);
  return stored.size;
}
