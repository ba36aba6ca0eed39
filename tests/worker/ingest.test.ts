// POST /e end to end against real local D1: happy path, touches, identity, dedupe, atomicity and errors.
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { batch, BROWSER_UA, call, createSite, errorOf, ORIGIN, pageEvent, postEvents, rows, uid } from './helpers';

describe('POST /e', () => {
  it('stores a landing as a touch with UTMs, click id and channel, and re-sets the visitor cookie', async () => {
    const site = await createSite();
    const session = uid('s');
    const b = batch(site.public_key, [
      pageEvent(session, `${ORIGIN}/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand&gclid=Cj0KCQ`, {
        l: 1,
        r: 'https://www.google.com/',
      }),
      pageEvent(session, `${ORIGIN}/product`),
    ]);
    const res = await postEvents(b);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    // The site's session length, for the snippet to keep sessions by (default 30), readable cross-origin.
    expect(res.headers.get('tl-session-minutes')).toBe('30');
    expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After, TL-Session-Minutes');
    expect(res.headers.get('set-cookie')).toMatch(new RegExp(`^tl_vid=${b.v}; Max-Age=31536000; Path=/; SameSite=Lax`));

    const touches = await rows('SELECT * FROM touches WHERE site_id = ?', site.id);
    expect(touches).toHaveLength(1); // internal navigation to /product makes no touch
    expect(touches[0]).toMatchObject({
      origin: 'web',
      touch_type: 'web_visit',
      channel: 'Paid Search',
      source: 'google',
      medium: 'cpc',
      campaign: 'brand',
      click_id_type: 'gclid',
      click_id: 'Cj0KCQ',
      visitor_id: b.v,
      session_id: session,
    });
    expect(await rows('SELECT event_id FROM events WHERE site_id = ?', site.id)).toHaveLength(2);
  });

  it('marks the re-set visitor cookie Secure when the Worker is reached over https', async () => {
    const site = await createSite();
    const b = batch(site.public_key, [pageEvent(uid('s'), `${ORIGIN}/`, { l: 1 })]);
    const res = await SELF.fetch('https://touchline.test/e', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, origin: ORIGIN },
      body: JSON.stringify(b),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toBe(`tl_vid=${b.v}; Max-Age=31536000; Path=/; SameSite=Lax; Secure`);
  });

  it('makes a new touch for a new campaign mid-session, never for a repeat or internal page', async () => {
    const site = await createSite();
    const s = uid('s');
    await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/`, { l: 1 })]));
    await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/blog`)]));
    await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/?utm_source=newsletter&utm_medium=email&utm_campaign=nov`)]));
    await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/?utm_source=newsletter&utm_medium=email&utm_campaign=nov`)]));
    const touches = await rows<{ channel: string }>('SELECT channel FROM touches WHERE site_id = ? ORDER BY occurred_at', site.id);
    expect(touches.map((t) => t.channel)).toEqual(['Direct', 'Email']);
  });

  it('identifies a visitor from a form, upgrades the touch to form_fill and records the stage', async () => {
    const site = await createSite();
    const s = uid('s');
    const b = batch(site.public_key, [
      pageEvent(s, `${ORIGIN}/demo?utm_source=linkedin&utm_medium=paid_social&li_fat_id=abc`, { l: 1 }),
      { i: uid(), y: 'form', c: Date.now(), s, u: `${ORIGIN}/demo`, m: ' Jane.Doe@Acme.COM ', o: 'Acme Inc', g: 'lead', f: { i: 'demo-form', a: '/thanks' } },
    ]);
    expect(await (await postEvents(b)).json()).toMatchObject({ accepted: 2 });
    const [touch] = await rows<{ touch_type: string; channel: string }>('SELECT * FROM touches WHERE site_id = ?', site.id);
    expect(touch).toMatchObject({ touch_type: 'form_fill', channel: 'Paid Social' });
    const [contact] = await rows<{ contact_id: string; account_domain: string; company: string }>(
      'SELECT * FROM contacts WHERE site_id = ?',
      site.id,
    );
    expect(contact.contact_id).toMatch(/^[0-9a-f]{64}$/);
    expect(contact).toMatchObject({ account_domain: 'acme.com', company: 'Acme Inc', email_domain: 'acme.com' });
    expect(await rows('SELECT * FROM identity_links WHERE site_id = ?', site.id)).toEqual([
      expect.objectContaining({ visitor_id: b.v, contact_id: contact.contact_id }),
    ]);
    const [form] = await rows<{ url: string }>("SELECT url FROM events WHERE site_id = ? AND type = 'form'", site.id);
    expect(form.url).toBe(`${ORIGIN}/thanks`); // the relative action, resolved against the page
    const [conv] = await rows('SELECT * FROM conversions WHERE site_id = ?', site.id);
    // The lead belongs to the contact; its account (acme.com) is the contact's, read by the job.
    expect(conv).toMatchObject({ stage: 'lead', origin: 'web', contact_id: contact.contact_id, account_domain: null });
  });

  it('upgrades an earlier-stored touch when the form arrives in a later batch, and the other way round', async () => {
    const site = await createSite();
    const s1 = uid('s');
    const t0 = Date.now() - 60_000;
    await postEvents(batch(site.public_key, [{ ...pageEvent(s1, `${ORIGIN}/`, { l: 1 }), c: t0 }]));
    await postEvents(batch(site.public_key, [{ i: uid(), y: 'form', c: Date.now(), s: s1, f: { i: 'x' } }]));
    const s2 = uid('s');
    await postEvents(batch(site.public_key, [{ i: uid(), y: 'form', c: Date.now(), s: s2, f: { i: 'x' } }]));
    await postEvents(batch(site.public_key, [{ ...pageEvent(s2, `${ORIGIN}/`, { l: 1 }), c: t0 }]));
    const types = await rows<{ touch_type: string }>('SELECT touch_type FROM touches WHERE site_id = ?', site.id);
    expect(types.map((t) => t.touch_type)).toEqual(['form_fill', 'form_fill']);
  });

  it('stores each event once when the same batch is replayed three times', async () => {
    const site = await createSite();
    const s = uid('s');
    const b = batch(site.public_key, [
      pageEvent(s, `${ORIGIN}/?utm_source=x&utm_medium=y`, { l: 1 }),
      { i: uid(), y: 'identify', c: Date.now(), s, m: 'ann@example-corp.com' },
      { i: uid(), y: 'track', c: Date.now(), s, n: 'video_play', p: { video: 'intro' } },
      { i: uid(), y: 'form', c: Date.now(), s, m: 'ann@example-corp.com', g: 'lead' },
    ]);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await (await postEvents(b)).json());
    expect(answers).toEqual([
      { accepted: 4, duplicates: 0, rejected: [] },
      { accepted: 0, duplicates: 4, rejected: [] },
      { accepted: 0, duplicates: 4, rejected: [] },
    ]);
    for (const table of ['events', 'touches', 'contacts', 'identity_links', 'conversions']) {
      const expected = table === 'events' ? 4 : 1;
      expect(await rows(`SELECT * FROM ${table} WHERE site_id = ?`, site.id), table).toHaveLength(expected);
    }
  });

  it('counts an id repeated inside one batch once', async () => {
    const site = await createSite();
    const e = pageEvent(uid('s'), `${ORIGIN}/`, { l: 1 });
    const res = await postEvents(batch(site.public_key, [e, e]));
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
  });

  it('stores nothing from a batch that fails half way, and everything once on retry', async () => {
    const site = await createSite();
    const s = uid('s');
    const events: Record<string, unknown>[] = Array.from({ length: 20 }, (_, n) =>
      n === 0 ? pageEvent(s, `${ORIGIN}/?utm_source=a&utm_medium=b`, { l: 1 }) : { i: uid(), y: 'track', c: Date.now(), s, n: `step_${n}` },
    );
    events.push({ i: uid(), y: 'form', c: Date.now(), s, m: 'half@way-corp.com', g: 'lead' });
    const poison = (events[10] as { i: string }).i;
    // A real database failure in the middle of the write: the trigger aborts the 11th event's insert.
    await env.DB.exec(
      `CREATE TRIGGER fail_half_way BEFORE INSERT ON events WHEN NEW.event_id = '${poison}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`,
    );
    const b = batch(site.public_key, events);
    const failed = await postEvents(b);
    expect(failed.status).toBe(500);
    expect((await errorOf(failed)).code).toBe('internal_error');
    for (const table of ['events', 'touches', 'contacts', 'identity_links', 'conversions', 'visitors']) {
      expect(await rows(`SELECT * FROM ${table} WHERE site_id = ?`, site.id), table).toHaveLength(0);
    }
    await env.DB.exec('DROP TRIGGER fail_half_way');
    expect(await (await postEvents(b)).json()).toEqual({ accepted: 21, duplicates: 0, rejected: [] });
    expect(await (await postEvents(b)).json()).toEqual({ accepted: 0, duplicates: 21, rejected: [] });
    expect(await rows('SELECT * FROM events WHERE site_id = ?', site.id)).toHaveLength(21);
    expect(await rows('SELECT * FROM touches WHERE site_id = ?', site.id)).toHaveLength(1);
  });

  it('accepts a maximum batch (50 events, each with a touch and an identity) within the 100-parameter limit', async () => {
    const site = await createSite();
    const events = Array.from({ length: 50 }, (_, n) => {
      const s = uid('s');
      return n % 2
        ? pageEvent(s, `${ORIGIN}/?utm_source=src${n}&utm_medium=cpc&utm_campaign=c${n}`, { l: 1, r: 'https://www.bing.com/' })
        : { i: uid(), y: 'form', c: Date.now(), s, m: `person${n}@company${n}.com`, o: `Company ${n}`, g: 'lead' };
    });
    const res = await postEvents(batch(site.public_key, events));
    expect(await res.json()).toEqual({ accepted: 50, duplicates: 0, rejected: [] });
    expect(await rows('SELECT * FROM touches WHERE site_id = ?', site.id)).toHaveLength(25);
    expect(await rows('SELECT * FROM contacts WHERE site_id = ?', site.id)).toHaveLength(25);
  });

  it('corrects client clock skew and rejects events outside 72 h / 5 min per item', async () => {
    const site = await createSite();
    const s = uid('s');
    const skew = 3 * 3600_000; // the visitor's clock is three hours fast
    const now = Date.now();
    const res = await postEvents({
      k: site.public_key,
      v: 'vis_skewtest1',
      t: now + skew,
      e: [
        { ...pageEvent(s, `${ORIGIN}/`, { l: 1 }), c: now + skew - 10_000 },
        { ...pageEvent(s, `${ORIGIN}/a`), c: now + skew - 73 * 3600_000 },
        { ...pageEvent(s, `${ORIGIN}/b`), c: now + skew + 6 * 60_000 },
      ],
    });
    const body = (await res.json()) as { accepted: number; rejected: { index: number; code: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'event_too_old'],
      [2, 'event_in_future'],
    ]);
    const [ev] = await rows<{ occurred_at: number }>('SELECT occurred_at FROM events WHERE site_id = ?', site.id);
    expect(Math.abs(ev.occurred_at - (now - 10_000))).toBeLessThan(5_000);
  });

  it('rejects bad items one by one: ids, URLs over 2,048 chars, strings over 1,024, bad emails', async () => {
    const site = await createSite();
    const s = uid('s');
    const long = `${ORIGIN}/?q=${'x'.repeat(2100)}`;
    const res = await postEvents(
      batch(site.public_key, [
        pageEvent(s, `${ORIGIN}/ok`, { l: 1 }),
        { ...pageEvent(s, `${ORIGIN}/`), i: 'short' },
        pageEvent(s, long),
        { i: uid(), y: 'track', c: Date.now(), s, n: 'x'.repeat(1025) },
        { i: uid(), y: 'identify', c: Date.now(), s, m: 'not-an-email' },
        { i: uid(), y: 'page', c: Date.now(), s, u: 'not a url' },
        { i: uid(), y: 'unknown', c: Date.now(), s },
        'not an object',
        pageEvent(s, `${ORIGIN}/${'y'.repeat(1900)}`),
      ]),
    );
    const body = (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number; code: string; message: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'invalid_event'],
      [2, 'invalid_event'],
      [3, 'invalid_event'],
      [4, 'invalid_email'],
      [5, 'invalid_url'],
      [6, 'invalid_event'],
      [7, 'invalid_event'],
    ]);
    for (const r of body.rejected) expect(r.message.length).toBeGreaterThan(0);
    expect(body.accepted + body.duplicates + body.rejected.length).toBe(9);
  });

  it('counts bots per site and stores nothing of them', async () => {
    const site = await createSite();
    const s = uid('s');
    const b = batch(site.public_key, [pageEvent(s, `${ORIGIN}/`, { l: 1 }), pageEvent(s, `${ORIGIN}/x`)]);
    const crawler = await postEvents(b, { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' });
    expect(await crawler.json()).toMatchObject({ accepted: 0, duplicates: 0, rejected: [{ index: 0, code: 'bot' }, { index: 1, code: 'bot' }] });
    const headless = await postEvents(b, { 'user-agent': BROWSER_UA.replace('Chrome/', 'HeadlessChrome/') });
    expect(((await headless.json()) as { rejected: unknown[] }).rejected).toHaveLength(2);
    const webdriver = await postEvents({ ...b, b: 1 });
    expect(((await webdriver.json()) as { rejected: unknown[] }).rejected).toHaveLength(2);
    expect(webdriver.headers.get('set-cookie')).toBeNull();
    expect(await rows('SELECT * FROM events WHERE site_id = ?', site.id)).toHaveLength(0);
    expect(await rows('SELECT * FROM touches WHERE site_id = ?', site.id)).toHaveLength(0);
    const [bots] = await rows<{ n: number }>("SELECT SUM(n) AS n FROM site_counters WHERE site_id = ? AND metric = 'bots'", site.id);
    expect(bots.n).toBe(6);
  });

  it('lets headless browsers through for a site with block_headless: false, but never crawlers', async () => {
    const site = await createSite('Headless ok', { settings: { block_headless: false } });
    const b = batch(site.public_key, [pageEvent(uid('s'), `${ORIGIN}/`, { l: 1 })], { b: 1 });
    const res = await postEvents(b, { 'user-agent': BROWSER_UA.replace('Chrome/', 'HeadlessChrome/') });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    const bot = await postEvents({ ...b, e: [pageEvent(uid('s'), `${ORIGIN}/`)] }, { 'user-agent': 'curl/8.5.0' });
    expect(await bot.json()).toMatchObject({ accepted: 0, rejected: [{ code: 'bot' }] });
  });

  it('sends nothing identifying without a visitor id: no cookie, no link', async () => {
    const site = await createSite();
    const res = await postEvents({ k: site.public_key, t: Date.now(), e: [pageEvent(uid('s'), `${ORIGIN}/`, { l: 1 })] });
    expect(await res.json()).toMatchObject({ accepted: 1 });
    expect(res.headers.get('set-cookie')).toBeNull();
    const [t] = await rows<{ visitor_id: string | null }>('SELECT visitor_id FROM touches WHERE site_id = ?', site.id);
    expect(t.visitor_id).toBeNull();
  });
});

describe('POST /e errors', () => {
  it.each([
    ['not JSON', '{oops', 400, 'invalid_json'],
    ['no events', { k: 'pk_x', t: 1, e: [] }, 400, 'invalid_batch'],
    ['no key', { t: 1, e: [{}] }, 401, 'missing_key'],
    ['an empty key', { k: '', t: 1, e: [{}] }, 401, 'missing_key'],
    ['a body that is not an object', [1, 2], 400, 'invalid_batch'],
  ])('%s', async (_, body, status, code) => {
    const res = await postEvents(body as object);
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
  });

  it('401 for an unknown public key, 403 for a secret key in a page', async () => {
    const site = await createSite();
    const unknown = await postEvents(batch('pk_doesnotexist', [pageEvent(uid('s'), `${ORIGIN}/`)]));
    expect(unknown.status).toBe(401);
    expect((await errorOf(unknown)).code).toBe('unknown_key');
    const secret = await postEvents(batch(site.secret_key, [pageEvent(uid('s'), `${ORIGIN}/`)]));
    expect(secret.status).toBe(403);
    expect((await errorOf(secret)).code).toBe('key_not_allowed');
  });

  it('403 without CORS headers for an origin the site does not allow', async () => {
    const site = await createSite();
    const res = await postEvents(batch(site.public_key, [pageEvent(uid('s'), 'https://evil.test/')]), { origin: 'https://evil.test' });
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('origin_not_allowed');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('413 over 64 KB or over 50 events', async () => {
    const site = await createSite();
    const s = uid('s');
    const big = await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/`, { h: 'x'.repeat(70_000) })]));
    expect(big.status).toBe(413);
    expect((await errorOf(big)).code).toBe('payload_too_large');
    const many = await postEvents(batch(site.public_key, Array.from({ length: 51 }, () => pageEvent(s, `${ORIGIN}/`))));
    expect(many.status).toBe(413);
    expect((await errorOf(many)).code).toBe('too_many_events');
  });

  it('415 for a wrong content type, 405 for a wrong method, 404 for an unknown path', async () => {
    const site = await createSite();
    const res = await postEvents(batch(site.public_key, [pageEvent(uid('s'), `${ORIGIN}/`)]), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.status).toBe(415);
    expect((await errorOf(res)).code).toBe('unsupported_media_type');
    const get = await call('/e');
    expect(get.status).toBe(405);
    expect((await errorOf(get)).code).toBe('method_not_allowed');
    const missing = await call('/v1/nothing-here', { headers: { authorization: `Bearer ${site.secret_key}` } });
    expect(missing.status).toBe(404);
    expect((await errorOf(missing)).code).toBe('not_found');
  });

  it('answers a CORS preflight', async () => {
    const res = await call('/e', { method: 'OPTIONS', headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe('contacts', () => {
  it('leaves updated_at alone when a repeat identify changes nothing, and moves it on a real change', async () => {
    const site = await createSite();
    const send = (extra: Record<string, unknown>) =>
      postEvents(batch(site.public_key, [{ i: uid(), y: 'identify', c: Date.now(), s: uid('s'), m: 'lee@repeat-co.com', ...extra }]));
    await send({});
    const [before] = await rows<{ updated_at: number }>('SELECT updated_at FROM contacts WHERE site_id = ?', site.id);
    await new Promise((r) => setTimeout(r, 5));
    await send({});
    const [same] = await rows<{ updated_at: number }>('SELECT updated_at FROM contacts WHERE site_id = ?', site.id);
    expect(same.updated_at).toBe(before.updated_at);
    await send({ o: 'Repeat Co' });
    const [changed] = await rows<{ updated_at: number; company: string }>('SELECT updated_at, company FROM contacts WHERE site_id = ?', site.id);
    expect(changed.company).toBe('Repeat Co');
    expect(changed.updated_at).toBeGreaterThan(before.updated_at);
  });
});
