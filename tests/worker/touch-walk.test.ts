// The fit's walk over a site's touches (edge/src/attribution/touch-walk.ts) against the job's per-key
// loads (loadKeyTouches, through SQL joins): the same keys with the same touches in the same order,
// on random histories with every stitching path — account touches, contacts, linked browsers, a
// browser shared by two accounts, free-mail contacts, lone visitors, ties in time, touches out of
// range — and pages small enough to split every ingest batch and the site's contacts and links.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { loadKeyTouches } from '../../edge/src/attribution/load';
import { byTimeThenId } from '../../edge/src/attribution/models/journeys';
import { walkKeyTouches } from '../../edge/src/attribution/touch-walk';
import { D1Meter } from '../../edge/src/db/meter';
import { formatAkey } from '../../schemas/akey';
import { pick, prng } from '../unit/helpers/journeys';
import { createSite, rows, sendAccepted as send } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now() - 60_000;
const CHANNELS = ['Paid Search', 'Organic Search', 'Email', 'Events', 'Direct'];

function randomHistory(rand: () => number, n: number) {
  const domains = ['a.test', 'b.test', 'c.test', 'd.test'];
  const touches = [];
  for (let i = 0; i < n; i++) {
    // Whole hours over ~500 days: some before the walk's range, and ties within a key.
    const at = NOW - Math.floor(rand() * 500 * 24) * HOUR;
    const t: Record<string, unknown> = { id: `w${i.toString(36)}-${Math.floor(rand() * 1e6).toString(36)}`, occurred_at: new Date(at).toISOString(), touch_type: 'event', channel: pick(rand, CHANNELS) };
    const domain = pick(rand, domains);
    const who = rand();
    if (who < 0.2) t.account_domain = domain;
    else if (who < 0.4) t.email = `p${Math.floor(rand() * 3)}@${domain}`;
    else if (who < 0.5) Object.assign(t, { email: `p${Math.floor(rand() * 3)}@${domain}`, anonymous_id: `v-${domain}-${Math.floor(rand() * 3)}` });
    else if (who < 0.65) t.anonymous_id = `v-${domain}-${Math.floor(rand() * 3)}`;
    else if (who < 0.75) t.email = `free${Math.floor(rand() * 3)}@gmail.com`;
    else if (who < 0.8) t.anonymous_id = 'v-shared';
    else t.anonymous_id = `lone-${Math.floor(rand() * 8)}`;
    touches.push(t);
  }
  // One browser identified as two people of two accounts: its touches belong to both.
  touches.push({ id: 'shared-a', occurred_at: new Date(NOW - 3 * DAY).toISOString(), touch_type: 'event', channel: 'Email', anonymous_id: 'v-shared', email: 'p0@a.test' });
  touches.push({ id: 'shared-b', occurred_at: new Date(NOW - 2 * DAY).toISOString(), touch_type: 'event', channel: 'Email', anonymous_id: 'v-shared', email: 'p1@b.test' });
  // Three touches of one key at one instant: their order is their ids'.
  for (const id of ['tie-c', 'tie-a', 'tie-b']) touches.push({ id, occurred_at: new Date(NOW - 5 * DAY).toISOString(), touch_type: 'event', channel: id === 'tie-a' ? 'Direct' : 'Events', account_domain: 'c.test' });
  return touches;
}

const sorted = <T extends { at: number; id: string }>(list: readonly T[]) => [...list].sort(byTimeThenId);

describe('walking every touch of a site', () => {
  it('gives every key the touches the per-key loads give it, in the same order', async () => {
    const site = await createSite();
    const touches = randomHistory(prng(7), 400);
    for (let i = 0; i < touches.length; i += 150) await send(site, '/v1/touches', { touches: touches.slice(i, i + 150) });
    const range = { from: NOW - 400 * DAY, to: NOW };
    const meter = new D1Meter(env.DB);

    const seenIdx = new Map<string, { times: number[]; channels: number[] }>();
    const seen = await walkKeyTouches(meter, site.id, range, (akey, times, channels) => seenIdx.set(akey, { times: Array.from(times), channels: Array.from(channels) }), {
      touchesPerPage: 7,
      identitiesPerPage: 2,
    });
    expect(seen.pages).toBeGreaterThan(20);
    const walked = new Map([...seenIdx].map(([akey, t]) => [akey, t.times.map((at, i) => [at, seen.channels[t.channels[i]]])]));

    // Every key there is: accounts, free-mail contacts, and every browser (the loads skip identified ones).
    const accounts = await rows<{ domain: string }>('SELECT domain FROM accounts WHERE site_id = ?', site.id);
    const personal = await rows<{ contact_id: string }>('SELECT contact_id FROM contacts WHERE site_id = ? AND account_domain IS NULL', site.id);
    const visitors = await rows<{ visitor_id: string }>('SELECT DISTINCT visitor_id FROM touches WHERE site_id = ? AND visitor_id IS NOT NULL', site.id);
    const keys = [
      ...accounts.map((r) => r.domain),
      ...personal.map((r) => formatAkey({ kind: 'personal', contactId: r.contact_id })),
      ...visitors.map((r) => formatAkey({ kind: 'visitor', visitorId: r.visitor_id })),
    ];
    const loaded = await loadKeyTouches(meter, site.id, new Map(keys.map((k) => [k, range])));
    const expected = new Map([...loaded].filter(([, list]) => list.length).map(([k, list]) => [k, sorted(list.map((t) => ({ at: t.at, id: t.id, channel: t.channel })))]));

    expect([...walked.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(walked.size).toBeGreaterThan(10);
    expect(walked.get(formatAkey({ kind: 'visitor', visitorId: 'v-shared' }))).toBeUndefined();
    // In time order, and touches at one instant in id order.
    for (const [akey, list] of expected) expect(walked.get(akey), akey).toEqual(list.map((t) => [t.at, t.channel]));
    const ties = expected.get('c.test')!.filter((t) => t.id.startsWith('tie-'));
    expect(ties.map((t) => t.id)).toEqual(['tie-a', 'tie-b', 'tie-c']);
    expect(ties.map((t) => t.channel)).toEqual(['Direct', 'Events', 'Events']);
    // The shared browser's touches reach both accounts.
    for (const domain of ['a.test', 'b.test']) expect(walked.get(domain)!.length).toBe(expected.get(domain)!.length);
  });
});
