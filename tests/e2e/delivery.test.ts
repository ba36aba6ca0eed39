// Delivery in Chromium: only an answer the snippet read takes events off its queue. Beacons and
// unanswered sends stay queued and go again from the next page; a 4xx the Worker makes readable
// (CORS on errors) is read, and the batch dropped instead of retried forever.
import { describe, expect, it } from 'vitest';
import { eventually, fixtureUrl, workerUrl } from './harness';
import { startScriptedProxy } from './scripted-proxy';
import { count, drained, eventsUrl, openPage, stored, storedOnce, useBrowser, visitor } from './snippet-visit';

useBrowser();

describe('delivery', () => {
  it('a landing answered 503, then a beacon with the lead form answered 429: both are stored exactly once, from the next page', async () => {
    const v = await visitor();
    // Every send from the landing page fails: its fetches with 503, its beacons with 429. The thank-you
    // page's sends (their batch holds its own page view) reach the Worker.
    const proxy = await startScriptedProxy(workerUrl(), fixtureUrl(), (req) => {
      if (req.body.e?.some((e) => e.y === 'page' && String(e.u).includes('/thanks.html'))) return null;
      return req.kind === 'fetch' ? 503 : 429;
    });
    try {
      const { page } = await openPage(v, '03_form/', `&api=${proxy.url}&utm_source=linkedin&utm_medium=paid_social&utm_campaign=beacon-e2e`);
      await eventually(async () => proxy.seen.some((r) => r.status === 503));
      await page.fill('#email', 'robin.beacon-e2e@beacon-corp.example');
      await Promise.all([page.waitForURL((url) => url.pathname.endsWith('/03_form/thanks.html')), page.click('#submit')]);
      await drained(page);

      const rows = await storedOnce(
        () =>
          stored(v.site.id, {
            events: ['event_id', 'type', 'url'],
            touches: ['touch_type', 'campaign', 'source'],
            conversions: ['stage', 'origin', 'contact_id'],
          }),
        (r) => r.events.length >= 3,
      );
      expect(count(rows.events, (e) => e.type)).toEqual({ page: 2, form: 1 });
      expect(rows.touches).toEqual([{ touch_type: 'form_fill', campaign: 'beacon-e2e', source: 'linkedin' }]);
      expect(rows.conversions).toEqual([{ stage: 'lead', origin: 'web', contact_id: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

      // The landing and the form went by a beacon that was answered 429, and were sent again from the next page.
      const landing = rows.events.find((e) => e.type === 'page' && !String(e.url).includes('/thanks.html'))!.event_id;
      const form = rows.events.find((e) => e.type === 'form')!.event_id;
      const carriers = (id: string) => proxy.seen.filter((r) => r.ids.includes(id)).map((r) => `${r.kind} ${r.status}`);
      expect(carriers(landing)).toEqual(expect.arrayContaining(['fetch 503', 'beacon 429', 'fetch 200']));
      expect(carriers(form)).toEqual(expect.arrayContaining(['beacon 429', 'fetch 200']));
    } finally {
      await proxy.close();
    }
  });

  it('a 4xx the browser can read (CORS on errors) drops the batch instead of retrying it forever', async () => {
    const v = await visitor();
    // A site whose key was retired: every batch is answered 401 unknown_key by the Worker itself.
    await v.context.route(eventsUrl(), (route) => {
      const body = JSON.parse(route.request().postData() ?? '{}');
      return route.continue({ postData: JSON.stringify({ ...body, k: 'pk_retired_e2e_key' }) });
    });
    const { page } = await openPage(v, '01_landing/');
    await drained(page);
    expect(v.attempts.map((a) => [a.kind, a.status, a.failed])).toEqual([['fetch', 401, undefined]]);
    expect((await stored(v.site.id, { events: ['event_id'] })).events).toEqual([]);
  });
});
