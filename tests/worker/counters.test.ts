// The daily counters behind /v1/quality are written in the request's own D1 batch (one round trip):
// they must agree, per request and endpoint, with the {accepted, duplicates, rejected} answers.
import { describe, expect, it } from 'vitest';
import { batch, BROWSER_UA, createSite, ORIGIN, pageEvent, postEvents, postServer, rows, uid, type TestSite } from './helpers';

type Answer = { accepted: number; duplicates: number; rejected: { code: string }[] };

async function counters(site: TestSite): Promise<Record<string, number>> {
  const list = await rows<{ metric: string; n: number }>('SELECT metric, SUM(n) AS n FROM site_counters WHERE site_id = ? GROUP BY metric', site.id);
  return Object.fromEntries(list.map((r) => [r.metric, r.n]));
}

/** Adds each answer to the totals it should have counted under `kind`. */
function tally(totals: Record<string, number>, kind: string, a: Answer): void {
  const bots = a.rejected.filter((r) => r.code === 'bot').length;
  const add = (k: string, n: number) => {
    if (n > 0) totals[k] = (totals[k] ?? 0) + n;
  };
  add(kind, a.accepted);
  add('duplicates', a.duplicates);
  add('rejected', a.rejected.length - bots);
  add('bots', bots);
}

describe('site counters', () => {
  it('agree with every answer: new, repeated within a request, resent, invalid, bots, on each endpoint', async () => {
    const site = await createSite('Counters');
    const expected: Record<string, number> = {};
    const s = uid('s');
    const twice = pageEvent(s, `${ORIGIN}/`, { l: 1 });
    const b = batch(site.public_key, [twice, twice, pageEvent(s, `${ORIGIN}/a`), { y: 'page', i: 'bad id!' }]);
    for (const [body, headers] of [
      [b, {}],
      [b, {}], // resent: all duplicates
      [batch(site.public_key, [{ y: 'nope' }]), {}], // nothing valid: counters alone
      [b, { 'user-agent': BROWSER_UA.replace('Chrome/', 'HeadlessChrome/') }],
    ] as const) {
      const res = await postEvents(body, headers);
      expect(res.status).toBe(200);
      tally(expected, 'events', (await res.json()) as Answer);
    }

    const msg = { messageId: uid('m'), anonymousId: 'anon-counters-1', properties: { url: `${ORIGIN}/x` } };
    for (const batchOf of [[msg, msg, { type: 'page' }], [msg]]) {
      const res = await postServer('/v1/batch', site.secret_key, { batch: batchOf.map((m) => ({ type: 'page', ...m })) });
      tally(expected, 'events', (await res.json()) as Answer);
    }

    const touch = { id: uid('t'), occurred_at: '2026-10-01T00:00:00Z', touch_type: 'meeting', account_domain: 'counters.com' };
    for (const touches of [[touch, touch, { ...touch, id: uid('t'), touch_type: 'nope' }], [touch]]) {
      const res = await postServer('/v1/touches', site.secret_key, { touches });
      tally(expected, 'touches', (await res.json()) as Answer);
    }

    const conv = { id: uid('c'), stage: 'lead', occurred_at: '2026-10-02T00:00:00Z', account_domain: 'counters.com' };
    // Unchanged resend = duplicate; changed = accepted again (an update).
    // One id twice in one request, with different fields: the last wins, the other is a duplicate.
    const twiceConv = { ...conv, id: uid('c') };
    for (const conversions of [[conv, { ...conv, id: uid('c'), amount: -1 }], [conv], [{ ...conv, stage: 'opportunity' }], [twiceConv, { ...twiceConv, stage: 'mql' }]]) {
      const res = await postServer('/v1/conversions', site.secret_key, { conversions });
      tally(expected, 'conversions', (await res.json()) as Answer);
    }

    // Every kind was exercised, so the comparison below is not vacuous.
    expect(Object.keys(expected).sort()).toEqual(['bots', 'conversions', 'duplicates', 'events', 'rejected', 'touches']);
    expect(await counters(site)).toEqual(expected);
  });
});
