// The funnel's per-key records (key_funnel, key_funnel_lost) as the job keeps them: after every kind
// of change they equal what the conversions say now, derived live as the funnel once did, and an
// unchanged rerun writes none of them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONVERSION_AKEY_SQL } from '../../schemas/akey';
import { keyFunnelRecord } from '../../schemas/key-funnel';
import { env } from 'cloudflare:test';
import { runAttribution } from '../../edge/src/attribution/job';
import { findSiteById } from '../../edge/src/db/sites';
import { call, createSite, rows, type TestSite } from './helpers';
import { ago, getJson, iso, send } from './query-fixtures';

const TABLES = ['key_funnel', 'key_funnel_lost'];

/** Every write to the two tables, logged per site by triggers (dropped after the file). */
beforeAll(async () => {
  await env.DB.prepare('CREATE TABLE IF NOT EXISTS test_funnel_writes (site_id TEXT NOT NULL, tbl TEXT NOT NULL)').run();
  for (const tbl of TABLES) {
    for (const [op, row] of [['INSERT', 'NEW'], ['UPDATE', 'NEW'], ['DELETE', 'OLD']]) {
      await env.DB.prepare(
        `CREATE TRIGGER IF NOT EXISTS test_${tbl}_${op.toLowerCase()} AFTER ${op} ON ${tbl}
         BEGIN INSERT INTO test_funnel_writes (site_id, tbl) VALUES (${row}.site_id, '${tbl}'); END`,
      ).run();
    }
  }
});
afterAll(async () => {
  for (const tbl of TABLES) for (const op of ['insert', 'update', 'delete']) await env.DB.prepare(`DROP TRIGGER IF EXISTS test_${tbl}_${op}`).run();
  await env.DB.prepare('DROP TABLE IF EXISTS test_funnel_writes').run();
});

/**
 * A run in-process without the 2-minute rescan overlap, which would queue again every key whose data
 * was just sent: only the keys the scans and the chunks queue are recomputed, as in production.
 */
async function runJob(site: TestSite, query = '') {
  const out = await runAttribution(env.DB, (await findSiteById(env.DB, site.id))!, { full: query === '?full=true', scanOverlapMs: 0 });
  expect(out.done).toBe(true);
  return out;
}

async function writes(site: TestSite): Promise<number> {
  const [{ n }] = await rows<{ n: number }>('SELECT COUNT(*) AS n FROM test_funnel_writes WHERE site_id = ?1', site.id);
  return n;
}

/** What the records must be now: every conversion's key derived live, as the funnel's query once did. */
async function expectRecordsLive(site: TestSite) {
  const live = await rows<{ akey: string; stage: string; at: number; conversion_id: string }>(
    `SELECT ${CONVERSION_AKEY_SQL} AS akey, cv.stage, cv.occurred_at AS at, cv.conversion_id FROM conversions cv WHERE cv.site_id = ?1`,
    site.id,
  );
  const byKey = new Map<string, { stage: string; at: number }[]>();
  for (const c of live) byKey.set(c.akey, [...(byKey.get(c.akey) ?? []), c]);
  const expected = [...byKey].map(([akey, list]) => ({ akey, stages: keyFunnelRecord(list) })).sort((a, b) => (a.akey < b.akey ? -1 : 1));
  expect(await rows('SELECT akey, stages FROM key_funnel WHERE site_id = ?1 ORDER BY akey', site.id)).toEqual(expected);
  const lost = live.filter((c) => c.stage === 'closed_lost').map((c) => ({ conversion_id: c.conversion_id, akey: c.akey }));
  lost.sort((a, b) => (a.conversion_id < b.conversion_id ? -1 : 1));
  expect(await rows('SELECT conversion_id, akey FROM key_funnel_lost WHERE site_id = ?1 ORDER BY conversion_id', site.id)).toEqual(lost);
  return new Map(expected.map((r) => [r.akey, r.stages]));
}

const cv = (id: string, stage: string, days: number, who: Record<string, string>) => ({ id, stage, occurred_at: iso(ago(days)), ...who });
type Row = { key: string; reached: Record<string, number>; win_rate: number | null };
const accounts = async (site: TestSite, stages = 'lead,opportunity,closed_won') =>
  ((await getJson(site, `/v1/funnel?stages=${stages}&group_by=account`)).rows as Row[]).map((r) => [r.key, r.reached, r.win_rate]);

describe('the funnel records the job keeps', () => {
  it('follow a visitor identified later, a resent conversion, keys emptied and lost deals; an unchanged rerun writes none', async () => {
    const site = await createSite('Funnel store');
    // A visitor with a lead and a lost deal, later identified as a contact of b2.com; b2.com itself
    // has a touch and no conversion yet. n1.com has conversions and no touch at all.
    await send(site, '/v1/page', {
      messageId: 'fs-page-v1-001',
      anonymousId: 'anon-fs-v1-0001',
      timestamp: iso(ago(20)),
      context: { campaign: { source: 'google', medium: 'cpc', name: 'x' }, page: { url: 'https://www.acme-site.test/' } },
    });
    await send(site, '/v1/touches', { touches: [{ id: 'fs-b2-event1', occurred_at: iso(ago(30)), touch_type: 'event', account_domain: 'b2.com' }] });
    await send(site, '/v1/conversions', {
      conversions: [
        cv('fs-v1-lead-1', 'lead', 10, { anonymous_id: 'anon-fs-v1-0001' }),
        cv('fs-v1-lost-1', 'closed_lost', 5, { anonymous_id: 'anon-fs-v1-0001' }),
        cv('fs-n1-lead-1', 'lead', 12, { account_domain: 'n1.com' }),
        cv('fs-n1-won-01', 'closed_won', 4, { account_domain: 'n1.com' }),
        cv('fs-d1-lead-1', 'lead', 15, { account_domain: 'd1.com' }),
        cv('fs-d1-lost-1', 'closed_lost', 3, { account_domain: 'd1.com' }),
        cv('fs-m1-lead-1', 'lead', 14, { account_domain: 'm1.com' }),
      ],
    });
    await runJob(site);
    let records = await expectRecordsLive(site);
    expect(records.get('n1.com')).toBe(`{"closed_won":[${ago(4)}],"lead":[${ago(12)}]}`);
    expect(await rows("SELECT akey FROM key_first_touch WHERE site_id = ?1 AND akey = 'n1.com'", site.id)).toEqual([]);
    expect(await accounts(site)).toEqual([
      ['(no touch)', { lead: 3, opportunity: 1, closed_won: 1 }, 0.5], // d1 (lost), m1, n1 (won, no touch at all)
      ['(anonymous)', { lead: 1, opportunity: 0, closed_won: 0 }, 0],
    ]);

    // An unchanged rerun, incremental and full (which recomputes every key), writes no record.
    let before = await writes(site);
    expect(before).toBeGreaterThan(0);
    await runJob(site);
    expect((await runJob(site, '?full=true')).accounts_recomputed).toBe(4); // the visitor, d1, m1, n1
    expect(await writes(site)).toBe(before);

    // The visitor is identified as a contact of b2.com: its lead and lost deal move there, and its
    // own record goes. d1's lost deal is resent under d2.com (a closed_lost leaving a key that keeps
    // a lead: no credit tells the scan where it was). m1's lead is resent as an opportunity, a day later.
    await send(site, '/v1/identify', { messageId: 'fs-ident-v1-01', anonymousId: 'anon-fs-v1-0001', traits: { email: 'vi@b2.com' } });
    await send(site, '/v1/conversions', {
      conversions: [cv('fs-d1-lost-1', 'closed_lost', 3, { account_domain: 'd2.com' }), cv('fs-m1-lead-1', 'opportunity', 13, { account_domain: 'm1.com' })],
    });
    await runJob(site);
    records = await expectRecordsLive(site);
    expect([...records.keys()].filter((k) => k.startsWith('(visitor)'))).toEqual([]);
    expect(records.get('b2.com')).toBe(`{"closed_lost":[${ago(5)}],"lead":[${ago(10)}]}`);
    expect(records.get('d1.com')).toBe(`{"lead":[${ago(15)}]}`);
    expect(records.get('m1.com')).toBe(`{"opportunity":[${ago(13)}]}`);
    expect(await accounts(site)).toEqual([
      ['(no touch)', { lead: 2, opportunity: 1, closed_won: 1 }, 1], // d1 (its lost deal left), n1 won
      ['b2.com', { lead: 1, opportunity: 0, closed_won: 0 }, 0], // grouped by b2's event, lost
    ]);
    expect(await accounts(site, 'opportunity,closed_won')).toEqual([['(no touch)', { opportunity: 1, closed_won: 0 }, null]]);

    // Every conversion of n1 moves to n9-corp: n1's record goes.
    await send(site, '/v1/conversions', {
      conversions: [cv('fs-n1-lead-1', 'lead', 12, { account_domain: 'n9-corp.com' }), cv('fs-n1-won-01', 'closed_won', 4, { account_domain: 'n9-corp.com' })],
    });
    await runJob(site);
    records = await expectRecordsLive(site);
    expect(records.has('n1.com')).toBe(false);
    expect(records.get('n9-corp.com')).toBe(`{"closed_won":[${ago(4)}],"lead":[${ago(12)}]}`);

    // Unchanged again: nothing written.
    before = await writes(site);
    await runJob(site);
    await runJob(site, '?full=true');
    expect(await writes(site)).toBe(before);
  });

  it("follow a contact whose account changes, and a lost deal's stage change", async () => {
    const site = await createSite('Funnel store contacts');
    await send(site, '/v1/conversions', {
      conversions: [
        cv('fc-max-lead1', 'lead', 20, { email: 'max@x1.com' }),
        cv('fc-max-lost1', 'closed_lost', 6, { email: 'max@x1.com' }),
        cv('fc-x1-opp-01', 'opportunity', 8, { account_domain: 'x1.com' }),
      ],
    });
    await runJob(site);
    expect((await expectRecordsLive(site)).get('x1.com')).toBe(`{"closed_lost":[${ago(6)}],"lead":[${ago(20)}],"opportunity":[${ago(8)}]}`);

    // An explicit account moves max (and his lead and lost deal) from x1.com to x2.com.
    await send(site, '/v1/touches', { touches: [{ id: 'fc-max-call01', occurred_at: iso(ago(2)), touch_type: 'call', email: 'max@x1.com', account_domain: 'x2.com' }] });
    await runJob(site);
    let records = await expectRecordsLive(site);
    expect(records.get('x1.com')).toBe(`{"opportunity":[${ago(8)}]}`);
    expect(records.get('x2.com')).toBe(`{"closed_lost":[${ago(6)}],"lead":[${ago(20)}]}`);

    // The lost deal turns out won: its filing goes, the win rate follows.
    await send(site, '/v1/conversions', { conversions: [cv('fc-max-lost1', 'closed_won', 6, { email: 'max@x1.com' })] });
    await runJob(site);
    records = await expectRecordsLive(site);
    expect(records.get('x2.com')).toBe(`{"closed_won":[${ago(6)}],"lead":[${ago(20)}]}`);
    // x2.com's only touch (the call) comes after its lead.
    expect(await accounts(site)).toEqual([['(no touch)', { lead: 1, opportunity: 1, closed_won: 1 }, 1]]);
  });

  it("erasure removes the record and lost-deal filings of the person's own key", async () => {
    const site = await createSite('Funnel store erasure');
    await send(site, '/v1/conversions', {
      conversions: [cv('fe-sam-lead-1', 'lead', 9, { email: 'sam@gmail.com' }), cv('fe-sam-lost-1', 'closed_lost', 3, { email: 'sam@gmail.com' })],
    });
    await runJob(site);
    const personal = () => rows("SELECT akey FROM key_funnel WHERE site_id = ?1 AND akey LIKE '(personal)%' UNION ALL SELECT akey FROM key_funnel_lost WHERE site_id = ?1 AND akey LIKE '(personal)%'", site.id);
    expect(await personal()).toHaveLength(2);
    const res = await call('/v1/people?email=sam%40gmail.com', { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(res.status).toBe(200);
    expect(await personal()).toEqual([]);
    // The conversions now resolve to nobody: each its own "(none)" key, kept by the next run.
    await runJob(site);
    await expectRecordsLive(site);
    expect(await accounts(site, 'lead')).toEqual([['(no touch)', { lead: 1 }, null]]);
  });
});
