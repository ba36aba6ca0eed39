// Privacy: after identifying traffic that carries an email, a password, a card number and an IP,
// a scan of every table finds none of them.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { batch, createSite, ORIGIN, pageEvent, postEvents, postServer, uid } from './helpers';

const EMAIL = 'Priya.Secret@Wonka-Industries.com';
const PASSWORD = 'hunter2-Pa55word!';
const CARD = '4111 1111 1111 1111';
const IP = '203.0.113.77';

describe('privacy', () => {
  it('stores no raw email, password, card number or IP anywhere', async () => {
    const site = await createSite();
    const s = uid('s');
    // A hostile client that sends what the snippet never would: the Worker must still not store it.
    await postEvents(
      batch(site.public_key, [
        pageEvent(s, `${ORIGIN}/signup?email=${encodeURIComponent(EMAIL)}&card=${encodeURIComponent(CARD)}&utm_source=x`, { l: 1 }),
        { i: uid(), y: 'form', c: Date.now(), s, m: EMAIL, o: 'Wonka', g: 'lead', f: { i: 'signup', a: `${ORIGIN}/thanks?e=${EMAIL}` } },
        { i: uid(), y: 'track', c: Date.now(), s, n: 'checkout', p: { password: PASSWORD, note: `card ${CARD}`, contact: EMAIL, ip: IP } },
      ]),
      { 'cf-connecting-ip': IP, 'x-forwarded-for': IP },
    );
    await postServer('/v1/batch', site.secret_key, {
      batch: [
        { type: 'identify', messageId: uid('m'), userId: EMAIL, traits: { email: EMAIL, password: PASSWORD }, context: { ip: IP } },
        { type: 'track', messageId: uid('m'), anonymousId: 'a', event: 'Paid', properties: { card_number: CARD, cc: '4242424242424242', email: EMAIL } },
      ],
    });
    await postServer('/v1/touches', site.secret_key, { touches: [{ id: uid('t'), occurred_at: '2026-10-01T00:00:00Z', touch_type: 'webinar', email: EMAIL, url: `https://x.test/?who=${EMAIL}` }] });
    await postServer('/v1/conversions', site.secret_key, { conversions: [{ id: uid('c'), stage: 'lead', occurred_at: '2026-10-01T00:00:00Z', email: EMAIL }] });

    const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
    expect(tables.length).toBeGreaterThanOrEqual(9);
    const needles = [EMAIL, EMAIL.toLowerCase(), encodeURIComponent(EMAIL), PASSWORD, CARD, CARD.replace(/ /g, ''), '4242424242424242', IP];
    for (const { name } of tables) {
      const { results } = await env.DB.prepare(`SELECT * FROM ${name}`).all();
      const dump = JSON.stringify(results);
      for (const needle of needles) expect(dump.includes(needle), `${name} contains ${needle}`).toBe(false);
    }
  });
});
