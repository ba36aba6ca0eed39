// Privacy: after identifying traffic that carries an email, a password, a card number and an IP,
// in clear, encoded or in another script, through every ingest path, a scan of every table finds none.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { batch, call, createSite, ORIGIN, pageEvent, postEvents, postServer, rows, uid, type TestSite } from './helpers';

/** Every row of every table, as text, that contains one of `needles` (case-insensitive): [table, needle]. */
async function leaks(needles: string[]): Promise<string[][]> {
  const { results: tables } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'").all<{ name: string }>();
  expect(tables.length).toBeGreaterThanOrEqual(9);
  const found: string[][] = [];
  for (const { name } of tables) {
    const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM ${name}`).all()).results).toLowerCase();
    for (const needle of needles) if (dump.includes(JSON.stringify(needle).slice(1, -1).toLowerCase())) found.push([name, needle]);
  }
  return found;
}

async function runJob(site: TestSite): Promise<void> {
  const run = await call('/v1/attribution/run', { method: 'POST', headers: { authorization: `Bearer ${site.secret_key}` } });
  expect(run.status).toBe(200);
}

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

    const needles = [EMAIL, EMAIL.toLowerCase(), encodeURIComponent(EMAIL), PASSWORD, CARD, CARD.replace(/ /g, ''), '4242424242424242', IP];
    expect(await leaks(needles)).toEqual([]);
  });

  it('applies one redaction pass to every stored text field, on decoded values, on every ingest path', async () => {
    const site = await createSite();
    const OPP = 'jane@acme.com 4111111111111111';
    // Secret names, and an email and a card number encoded once and twice in the path, query and fragment.
    const url = (path: string) =>
      `${ORIGIN}/${path}/jane%2540acme.com/4111%25201111%25201111%25201111?pw=Hunter2&token=tok-Hunter3&q=jane%40acme.com&c=4111%201111%201111%201111` +
      `&utm_source=news&utm_term=jane@b%C3%BCcher.de&utm_campaign=${encodeURIComponent('jöhn.doe@acme-example.com')}#jane%2540acme.com`;
    const s = uid('s');
    const web = await postEvents(
      batch(site.public_key, [
        pageEvent(s, url('landing'), { l: 1, r: `https://ref.example/?pw=Hunter2&e=jane%2540acme.com` }),
        { i: uid(), y: 'track', c: Date.now(), s, n: 'Viewed', p: { 'jane@acme.com': 1, 'jöhn.doe@acme-example.com': 'x', pw: 'Hunter2' } },
        { i: uid(), y: 'form', c: Date.now(), s, m: 'lee@privacy-co.com', g: 'lead', f: { i: 'f', a: `/thanks?pw=Hunter2&to=jane%2540acme.com` } },
      ]),
    );
    expect(((await web.json()) as { accepted: number }).accepted).toBe(3);
    const anon = uid('anon');
    const page = { url: url('segment'), referrer: 'https://ref.example/?pw=Hunter2' };
    await postServer('/v1/batch', site.secret_key, {
      batch: [
        { type: 'identify', messageId: uid('m'), anonymousId: anon, traits: { email: 'lee@privacy-co.com', company: 'jöhn.doe@acme-example.com' } },
        { type: 'page', messageId: uid('m'), anonymousId: anon, context: { page, campaign: { source: 'news', name: 'jane@bücher.de' } } },
        { type: 'page', messageId: uid('m'), anonymousId: anon, properties: { ...page, 'jane@acme.com': 1, nested: { pw: 'Hunter2' } } },
        { type: 'track', messageId: uid('m'), anonymousId: anon, event: 'Paid', properties: { 'jane@acme.com': 1, note: 'jane%2540acme.com' } },
      ],
    });
    await postServer('/v1/touches', site.secret_key, {
      touches: [
        { id: 'touch-jane@acme.com', occurred_at: new Date(Date.now() - 864e5).toISOString(), touch_type: 'webinar', account_domain: 'privacy-co.com', campaign: 'jöhn.doe@acme-example.com', source: 'jane@bücher.de', url: url('offline') },
      ],
    });
    const conversions = await postServer('/v1/conversions', site.secret_key, {
      conversions: [
        { id: 'opp-1', stage: 'opportunity', occurred_at: new Date(Date.now() - 3600e3).toISOString(), account_domain: 'privacy-co.com', opportunity_id: OPP },
        { id: 'won-1', stage: 'closed_won', occurred_at: new Date(Date.now() - 60e3).toISOString(), account_domain: 'privacy-co.com', opportunity_id: OPP, amount: 1000 },
      ],
    });
    expect(((await conversions.json()) as { accepted: number }).accepted).toBe(2);
    // Credit and the rollup copy touch fields and are keyed by them: the job runs so they are scanned too.
    await runJob(site);
    expect((await rows('SELECT * FROM credit WHERE site_id = ? AND window_touches > 0', site.id)).length).toBeGreaterThan(0);
    expect((await rows('SELECT * FROM credit_sums WHERE site_id = ?', site.id)).length).toBeGreaterThan(0);

    // The opportunity id is stored hashed, the same for both conversions, so the OC milestone still finds its opportunity.
    const opps = await rows<{ opportunity_id: string }>('SELECT DISTINCT opportunity_id FROM conversions WHERE site_id = ? AND opportunity_id IS NOT NULL', site.id);
    expect(opps).toEqual([{ opportunity_id: expect.stringMatching(/^h_[0-9a-f]{32}$/) }]);
    const journey = await call('/v1/accounts/privacy-co.com/journey', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(journey.status).toBe(200);
    const answered = await journey.text();
    expect(answered).toContain(opps[0].opportunity_id);

    const needles = [
      'jane@acme.com', 'jane%40acme.com', 'jane%2540acme.com', 'Hunter2', 'Hunter3', '4111111111111111', '4111 1111 1111 1111', '4111%201111', '4111%25201111',
      'jane@bücher.de', 'bücher', 'b%C3%BCcher', 'xn--bcher', 'jöhn', 'j%C3%B6hn', 'doe@acme-example.com', 'lee@privacy-co.com',
    ];
    expect(await leaks(needles)).toEqual([]);
    for (const needle of ['jane@acme.com', '4111111111111111', 'Hunter2']) expect(answered).not.toContain(needle);
  });
});
