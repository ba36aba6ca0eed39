// Each key's first touch, kept for the funnel from the touches each chunk loads (attribution/chunk.ts,
// first-touch.ts), checked against reading each key's whole history up to its latest conversion, on
// random histories over every stitching path, with two touches tied at an account's first instant,
// and again after touches arrive before the stored ones.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { earliestTouch } from '../../edge/src/attribution/first-touch';
import { loadKeyTouches } from '../../edge/src/attribution/load';
import { D1Meter } from '../../edge/src/db/meter';
import { prng } from '../unit/helpers/journeys';
import { createSite, rows, sendAccepted as send, type TestSite } from './helpers';
import { runJob } from './query-fixtures';
import { DAY, NOW, randomHistory } from './random-history';

const iso = (ms: number) => new Date(ms).toISOString();

/** Every credited key's earliest touch (time, then id) at or before its latest credited conversion, from its whole history. */
async function expectedFirstTouches(site: TestSite) {
  const keys = await rows<{ akey: string; last: number }>('SELECT akey, MAX(converted_at) AS last FROM credit WHERE site_id = ?1 GROUP BY akey', site.id);
  const touches = await loadKeyTouches(new D1Meter(env.DB), site.id, new Map(keys.map((k) => [k.akey, { from: Number.MIN_SAFE_INTEGER, to: k.last }])));
  return keys
    .map((k) => earliestTouch(k.akey, touches.get(k.akey) ?? []))
    .filter((r) => r !== null)
    .map((r) => ({ akey: r.akey, touch_id: r.touch_id, occurred_at: r.occurred_at }))
    .sort((a, b) => (a.akey < b.akey ? -1 : 1));
}

const storedFirstTouches = (site: TestSite) =>
  rows<{ akey: string; touch_id: string; occurred_at: number }>('SELECT akey, touch_id, occurred_at FROM key_first_touch WHERE site_id = ?1 ORDER BY akey', site.id);

describe('the first touch the job keeps for each key', () => {
  it('is the earliest touch of the key up to its latest conversion, ties by id', async () => {
    const site = await createSite();
    const touches = [
      ...randomHistory(prng(11), 300),
      // d.test's first instant holds two touches, long before any window of its conversions.
      { id: 'first-b', occurred_at: iso(NOW - 600 * DAY), touch_type: 'event', channel: 'Events', account_domain: 'd.test' },
      { id: 'first-a', occurred_at: iso(NOW - 600 * DAY), touch_type: 'event', channel: 'Direct', account_domain: 'd.test' },
    ];
    for (let i = 0; i < touches.length; i += 150) await send(site, '/v1/touches', { touches: touches.slice(i, i + 150) });
    const conversion = (id: string, daysAgo: number, who: Record<string, string>) => ({ id, stage: 'lead', occurred_at: iso(NOW - daysAgo * DAY), ...who });
    await send(site, '/v1/conversions', {
      conversions: [
        conversion('cv-a1', 200, { account_domain: 'a.test' }),
        conversion('cv-a2', 20, { account_domain: 'a.test' }),
        conversion('cv-b', 100, { email: 'p1@b.test' }),
        conversion('cv-c', 50, { account_domain: 'c.test' }),
        conversion('cv-d', 10, { account_domain: 'd.test' }),
        conversion('cv-free', 30, { email: 'free1@gmail.com' }),
        conversion('cv-lone', 5, { anonymous_id: 'lone-3' }),
      ],
    });
    expect(await runJob(site)).toMatchObject({ done: true });
    const expected = await expectedFirstTouches(site);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    expect(await storedFirstTouches(site)).toEqual(expected);
    expect(expected.find((r) => r.akey === 'd.test')?.touch_id).toBe('first-a');

    // Touches arriving before the stored first touches move them at the next run.
    await send(site, '/v1/touches', {
      touches: [
        { id: 'earlier-a', occurred_at: iso(NOW - 700 * DAY), touch_type: 'event', channel: 'Email', email: 'p2@a.test' },
        { id: 'earlier-free', occurred_at: iso(NOW - 650 * DAY), touch_type: 'event', channel: 'Email', email: 'free1@gmail.com' },
      ],
    });
    expect(await runJob(site)).toMatchObject({ done: true });
    const moved = await expectedFirstTouches(site);
    expect(moved.filter((r) => r.touch_id.startsWith('earlier-')).map((r) => r.touch_id).sort()).toEqual(['earlier-a', 'earlier-free']);
    expect(await storedFirstTouches(site)).toEqual(moved);
  });
});
