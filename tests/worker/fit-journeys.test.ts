// The fit reads converting journeys from stored credit and non-converting ones from each key's last
// window of touches only (attribution/fit.ts). Checked against the definition, keyJourneys over every
// key's whole history, on random stitched histories with conversions of several stages; and again
// after credit rows lose their stored journeys (rows from before migration 0016, or rewritten by older
// code) or are split into parts, which the fit then reads part by part or from the payload.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { loadJourneyTouches } from '../../edge/src/attribution/load';
import { REGISTRY, type Journey } from '../../edge/src/attribution/models';
import { keyJourneys, type JourneyConversion } from '../../edge/src/attribution/models/journeys';
import { creditChunk } from '../../edge/src/attribution/chunk';
import { Budget, runAttribution, settingsHash } from '../../edge/src/attribution/job';
import { writeCredit } from '../../edge/src/db/credit';
import { conversionKeys } from '../../edge/src/db/fits';
import { D1Meter } from '../../edge/src/db/meter';
import { readDirty, type DirtyKey } from '../../edge/src/db/queue';
import type { TailsEra } from '../../edge/src/db/tails';
import { findSiteById } from '../../edge/src/db/sites';
import { formatAkey } from '../../schemas/akey';
import { decodeCredit, encodeCreditParts, encodeJourney } from '../../schemas/credit';
import { prng } from '../unit/helpers/journeys';
import { call, createSite, rows, sendAccepted as send, type TestSite } from './helpers';
import { runJob } from './query-fixtures';
import { DAY, NOW, randomHistory } from './random-history';

const iso = (ms: number) => new Date(ms).toISOString();
const WINDOW_DAYS = 90;

/** Every key of the site (accounts, free-mail contacts, lone visitors) with its whole history. */
async function wholeHistories(site: TestSite, fittedAt: number) {
  const accounts = await rows<{ id: string }>('SELECT domain AS id FROM accounts WHERE site_id = ?1', site.id);
  const personal = await rows<{ id: string }>('SELECT contact_id AS id FROM contacts WHERE site_id = ?1 AND account_domain IS NULL', site.id);
  const lone = await rows<{ id: string }>(
    `SELECT DISTINCT visitor_id AS id FROM touches t WHERE site_id = ?1 AND visitor_id IS NOT NULL AND contact_id IS NULL AND account_domain IS NULL
       AND NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.site_id = ?1 AND l.visitor_id = t.visitor_id)`,
    site.id,
  );
  const keys = [
    ...accounts.map((r) => formatAkey({ kind: 'account', domain: r.id })),
    ...personal.map((r) => formatAkey({ kind: 'personal', contactId: r.id })),
    ...lone.map((r) => formatAkey({ kind: 'visitor', visitorId: r.id })),
  ];
  const touches = await loadJourneyTouches(new D1Meter(env.DB), site.id, new Map(keys.map((k) => [k, { from: Number.MIN_SAFE_INTEGER, to: fittedAt }])));
  const conversions = (await conversionKeys(env.DB, site.id).all<JourneyConversion & { akey: string }>()).results;
  return { keys, touches, conversions };
}

/** Each stage's fit as the definition gives it: keyJourneys of every key, then every model's fit. */
async function expectedFits(site: TestSite, fittedAt: number) {
  const { keys, touches, conversions } = await wholeHistories(site, fittedAt);
  const stages = [...new Set(conversions.map((c) => c.stage))].filter((s) => s !== 'closed_lost').sort();
  return stages.map((stage) => {
    const journeys: Journey[] = keys.flatMap((akey) =>
      keyJourneys({ touches: touches.get(akey) ?? [], conversions: conversions.filter((c) => c.akey === akey) }, { stage, windowDays: WINDOW_DAYS, fittedAt }),
    );
    const fit = Object.fromEntries(REGISTRY.filter((m) => m.fit).map((m) => [m.name, m.fit!(journeys)]));
    const converting = journeys.filter((j) => j.converted).length;
    return { stage, converting, non_converting: journeys.length - converting, fit };
  });
}

async function storedFits(site: TestSite) {
  const stored = await rows<{ stage: string; fitted_at: number; converting: number; non_converting: number; fit: string }>(
    'SELECT stage, fitted_at, converting, non_converting, fit FROM model_fits WHERE site_id = ?1 ORDER BY stage',
    site.id,
  );
  return { fittedAt: stored[0].fitted_at, fits: stored.map(({ stage, converting, non_converting, fit }) => ({ stage, converting, non_converting, fit: JSON.parse(fit) })) };
}

/**
 * A run that fits again, scanning only what is new since the last run: no overlap, so that the keys
 * it recomputes are exactly those the changes mark (every row here was committed before it scans).
 */
const refit = async (site: TestSite) => runAttribution(env.DB, (await findSiteById(env.DB, site.id))!, { refit: true, scanOverlapMs: 0 });

describe('the journeys a fit learns from', () => {
  it('are those of every key’s whole history, read from stored credit and each key’s last window', async () => {
    const site = await createSite();
    const rand = prng(23);
    const touches = randomHistory(rand, 400);
    for (let i = 0; i < touches.length; i += 150) await send(site, '/v1/touches', { touches: touches.slice(i, i + 150) });
    const stages = ['lead', 'opportunity', 'closed_won'];
    const who = [{ account_domain: 'a.test' }, { account_domain: 'b.test' }, { email: 'p1@c.test' }, { email: 'free2@gmail.com' }, { anonymous_id: 'lone-5' }, { account_domain: 'd.test' }];
    const conversions = Array.from({ length: 24 }, (_, i) => ({
      id: `cv-${i}`,
      stage: stages[i % 3],
      // Some older than the fit's year, one in the future of none: all within 400 days.
      occurred_at: iso(NOW - Math.floor(rand() * 400) * DAY - Math.floor(rand() * 24) * 3_600_000),
      ...(i % 3 === 2 ? { amount: 1000 + i, currency: 'USD', opportunity_id: `opp-${i}` } : {}),
      ...who[i % who.length],
    }));
    await send(site, '/v1/conversions', { conversions });
    expect(await runJob(site)).toMatchObject({ refitted: true, done: true });

    const first = await storedFits(site);
    const expected = await expectedFits(site, first.fittedAt);
    expect(expected.map((f) => f.stage)).toEqual(stages.slice().sort());
    for (const f of expected) expect(f.converting).toBeGreaterThan(0);
    expect(first.fits).toEqual(expected);

    // Credit rows without a stored journey (before migration 0016), or whose payload older code
    // rewrote (the journey's hash no longer matches), and a conversion split into parts.
    await env.DB.prepare("UPDATE credit SET journey = NULL, journey_hash = NULL WHERE site_id = ?1 AND conversion_id IN ('cv-0', 'cv-4', 'cv-7', 'cv-11')").bind(site.id).run();
    await env.DB.prepare("UPDATE credit SET journey_hash = journey_hash + 1 WHERE site_id = ?1 AND conversion_id IN ('cv-2', 'cv-9')").bind(site.id).run();
    const [split] = await rows<{ conversion_id: string; akey: string; stage: string; converted_at: number; amount_cents: number; window_touches: number; payload_hash: number; payload: string }>(
      "SELECT conversion_id, akey, stage, converted_at, amount_cents, window_touches, payload_hash, payload FROM credit WHERE site_id = ?1 AND part = 0 AND window_touches >= 3 AND converted_at >= ?2 ORDER BY window_touches DESC LIMIT 1",
      site.id,
      NOW - 300 * DAY,
    );
    const payload = decodeCredit([split.payload]);
    const parts = encodeCreditParts(payload, 200);
    expect(parts.length).toBeGreaterThan(1);
    let next = 0;
    const journeys = parts.map((p) => encodeJourney(payload.touches.slice(next, (next += p.touches)).map((t) => t.fields.channel ?? '')));
    await env.DB.batch(writeCredit(env.DB, site.id, [{ ...split, parts: parts.map((p) => p.payload), journeys, hash: split.payload_hash }], Date.now()));

    expect(await runJob(site, '?refit=true')).toMatchObject({ refitted: true, done: true });
    const again = await storedFits(site);
    expect(again.fittedAt).toBeGreaterThan(first.fittedAt);
    expect(again.fits).toEqual(await expectedFits(site, again.fittedAt));

    // Changes of every kind since that fit; the next one recomputes only the keys they reach.
    const recent = (h: number) => iso(NOW + 30_000 - h * 3_600_000);
    await send(site, '/v1/touches', {
      touches: [
        { id: 'new-a', occurred_at: recent(5), touch_type: 'event', channel: 'Webinar', account_domain: 'a.test' },
        { id: 'new-free', occurred_at: recent(4), touch_type: 'event', channel: 'Email', email: 'free1@gmail.com' },
        { id: 'new-lone', occurred_at: recent(3), touch_type: 'event', channel: 'Direct', anonymous_id: 'lone-2' },
        { id: 'new-stranger', occurred_at: recent(3), touch_type: 'event', channel: 'Events', anonymous_id: 'lone-new' },
        // A lone visitor identified: its history joins b.test and leaves its own key.
        { id: 'link-lone-3', occurred_at: recent(2), touch_type: 'event', channel: 'Email', anonymous_id: 'lone-3', email: 'p2@b.test' },
        // A contact moved to another account by an explicit account_domain: both accounts change.
        { id: 'move-c', occurred_at: recent(2), touch_type: 'event', channel: 'Events', email: 'p0@c.test', account_domain: 'd.test' },
        // A new free-mail contact, converted at the next step without a touch of its own then.
        { id: 'fresh-1', occurred_at: recent(6), touch_type: 'event', channel: 'Events', email: 'fresh@gmail.com' },
        { id: 'fresh-2', occurred_at: recent(5), touch_type: 'event', channel: 'Email', email: 'fresh@gmail.com' },
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'cv-new-b', stage: 'lead', occurred_at: recent(1), account_domain: 'b.test' },
        { id: 'cv-new-free', stage: 'opportunity', occurred_at: recent(1), email: 'free2@gmail.com', opportunity_id: 'opp-free' },
      ],
    });
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const third = await storedFits(site);
    expect(third.fits).toEqual(await expectedFits(site, third.fittedAt));
    expect(third.fits).not.toEqual(again.fits);
    expect(await rows('SELECT akey FROM key_tails_dirty WHERE site_id = ?1', site.id)).toEqual([]);

    // The new stranger identified by an identify alone (no touch: the links scan alone sees it), its
    // history leaving its own key for b.test; and a free-mail contact given an account (its personal key goes).
    const identified = await call('/v1/identify', {
      method: 'POST',
      headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: 'id-stranger', anonymousId: 'lone-new', traits: { email: 'p2@b.test' } }),
    });
    expect(identified.status).toBe(200);
    await send(site, '/v1/touches', {
      touches: [
        { id: 'free-joins', occurred_at: recent(0.5), touch_type: 'event', channel: 'Events', email: 'free0@gmail.com', account_domain: 'a.test' },
        // On the browser both p0@a.test and p1@b.test used: a.test's latest touch, until p1 is erased below.
        { id: 'shared-late', occurred_at: recent(0.3), touch_type: 'event', channel: 'Webinar', anonymous_id: 'v-shared' },
      ],
    });
    // Only a conversion: fresh@gmail.com's touches now come before its lead, so it has no lead tail.
    await send(site, '/v1/conversions', { conversions: [{ id: 'cv-fresh', stage: 'lead', occurred_at: recent(0.2), email: 'fresh@gmail.com' }] });
    // Before the fit: the stranger's row, and a personal row of a contact that now has an account.
    const staleRows = async () => [
      ...(await rows<{ akey: string }>("SELECT akey FROM key_tails WHERE site_id = ?1 AND akey = '(visitor):lone-new'", site.id)).map((r) => r.akey),
      ...(await rows<{ akey: string }>(
        "SELECT k.akey FROM key_tails k JOIN contacts c ON c.site_id = k.site_id AND k.akey = '(personal):' || c.contact_id WHERE k.site_id = ?1 AND c.account_domain IS NOT NULL",
        site.id,
      )).map(() => 'personal key of a contact with an account'),
    ];
    expect(await staleRows()).toEqual(['(visitor):lone-new', 'personal key of a contact with an account']);
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const fourth = await storedFits(site);
    expect(fourth.fits).toEqual(await expectedFits(site, fourth.fittedAt));
    expect(await staleRows()).toEqual([]);

    // People erased: the touches of p1@b.test's shared browser turn into b.test's, so a.test, whose
    // contact used it too, loses them; and a free-mail person's key goes.
    for (const email of ['p1@b.test', 'free1@gmail.com']) {
      const erased = await call(`/v1/people?email=${encodeURIComponent(email)}`, { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } });
      expect(erased.status).toBe(200);
    }
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const fifth = await storedFits(site);
    expect(fifth.fits).toEqual(await expectedFits(site, fifth.fittedAt));

    // A channel rule: the touches it reclassifies move their keys' journeys (a lone visitor's too,
    // whose only touch is that one), and the fit learns the new channel.
    await send(site, '/v1/touches', {
      touches: [
        { id: 'g2-lone', occurred_at: recent(0.1), touch_type: 'web_visit', source: 'g2', medium: 'referral', anonymous_id: 'lone-g2' },
        { id: 'g2-account', occurred_at: recent(0.1), touch_type: 'web_visit', source: 'g2', medium: 'referral', account_domain: 'c.test' },
      ],
    });
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const rule = await call('/v1/channel-rules', {
      method: 'PUT',
      headers: { authorization: `Bearer ${site.secret_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ rules: [{ channel: 'Review Sites', when: { source: ['g2'] } }] }),
    });
    expect(rule.status).toBe(200);
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const sixth = await storedFits(site);
    expect(sixth.fits).toEqual(await expectedFits(site, sixth.fittedAt));
    expect(JSON.stringify(sixth.fits)).toContain('Review Sites');

    // A full recompute (as a change of settings makes one) clears every stored journey: the credit
    // chunks write those of the keys they finish from their own loads, the fit the rest. gap.test's
    // chunk reads from its conversion's window on (its first touch is stored by then), which misses
    // part of its last window: that key is left to the fit.
    await send(site, '/v1/touches', {
      touches: [
        { id: 'gap-1', occurred_at: iso(NOW - 300 * DAY), touch_type: 'event', channel: 'Webinar', account_domain: 'gap.test' },
        { id: 'gap-2', occurred_at: iso(NOW - 250 * DAY), touch_type: 'event', channel: 'Events', account_domain: 'gap.test' },
      ],
    });
    await send(site, '/v1/conversions', { conversions: [{ id: 'cv-gap', stage: 'opportunity', occurred_at: iso(NOW - 170 * DAY), account_domain: 'gap.test', opportunity_id: 'opp-gap' }] });
    expect(await refit(site)).toMatchObject({ refitted: true, done: true });
    const gapFit = await storedFits(site);
    const stored = (await findSiteById(env.DB, site.id))!;
    // Two chunks of one key, then the budget is spent: no fit yet, and the chunks' keys have rows.
    const partway = await runAttribution(env.DB, stored, { full: true, refit: true, scanOverlapMs: 0, chunkSize: 1, budget: new Budget(60_000, 14) });
    expect(partway).toMatchObject({ full: true, done: false, refitted: false, chunks: 2 });
    const written = await rows<{ akey: string }>('SELECT akey FROM key_tails WHERE site_id = ?1', site.id);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThanOrEqual(2);
    // New touches for every account and person here, those two keys' among them: the marks they make
    // are computed again by the fit, rows or not.
    const people = [{ email: 'free0@gmail.com' }, { email: 'free2@gmail.com' }, { email: 'fresh@gmail.com' }, { anonymous_id: 'lone-2' }];
    const accounts = ['a.test', 'b.test', 'c.test', 'd.test', 'gap.test'].map((d) => ({ account_domain: d }));
    await send(site, '/v1/touches', {
      touches: [...people, ...accounts].map((who, i) => ({ id: `late-${i}`, occurred_at: iso(NOW + 60_000), touch_type: 'event', channel: 'Partners', ...who })),
    });
    for (let run = 0, done = false; !done; run++) {
      expect(run).toBeLessThan(100);
      done = (await runAttribution(env.DB, stored, { scanOverlapMs: 0 })).done;
    }
    const seventh = await storedFits(site);
    expect(seventh.fittedAt).toBeGreaterThan(gapFit.fittedAt);
    expect(seventh.fits).toEqual(await expectedFits(site, seventh.fittedAt));
    expect(await rows('SELECT tails_at FROM attribution_state WHERE site_id = ?1 AND tails_at IS NULL', site.id)).toEqual([]);
  });

  it('are written by a credit chunk only for the full scan it belongs to', async () => {
    const site = await createSite();
    const at = (d: number) => iso(NOW - d * DAY);
    await send(site, '/v1/touches', {
      touches: [
        { id: 'e-1', occurred_at: at(20), touch_type: 'event', channel: 'Webinar', account_domain: 'e.test' },
        { id: 'f-1', occurred_at: at(20), touch_type: 'event', channel: 'Events', account_domain: 'f.test' },
        // After the conversions: a chunk then reads both keys' last windows whole (see coveredTail).
        { id: 'e-2', occurred_at: at(5), touch_type: 'event', channel: 'Email', account_domain: 'e.test' },
        { id: 'f-2', occurred_at: at(5), touch_type: 'event', channel: 'Email', account_domain: 'f.test' },
      ],
    });
    await send(site, '/v1/conversions', {
      conversions: [
        { id: 'cv-e', stage: 'lead', occurred_at: at(10), account_domain: 'e.test' },
        { id: 'cv-f', stage: 'lead', occurred_at: at(10), account_domain: 'f.test' },
      ],
    });
    expect(await runJob(site)).toMatchObject({ done: true });
    const stored = (await findSiteById(env.DB, site.id))!;
    const era = async () => ({
      settingsHash: await settingsHash(stored.settings),
      fullAt: (await rows<{ last_full_at: number }>('SELECT last_full_at FROM attribution_state WHERE site_id = ?1', site.id))[0].last_full_at,
    });
    const earlier = await era();
    // Another run's full scan (its budget ends before any chunk) clears every stored journey.
    expect(await runAttribution(env.DB, stored, { full: true, scanOverlapMs: 0, budget: new Budget(60_000, 9) })).toMatchObject({ chunks: 0, done: false });
    expect(await rows('SELECT akey FROM key_tails WHERE site_id = ?1', site.id)).toEqual([]);
    const queued = new Map((await readDirty(env.DB, site.id, 10).all<DirtyKey>()).results.map((d) => [d.akey, d]));
    expect([...queued.keys()].sort()).toEqual(['e.test', 'f.test']);
    const chunk = (key: string, tails: TailsEra) =>
      creditChunk({ meter: new D1Meter(env.DB), site: stored, markedAt: Date.now(), slicing: { over: 64, size: 32 }, tails }, [queued.get(key)!]);
    // A chunk of the earlier full recompute, committing only now, writes none; one of this scan's does.
    await chunk('e.test', earlier);
    await chunk('f.test', await era());
    expect(await rows('SELECT akey FROM key_tails WHERE site_id = ?1', site.id)).toEqual([{ akey: 'f.test' }]);
  });
});
