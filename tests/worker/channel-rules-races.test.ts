// Channel rules under concurrency: a walk's write never overwrites a row that changed since it was
// read, two saves at once store one rule set (the other answers 409 rules_changed), rows stored with
// the previous rules (touches and spend) are rechecked to the end of the window, and the
// reclassification spends from the same budget as the attribution job, which runs even if it fails.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Budget } from '../../edge/src/attribution/budget';
import { runCron } from '../../edge/src/cron';
import { readChannelRules, touchPage, writeChannelRules, type StoredTouchFields } from '../../edge/src/db/channel-rules';
import { compileRules } from '../../edge/src/ingest/channel-rules';
import { reclassifyFormSessions } from '../../edge/src/ingest/form-channels';
import { recheckSite, touchChanges, writeChanges } from '../../edge/src/ingest/reclassify';
import { findSiteById } from '../../edge/src/db/sites';
import type { WriteSet } from '../../edge/src/db/write-set';
import { call, createSite, errorOf, rows, ORIGIN, type TestSite } from './helpers';
import { adTouch, ago, getJson, iso, runJob, send } from './query-fixtures';

type Rule = { channel: string; when: Record<string, string[]> };
const putRules = (site: TestSite, rules: Rule[]) =>
  call('/v1/channel-rules', { method: 'PUT', headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' }, body: JSON.stringify({ rules }) });

const channelOf = async (siteId: string, touchId: string) =>
  (await rows<{ channel: string }>('SELECT channel FROM touches WHERE site_id = ? AND touch_id = ?', siteId, touchId))[0].channel;

/** A web visit to /demo from g2, stored before any rule: GA4's Referral. */
async function insertDemoVisit(siteId: string, touchId: string) {
  await env.DB.prepare(
    `INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, referrer, url, session_id, account_domain)
     VALUES (?1, ?2, 'web', 'web_visit', ?3, ?3, 'Referral', 'g2.com', 'referral', 'https://g2.com/x', ?4, 'sess-race', 'race.com')`,
  ).bind(siteId, touchId, ago(1), `${ORIGIN}/demo`).run();
}

const DEMO_RULES: Rule[] = [
  { channel: 'Demo Requests', when: { touch_type: ['form_fill'], landing_path: ['/demo*'] } },
  { channel: 'Review Sites', when: { source: ['g2*'] } },
];

describe('a walk racing a form submission', () => {
  // The walk reads a page, then a form turns the visit into form_fill before the walk writes.
  async function raced(formPathReclassified: boolean) {
    const site = await createSite(`Race form ${formPathReclassified}`);
    await insertDemoVisit(site.id, 't-race');
    await writeChannelRules(env.DB, site.id, DEMO_RULES, 0, Date.now()).run();
    const state = (await readChannelRules(env.DB, site.id))!;
    const rules = compileRules(state.rules);
    const { results } = await touchPage(env.DB, site.id, '', 1000).all<StoredTouchFields>();
    const changes = touchChanges(results, rules);
    expect(changes.map((c) => [c.id, c.channel])).toEqual([['t-race', 'Review Sites']]);
    // The form: always the upgrade; the classification too when the form's instance had the rules.
    await env.DB.prepare(`UPDATE touches SET touch_type = 'form_fill' ${formPathReclassified ? ", channel = 'Demo Requests'" : ''} WHERE site_id = ? AND touch_id = 't-race'`)
      .bind(site.id)
      .run();
    const written = await writeChanges(env.DB, site.id, state.version, 'touches', changes, rules, Date.now());
    return { channel: await channelOf(site.id, 't-race'), written };
  }

  it('does not overwrite the channel the form path gave the row', async () => {
    expect(await raced(true)).toEqual({ channel: 'Demo Requests', written: 0 });
  });

  it('classifies a row that changed under it again, as it is now', async () => {
    expect(await raced(false)).toEqual({ channel: 'Demo Requests', written: 1 });
  });
});

describe('a form on an instance that still holds the previous rules', () => {
  it('classifies the form_fill by the stored rules, after the walk passed the visit', async () => {
    const site = await createSite('Race stale form');
    await insertDemoVisit(site.id, 't-stale');
    // The instance's site row: read before the rules existed.
    const stale = (await findSiteById(env.DB, site.id))!;
    expect((await putRules(site, DEMO_RULES)).status).toBe(200);
    expect(await channelOf(site.id, 't-stale')).toBe('Review Sites');
    // The form arrives there: the upgrade, then its reclassification.
    await env.DB.prepare("UPDATE touches SET touch_type = 'form_fill' WHERE site_id = ? AND touch_id = 't-stale'").bind(site.id).run();
    const forms = { forms: [{ session_id: 'sess-race', occurred_at: ago(1) }] } as unknown as WriteSet;
    await reclassifyFormSessions(env.DB, stale, forms, Date.now());
    expect(await channelOf(site.id, 't-stale')).toBe('Demo Requests');
  });
});

describe('two rule saves at once', () => {
  it('the conditional write stores one of them; the other writes nothing, log entry included', async () => {
    const site = await createSite('Race saves db');
    const a = await writeChannelRules(env.DB, site.id, [{ channel: 'A', when: { source: ['a'] } }], 0, 1000).all<{ version: number }>();
    const b = await writeChannelRules(env.DB, site.id, [{ channel: 'B', when: { source: ['b'] } }], 0, 1001).all<{ version: number }>();
    expect([a.results, b.results]).toEqual([[{ version: 1 }], []]);
    const c = await writeChannelRules(env.DB, site.id, [{ channel: 'C', when: { source: ['c'] } }], 1, 1002).all<{ version: number }>();
    const d = await writeChannelRules(env.DB, site.id, [{ channel: 'D', when: { source: ['d'] } }], 1, 1003).all<{ version: number }>();
    expect([c.results, d.results]).toEqual([[{ version: 2 }], []]);
    const stored = (await readChannelRules(env.DB, site.id))!;
    expect([stored.version, stored.rules[0].channel]).toEqual([2, 'C']);
  });

  it('over HTTP: every save answers 200 with its own version or 409 rules_changed, and the log has one entry per 200', async () => {
    const site = await createSite('Race saves http');
    const saves = Array.from({ length: 6 }, (_, i) => [{ channel: `C${i}`, when: { source: [`s${i}`] } }]);
    const answers = await Promise.all(saves.map((rules) => putRules(site, rules)));
    const won: { version: number; rules: Rule[] }[] = [];
    for (const res of answers) {
      expect([200, 409]).toContain(res.status);
      if (res.status === 200) won.push(await res.json());
      else {
        const error = await errorOf(res);
        expect([error.code, error.message]).toEqual(['rules_changed', expect.stringMatching(/changed by another request/)]);
      }
    }
    const versions = won.map((w) => w.version).sort((x, y) => x - y);
    expect(versions).toEqual(versions.map((_, i) => i + 1));
    const stored = await getJson<{ version: number; rules: Rule[] }>(site, '/v1/channel-rules');
    const last = won.find((w) => w.version === stored.version)!;
    expect(stored.rules).toEqual(last.rules);
    const log = await getJson<{ after: { version: number } }[]>(site, '/v1/changes?what=channel_rules');
    expect(log.map((c) => c.after.version).sort((x, y) => x - y)).toEqual(versions);
  });
});

describe('the recheck after a change', () => {
  it('fixes spend stored with the previous rules after the walk passed it', async () => {
    const site = await createSite('Recheck spend');
    expect((await putRules(site, [{ channel: 'Review Sites', when: { source: ['g2'] } }])).status).toBe(200);
    // What an instance still holding the old rules would have stored: GA4's channel.
    const now = Date.now();
    await env.DB.prepare(
      `INSERT INTO spend (site_id, spend_id, first_day, last_day, amount_cents, currency, channel, source, medium, received_at, updated_at)
       VALUES (?1, 'sp-late', ?2, ?2, 1000, 'USD', 'Referral', 'g2', 'referral', ?3, ?3)`,
    ).bind(site.id, Math.floor(ago(2) / 86_400_000), now).run();
    await runJob(site);
    const [s] = await rows<{ channel: string }>("SELECT channel FROM spend WHERE site_id = ? AND spend_id = 'sp-late'", site.id);
    expect(s.channel).toBe('Review Sites');
  });

  it('keeps its place, so a window with more rows than one run reads is checked to its end', async () => {
    const site = await createSite('Recheck cursor');
    expect((await putRules(site, [{ channel: 'Review Sites', when: { source: ['g2'] } }])).status).toBe(200);
    const received = Date.now();
    await env.DB.prepare(
      `WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 2500)
       INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, account_domain)
       SELECT ?1, printf('r-%05d', value), 'offline', 'ad_click', ?2, ?3, 'Referral', 'g2', 'referral', 'late.com' FROM s`,
    ).bind(site.id, ago(1), received).run();
    const moved = async () =>
      (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM touches WHERE site_id = ? AND channel = 'Review Sites'", site.id))[0].n;
    // Two minutes on, so that these rows have settled (edge/src/ingest/reclassify.ts SETTLE_MS).
    const later = received + 120_000;
    expect(await recheckSite(env.DB, site.id, 1000, later)).toBe(1000);
    expect(await moved()).toBe(1000);
    await recheckSite(env.DB, site.id, 1000, later);
    await recheckSite(env.DB, site.id, 1000, later);
    expect(await moved()).toBe(2500);
  });
});

describe('reclassification within the job budget', () => {
  async function bigWalk(name: string) {
    const site = await createSite(name);
    await env.DB.prepare(
      `WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s WHERE value < 2500)
       INSERT INTO touches (site_id, touch_id, origin, touch_type, occurred_at, received_at, channel, source, medium, account_domain)
       SELECT ?1, printf('b-%05d', value), 'offline', 'ad_click', ?2, ?2, 'Referral', 'g2', 'referral', 'big.com' FROM s`,
    ).bind(site.id, ago(3)).run();
    await writeChannelRules(env.DB, site.id, [{ channel: 'Review Sites', when: { source: ['g2'] } }], 0, Date.now()).run();
    return site;
  }

  it('the cron reclassifies only as far as the one budget it shares with the job allows', async () => {
    const site = await bigWalk('Budget cron');
    // Room for one page at most (a page is a read and a write; the budget is spent below 8 queries),
    // whichever site's walk the cron takes first.
    const budget = new Budget(60_000, 11);
    await runCron(env, Date.now(), budget);
    expect(budget.exhausted).toBe(true);
    const state = (await readChannelRules(env.DB, site.id))!;
    expect(state.reclass_phase).toBe('touches');
    const [{ n }] = await rows<{ n: number }>("SELECT COUNT(*) AS n FROM touches WHERE site_id = ? AND channel = 'Review Sites'", site.id);
    expect(n).toBeLessThanOrEqual(1000);
  });

  it('POST /v1/attribution/run credits even when the reclassification fails', async () => {
    const site = await createSite('Reclassify fails');
    await send(site, '/v1/touches', { touches: [adTouch('t-f', 3, 'fail.com', 'google', 'cpc', 'brand')] });
    await send(site, '/v1/conversions', { conversions: [{ id: 'won-f', stage: 'closed_won', occurred_at: iso(ago(1)), account_domain: 'fail.com', amount: 100 }] });
    // A rule set the walk cannot compile (stored by hand: the API would refuse it).
    await env.DB.prepare(
      `INSERT INTO channel_rules (site_id, version, rules, updated_at, reclass_phase, reclass_cursor) VALUES (?1, 1, '[{"channel":"X","when":null}]', ?2, 'touches', '')`,
    ).bind(site.id, Date.now()).run();
    const result = await runJob(site);
    expect(result.done).toBe(true);
    const credit = await getJson<{ rows: { key: string; conversions: number }[] }>(site, '/v1/credit?group_by=channel&model=linear');
    expect(credit.rows.map((r) => [r.key, r.conversions])).toEqual([['Paid Search', 1]]);
  });
});
