// Privacy: after identifying traffic that carries an email, a password, a card number and an IP,
// a scan of every table finds none of them.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { batch, call, createSite, ORIGIN, pageEvent, postEvents, postServer, rows, uid } from './helpers';

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
        pageEvent(s, `${ORIGIN}/signup?email=${encodeURIComponent(EMAIL)}&card=${encodeURIComponent(CARD)}&utm_source=x&utm_term=${encodeURIComponent(EMAIL)}&utm_campaign=ip-${IP}&gclid=${encodeURIComponent(EMAIL)}`, { l: 1, h: `Welcome ${EMAIL}` }),
        { i: uid(), y: 'form', c: Date.now(), s, m: EMAIL, o: `Wonka (${EMAIL})`, g: 'lead', f: { i: `signup-${EMAIL}`, a: `${ORIGIN}/thanks?e=${EMAIL}` } },
        { i: uid(), y: 'track', c: Date.now(), s, n: `checkout ${EMAIL}`, p: { password: PASSWORD, note: `card ${CARD}`, contact: EMAIL, ip: IP } },
      ]),
      { 'cf-connecting-ip': IP, 'x-forwarded-for': IP },
    );
    await postServer('/v1/batch', site.secret_key, {
      batch: [
        { type: 'identify', messageId: uid('m'), userId: EMAIL, traits: { email: EMAIL, password: PASSWORD }, context: { ip: IP } },
        { type: 'track', messageId: uid('m'), anonymousId: 'a', event: 'Paid', properties: { card_number: CARD, cc: '4242424242424242', email: EMAIL } },
        // Integrations that put the email in anonymousId, a campaign field or the page name.
        { type: 'identify', messageId: uid('m'), anonymousId: EMAIL, traits: { email: EMAIL, company: { name: `Wonka ${EMAIL}` } } },
        { type: 'page', messageId: uid('m'), anonymousId: EMAIL, name: `Hi ${EMAIL}`, context: { campaign: { source: 'news', medium: 'email', name: EMAIL, term: CARD }, page: { url: `${ORIGIN}/` } } },
        { type: 'track', messageId: uid('m'), anonymousId: EMAIL, event: `Signed up ${EMAIL}` },
      ],
    });
    await postServer('/v1/touches', site.secret_key, {
      touches: [
        { id: uid('t'), occurred_at: '2026-10-01T00:00:00Z', touch_type: 'webinar', email: EMAIL, url: `https://x.test/?who=${EMAIL}` },
        { id: uid('t'), occurred_at: '2026-10-02T00:00:00Z', touch_type: 'meeting', anonymous_id: EMAIL, campaign: `QBR ${EMAIL}`, source: IP },
      ],
    });
    await postServer('/v1/conversions', site.secret_key, {
      conversions: [
        { id: uid('c'), stage: 'lead', occurred_at: '2026-10-01T00:00:00Z', email: EMAIL },
        { id: uid('c'), stage: 'lead', occurred_at: '2026-10-03T00:00:00Z', anonymous_id: EMAIL },
      ],
    });
    // Credit rows and the daily rollup copy touch fields: they are scanned too.
    const run = await call('/v1/attribution/run', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(run.status).toBe(200);
    expect((await rows('SELECT * FROM credit WHERE site_id = ?', site.id)).length).toBeGreaterThan(0);
    // The email-like anonymous id is stored as a per-site HMAC, the same one each time: its touch and
    // its conversion still meet under one visitor.
    const visitors = await rows<{ visitor_id: string }>("SELECT visitor_id FROM touches WHERE site_id = ? AND touch_type = 'meeting'", site.id);
    expect(visitors).toEqual([{ visitor_id: expect.stringMatching(/^h_[0-9a-f]{32}$/) }]);
    expect(await rows('SELECT conversion_id FROM conversions WHERE site_id = ? AND visitor_id = ?', site.id, visitors[0].visitor_id)).toHaveLength(1);

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
