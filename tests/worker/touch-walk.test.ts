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
import { prng } from '../unit/helpers/journeys';
import { createSite, rows, sendAccepted as send } from './helpers';
import { DAY, NOW, randomHistory } from './random-history';

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
