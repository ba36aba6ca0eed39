// The browser snippet in real Chromium: numbered fixture pages, asserting on what the Worker stored in local D1.
// Visitors, fixture pages and the reads of D1 live in snippet-visit.ts.
import { describe, expect, it } from 'vitest';
import { eventually, fixtureUrl } from './harness';
import { count, drained, eventsUrl, fulfil, openPage, pathOf, stored, storedOnce, useBrowser, visitor, type Row } from './snippet-visit';

useBrowser();

describe('the snippet in Chromium, against the Worker and D1', () => {
  it('01: a landing with UTMs and a gclid stores a Paid Search touch, and the Worker sets the tl_vid cookie', async () => {
    const gclid = `Cj0KCQ${'aB3_-x'.repeat(200)}`; // 1,206 chars: kept whole (the limit is 2,048)
    const utms = '&utm_source=google&utm_medium=cpc&utm_campaign=brand-e2e&utm_term=attribution+software&utm_content=ad-1';
    const v = await openPage(await visitor(), '01_landing/', `${utms}&gclid=${gclid}`);
    await drained(v.page);

    const { events, touches } = await stored(v.site.id, {
      events: ['event_id', 'type', 'visitor_id', 'session_id', 'url'],
      touches: ['touch_type', 'channel', 'source', 'medium', 'campaign', 'term', 'content', 'click_id_type', 'click_id', 'visitor_id', 'session_id', 'url'],
    });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'page', visitor_id: expect.stringMatching(/^[\w-]{8,64}$/) });
    expect(touches).toEqual([
      expect.objectContaining({
        touch_type: 'web_visit',
        channel: 'Paid Search',
        source: 'google',
        medium: 'cpc',
        campaign: 'brand-e2e',
        term: 'attribution software',
        content: 'ad-1',
        click_id_type: 'gclid',
        click_id: gclid,
        visitor_id: events[0].visitor_id,
        session_id: events[0].session_id,
      }),
    ]);
    expect(touches[0].url).toContain(`gclid=${gclid}`);

    // The first batch's answer set the id as a first-party cookie (the snippet itself never writes it).
    expect(v.attempts).toHaveLength(1);
    const cookies = await v.context.cookies(fixtureUrl());
    expect(cookies.filter((c) => c.name === 'tl_vid')).toEqual([
      expect.objectContaining({ value: events[0].visitor_id, path: '/', sameSite: 'Lax', httpOnly: false }),
    ]);
    // Max-Age of a year, not a session cookie.
    expect(cookies.find((c) => c.name === 'tl_vid')!.expires * 1000).toBeGreaterThan(Date.now() + 360 * 864e5);
    expect(await v.page.evaluate(() => localStorage.getItem('tl_vid'))).toBe(events[0].visitor_id);
  });

  it('02: SPA navigation counts one page view per new URL: pushState, replaceState, popstate; never the same URL twice', async () => {
    const v = await openPage(await visitor(), '02_spa/index.html');
    const landing = pathOf(v.page.url());
    await drained(v.page);
    const step = async (fn: () => unknown) => {
      await v.page.evaluate(fn);
      await drained(v.page);
    };
    // history.back() resolves before its popstate: wait for the event (the snippet's listener runs first).
    const back = () => step(() => new Promise((r) => { addEventListener('popstate', () => setTimeout(r), { once: true }); history.back(); }));

    await step(() => (window as any).route('/02_spa/pricing')); // view
    await step(() => (window as any).route('/02_spa/pricing')); // same URL again: no view
    await step(() => history.replaceState({ scrollY: 40 }, '', location.href)); // a router saving scroll state: no view
    await step(() => history.replaceState({}, '', '/02_spa/pricing?plan=team')); // view
    await step(() => (window as any).route('#faq')); // only the fragment: no view
    await step(() => (window as any).tl('page')); // an explicit tl('page') on the same URL: no view
    await back(); // to /02_spa/pricing?plan=team: no view
    await back(); // to /02_spa/pricing: view
    await back(); // to the landing URL: view

    const { events, touches } = await stored(v.site.id, {
      events: ['type', 'url', 'session_id', 'visitor_id', 'referrer'],
      touches: ['touch_id', 'url'],
    });
    expect(events.map((e) => pathOf(e.url))).toEqual([landing, '/02_spa/pricing', '/02_spa/pricing?plan=team', '/02_spa/pricing', landing]);
    expect(new Set(events.map((e) => `${e.type} ${e.session_id} ${e.visitor_id} ${e.referrer}`)).size).toBe(1);
    expect(events[0]).toMatchObject({ type: 'page', referrer: null });
    // Internal navigation never makes a touch: only the landing did.
    expect(touches.map((t) => pathOf(t.url))).toEqual([landing]);
  });

  it("02b: sessions follow the site's session_minutes, which the Worker sends with every answer", async () => {
    const v = await openPage(await visitor({ settings: { session_minutes: 120 } }), '02_spa/index.html');
    await drained(v.page);
    expect(await v.page.evaluate(() => localStorage.getItem('tl_m'))).toBe('120');
    // 45 minutes idle: past the default 30, within the site's 120. Simulated by ageing the stored session.
    const idle = (minutes: number) =>
      v.page.evaluate((ms) => {
        const s = JSON.parse(localStorage.getItem('tl_s')!);
        localStorage.setItem('tl_s', JSON.stringify({ ...s, s: s.s - ms, a: s.a - ms }));
      }, minutes * 60_000);
    await idle(45);
    await v.page.evaluate(() => (window as any).route('/02_spa/pricing'));
    await drained(v.page);
    await idle(121);
    await v.page.evaluate(() => (window as any).route('/02_spa/docs'));
    await drained(v.page);

    const { events } = await stored(v.site.id, { events: ['url', 'session_id'] });
    expect(events.map((e) => pathOf(e.url).split('?')[0])).toEqual(['/02_spa/index.html', '/02_spa/pricing', '/02_spa/docs']);
    const [first, afterIdle45, afterIdle121] = events.map((e) => e.session_id);
    expect(afterIdle45).toBe(first);
    expect(afterIdle121).not.toBe(first);
  });

  it('03: a lead form identifies the contact and records a lead; no password, card number, hidden value, free text or raw email is stored', async () => {
    const secrets = {
      email: 'Dana.E2E-Lead@Acme-Corp.example',
      password: 'Tr0ub4dor-e2e-secret',
      card: '4242 4242 4242 4242',
      hidden: 'csrf-e2e-hidden-value-9f3k',
      message: 'please call me on my cell, e2e free text',
    };
    const v = await openPage(await visitor(), '03_form/');
    await drained(v.page);
    await v.page.fill('#email', secrets.email);
    await v.page.fill('#company', 'Acme Corp');
    await v.page.fill('#password', secrets.password);
    await v.page.fill('#card', secrets.card);
    await v.page.fill('#message', secrets.message);
    await Promise.all([v.page.waitForURL((url) => url.pathname.endsWith('/03_form/thanks.html')), v.page.click('#submit')]);
    await drained(v.page);
    const vid = await v.page.evaluate(() => localStorage.getItem('tl_vid'));

    // The form event may still be on its way (keepalive fetch or the pagehide beacon) when the thank-you page is done.
    // The scan looks for the form's other values in every row of every table; the email's local part
    // stands for the raw email (its domain is stored on purpose), in clear or URL-encoded.
    const cardDigits = secrets.card.replace(/ /g, '');
    const rows = await storedOnce(
      () =>
        stored(
          v.site.id,
          {
            events: ['event_id', 'type', 'visitor_id', 'contact_id', 'name', 'props'],
            touches: ['touch_type', 'visitor_id'],
            contacts: ['contact_id', 'email_domain', 'account_domain', 'company'],
            identity_links: ['visitor_id', 'contact_id'],
            conversions: ['stage', 'origin', 'visitor_id', 'contact_id', 'account_domain'],
          },
          ['dana.e2e-lead', secrets.password, secrets.card, cardDigits, secrets.hidden, secrets.message],
        ),
      (r) => r.conversions.length && r.events.length === 3,
    );
    expect(count(rows.events, (e) => e.type)).toEqual({ page: 2, form: 1 });
    const form = rows.events.find((e) => e.type === 'form')!;
    expect(form).toMatchObject({ visitor_id: vid, contact_id: expect.stringMatching(/^[0-9a-f]{64}$/), name: 'demo-request' });
    expect(JSON.parse(form.props)).toEqual({ form_id: 'demo-request', form_name: 'demo', stage: 'lead' });
    expect(rows.contacts).toEqual([{ contact_id: form.contact_id, email_domain: 'acme-corp.example', account_domain: 'acme-corp.example', company: 'Acme Corp' }]);
    expect(rows.identity_links).toEqual([{ visitor_id: vid, contact_id: form.contact_id }]);
    // The lead is the contact's; its account is the contact's (above), read by the attribution job.
    expect(rows.conversions).toEqual([{ stage: 'lead', origin: 'web', visitor_id: vid, contact_id: form.contact_id, account_domain: null }]);
    // The form submitted in the landing's session upgrades its touch (docs/attribution.md).
    expect(rows.touches).toEqual([{ touch_type: 'form_fill', visitor_id: vid }]);
    expect(rows.leaks).toEqual([]);

    // …nor was any of it sent: the wire carried the email (to be hashed at the edge) and the company only.
    const wire = JSON.stringify(v.attempts.map((a) => a.body));
    for (const value of [secrets.password, secrets.card, cardDigits, secrets.hidden, secrets.message]) {
      expect(wire).not.toContain(value);
    }
  });

  it('04: events made while offline are kept with their ids and stored exactly once after the network returns', async () => {
    // Playwright's user agent override does not reach a beacon sent as the page unloads (it goes out as
    // HeadlessChrome): this site lets headless browsers in so that the reload's beacon is not filtered.
    const v = await openPage(await visitor({ settings: { block_headless: false } }), '04_offline/');
    await drained(v.page);
    const failures = () => v.attempts.filter((a) => a.failed).length;

    // Offline, the snippet's own retries fail; back online, its backoff timer delivers (no flush, no reload).
    await v.context.setOffline(true);
    await v.page.evaluate(() => {
      (window as any).tl('track', 'offline-1');
      history.pushState({}, '', `${location.search}&step=offline`);
    });
    await eventually(async () => failures() >= 1);
    expect(await v.page.evaluate(() => JSON.parse(localStorage.getItem('tl_q')!).length)).toBe(2);
    await v.context.setOffline(false);
    await drained(v.page);

    // Offline again; back online and the page reloads: the pagehide beacon or the next page delivers.
    const failed = failures();
    await v.context.setOffline(true);
    await v.page.evaluate(() => (window as any).tl('track', 'offline-2'));
    await eventually(async () => failures() > failed);
    await v.context.setOffline(false);
    await v.page.reload();
    await drained(v.page);

    const { events } = await storedOnce(
      () => stored(v.site.id, { events: ['event_id', 'type', 'name', 'url'] }),
      (r) => r.events.length >= 5,
    );
    const label = (e: Row) => (e.type === 'track' ? e.name : e.url.includes('step=offline') ? 'page after pushState' : 'page');
    expect(count(events, label)).toEqual({ page: 1, 'offline-1': 1, 'page after pushState': 2, 'offline-2': 1 });
    // Every id the browser ever tried (failed attempts included) is stored, once: retries kept the ids.
    const tried = new Set(v.attempts.flatMap((a) => a.ids));
    expect(events.map((e) => e.event_id).sort()).toEqual([...tried].sort());
  });

  it('05: a batch answered 503, then 429 with Retry-After, is retried with the same ids and stored once', async () => {
    const v = await visitor();
    const answers = [503, 429];
    await v.context.route(eventsUrl(), (route) => {
      const status = answers.shift();
      if (status === 503) return fulfil(route, 503);
      if (status === 429) return fulfil(route, 429, { 'retry-after': '1' });
      return route.continue();
    });
    const { page } = await openPage(v, '05_retry/');
    await drained(page);

    expect(v.attempts.map((a) => a.status)).toEqual([503, 429, 200]);
    const [first] = v.attempts;
    expect(first.ids).toHaveLength(1);
    expect(v.attempts.map((a) => a.ids)).toEqual([first.ids, first.ids, first.ids]);
    const { events } = await stored(v.site.id, { events: ['event_id', 'type', 'name'] });
    expect(events).toEqual([{ event_id: first.ids[0], type: 'page', name: '05 retry' }]);
  });

  /**
   * Opens 06_hidden/, then makes every fetch to /e fail (503) once the landing is stored and tracks
   * `name`: only a beacon can deliver that event. Returns the page and the stuck event's id.
   */
  async function stuckEvent(v: Awaited<ReturnType<typeof visitor>>, name: string) {
    let blockFetch = false;
    await v.context.route(eventsUrl(), (route) =>
      blockFetch && route.request().resourceType() === 'fetch' ? fulfil(route, 503) : route.continue(),
    );
    const { page } = await openPage(v, '06_hidden/');
    await drained(page);
    blockFetch = true;
    await page.evaluate((n) => (window as any).tl('track', n), name);
    await eventually(async () => v.attempts.some((a) => a.status === 503));
    const [id] = v.attempts.find((a) => a.status === 503)!.ids;
    return { page, id, unblock: () => void (blockFetch = false) };
  }

  it('06a: a page going hidden hands its queued events to sendBeacon, which delivers them; they stay queued until an answer is read', async () => {
    const v = await visitor();
    const { page, id, unblock } = await stuckEvent(v, 'before-hidden');

    // What a tab switch or minimised window does (headless Chromium has no other way to hide a page).
    await page.evaluate(() => {
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const { events } = await storedOnce(
      () => stored(v.site.id, { events: ['event_id', 'type', 'name'] }),
      (r) => r.events.some((e) => e.event_id === id),
    );
    expect(events.map((e) => e.name)).toEqual(['06 hidden', 'before-hidden']);
    // It went by beacon ("ping"); every fetch that carried it was refused.
    const carriers = () => v.attempts.filter((a) => a.ids.includes(id));
    expect(carriers().filter((a) => a.kind === 'ping')).toHaveLength(1);
    expect(carriers().filter((a) => a.kind !== 'ping').map((a) => `${a.kind} ${a.status}`)).toEqual(expect.arrayContaining(['fetch 503']));
    expect(carriers().every((a) => a.kind === 'ping' || a.status === 503)).toBe(true);
    // No answer to the beacon was read: the event is still queued, and goes again with the next fetch.
    expect(await page.evaluate(() => localStorage.getItem('tl_q'))).toContain(id);
    unblock();
    await page.evaluate(() => (window as any).tl('flush'));
    await drained(page);
    expect(carriers().at(-1)).toMatchObject({ kind: 'fetch', status: 200 });
    expect((await stored(v.site.id, { events: ['event_id'] })).events.filter((e) => e.event_id === id)).toHaveLength(1);
  });

  it('06b: a page closed with events still queued delivers them by sendBeacon on pagehide', async () => {
    const v = await visitor();
    const { page, id } = await stuckEvent(v, 'before-close');

    await page.close({ runBeforeUnload: true });
    const { events } = await storedOnce(
      () => stored(v.site.id, { events: ['event_id', 'type', 'name'] }),
      (r) => r.events.some((e) => e.event_id === id),
    );
    expect(events.map((e) => e.name)).toEqual(['06 hidden', 'before-close']);
  });

  it('07: with Global Privacy Control on, nothing identifying is sent or stored, even after identify and a form', async () => {
    const v = await openPage(
      await visitor({ init: () => Object.defineProperty(navigator, 'globalPrivacyControl', { get: () => true }) }),
      '07_gpc/',
    );
    await drained(v.page);
    await v.page.fill('#email', 'gpc.form-e2e@gpc-corp.example');
    await v.page.fill('#company', 'GPC Corp E2E');
    await v.page.click('#submit');
    await v.page.evaluate(() => {
      const tl = (window as any).tl;
      tl('identify', { email: 'gpc.identify-e2e@gpc-corp.example', company: 'GPC Corp E2E' });
      tl('track', 'after-identify');
    });
    await drained(v.page);

    const rows = await stored(
      v.site.id,
      {
        events: ['type', 'name', 'visitor_id', 'contact_id'],
        touches: ['visitor_id', 'contact_id'],
        visitors: ['visitor_id'],
        contacts: ['contact_id'],
        identity_links: ['visitor_id'],
        conversions: ['stage', 'visitor_id', 'contact_id', 'account_domain'],
      },
      ['gpc.form-e2e', 'gpc.identify-e2e', 'gpc-corp.example', 'GPC Corp E2E'],
    );
    // Events are still counted, anonymously; the identify call never left the page.
    // (By type: the form and the track event go in separate batches, whose clock-skew corrections may swap them by a millisecond.)
    expect(rows.events.sort((a, b) => a.type.localeCompare(b.type))).toEqual([
      { type: 'form', name: 'gpc-form', visitor_id: null, contact_id: null },
      { type: 'page', name: '07 gpc', visitor_id: null, contact_id: null },
      { type: 'track', name: 'after-identify', visitor_id: null, contact_id: null },
    ]);
    expect(rows.touches).toEqual([{ visitor_id: null, contact_id: null }]);
    expect(rows.conversions).toEqual([{ stage: 'lead', visitor_id: null, contact_id: null, account_domain: null }]);
    expect({ visitors: rows.visitors, contacts: rows.contacts, identity_links: rows.identity_links }).toEqual({ visitors: [], contacts: [], identity_links: [] });
    expect(rows.leaks).toEqual([]);

    // Nor on the wire, nor in the browser: no visitor id, email or company went out; no id is kept.
    expect(v.attempts.length).toBeGreaterThan(0);
    for (const { body } of v.attempts) {
      expect(body.v).toBeUndefined();
      expect(body.e.filter((e: Row) => e.m !== undefined || e.o !== undefined)).toEqual([]);
    }
    expect((await v.context.cookies()).map((c) => c.name)).not.toContain('tl_vid');
    expect(await v.page.evaluate(() => [localStorage.getItem('tl_vid') || null, document.cookie.includes('tl_vid')])).toEqual([null, false]);
  });

  it("07b: tl('consent', false) drops the events still queued, which carry the visitor id, session and email", async () => {
    const v = await openPage(await visitor(), '07_gpc/');
    await drained(v.page);
    const failures = () => v.attempts.filter((a) => a.failed).length;
    await v.context.setOffline(true);
    await v.page.evaluate(() => {
      const tl = (window as any).tl;
      tl('identify', { email: 'withdrawn-e2e@consent-corp.example', company: 'Consent Corp E2E' });
      tl('track', 'before-refusal');
    });
    await eventually(async () => failures() >= 1);
    const sentBefore = v.attempts.length;
    await v.page.evaluate(() => (window as any).tl('consent', false));
    expect(await v.page.evaluate(() => localStorage.getItem('tl_q'))).toBe('[]');
    await v.context.setOffline(false);
    await v.page.evaluate(() => (window as any).tl('track', 'after-refusal'));
    await drained(v.page);

    const rows = await stored(
      v.site.id,
      { events: ['type', 'name', 'visitor_id', 'contact_id'], contacts: ['contact_id'], identity_links: ['visitor_id'] },
      ['withdrawn-e2e', 'consent-corp.example', 'Consent Corp E2E'],
    );
    // The page view sent with consent keeps its visitor; what was queued never leaves the page; what
    // follows the refusal is anonymous.
    expect(rows.events.map((e) => [e.type, e.name, e.visitor_id === null, e.contact_id])).toEqual([
      ['page', '07 gpc', false, null],
      ['track', 'after-refusal', true, null],
    ]);
    expect({ contacts: rows.contacts, links: rows.identity_links, leaks: rows.leaks }).toEqual({ contacts: [], links: [], leaks: [] });
    for (const { body } of v.attempts.slice(sentBefore)) {
      expect(body.e.map((e: Row) => e.n)).not.toContain('before-refusal');
      expect(body.v).toBeUndefined();
      expect(body.e.filter((e: Row) => e.m !== undefined || e.o !== undefined)).toEqual([]);
    }
  });

  it('08a: calls made before the script loads are replayed in order, and reach the Worker', async () => {
    // The page's own stub (`window.tl = window.tl || …`) keeps this one, queued before any page script runs.
    const init = () => {
      const w = window as any;
      w.tl = function () {
        (w.tl.q = w.tl.q || []).push(arguments);
      };
      w.tl('track', 'queued-first', { n: 1 });
      w.tl('track', 'queued-second', { n: 2 });
    };
    const v = await openPage(await visitor({ init }), '01_landing/');
    await drained(v.page);
    const sent = v.attempts.flatMap((a) => a.body.e.map((e: Row) => e.n ?? e.y));
    expect(sent.filter((n: string) => n.startsWith('queued-'))).toEqual(['queued-first', 'queued-second']);
    const { events } = await stored(v.site.id, { events: ['type', 'name', 'props'] });
    expect(events.filter((e) => e.type === 'track')).toEqual(
      expect.arrayContaining([
        { type: 'track', name: 'queued-first', props: JSON.stringify({ n: 1 }) },
        { type: 'track', name: 'queued-second', props: JSON.stringify({ n: 2 }) },
      ]),
    );
  });

  it('08: a host page whose own scripts throw still reports, and the snippet surfaces no error of its own', async () => {
    const v = await openPage(await visitor(), '08_throwing_host/');
    await drained(v.page);
    // More calls it cannot make sense of, after it loaded: none may throw into the page.
    await v.page.evaluate(() => {
      const tl = (window as any).tl;
      const circular: Row = {};
      circular.self = circular;
      tl('track', 'circular-after-load', circular);
      tl('identify', { email: { not: 'a string' } });
      tl(42, 'x');
      tl('track', 'still-reporting', { plan: 'team' });
    });
    await drained(v.page);

    expect([...v.errors].sort()).toEqual(['host-error-after-snippet-tag', 'host-error-before-stub', 'host-error-on-load']);
    const { events } = await stored(v.site.id, { events: ['type', 'name', 'props'] });
    // (The identify with an object for an email reached the Worker, which refused it.)
    expect(events).toEqual([
      { type: 'page', name: '08 throwing host', props: JSON.stringify({ title: '08 throwing host' }) },
      { type: 'track', name: 'still-reporting', props: JSON.stringify({ plan: 'team' }) },
    ]);
  });
});
