// Campaign landings through the built snippet in a fake browser: what reaches the Worker in u, r, l and s.
// The Worker derives campaigns and channels from u and r (edge/src/ingest/campaign.ts); the snippet's
// part is to send them whole, mark a session's landing, and never end a session over a campaign.
import vm from 'node:vm';
import { rollup, type OutputOptions, type RollupOptions } from 'rollup';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WireBatch, WireEvent } from '../../schemas/wire';

const SITE = 'https://www.example.com';
const MIN = 60_000;
let code = '';

beforeAll(async () => {
  // The real build (rollup config, TypeScript, terser), kept in memory: sdk-size.test.ts writes sdk/dist.
  const configUrl = new URL('../../sdk/rollup.config.mjs', import.meta.url).href;
  const config: RollupOptions & { output: OutputOptions } = (await import(/* @vite-ignore */ configUrl)).default;
  const bundle = await rollup({ ...config, onwarn: () => {} });
  code = (await bundle.generate(config.output)).output[0].code;
  await bundle.close();
}, 60_000);

/** What a browser tab shares with the next page load of the same site: localStorage and the clock. */
const visitor = () => ({ storage: new Map<string, string>(), clock: Date.UTC(2025, 0, 6, 9), batches: [] as WireBatch[] });
type Visitor = ReturnType<typeof visitor>;

/** Loads the snippet into a fresh page at `href`, as if the browser had navigated there. */
const openPage = (v: Visitor, href: string, referrer = '') => {
  let url = new URL(href);
  const timers: (() => void)[] = [];
  const storage = {
    getItem: (k: string) => v.storage.get(k) ?? null,
    setItem: (k: string, value: string) => void v.storage.set(k, value),
  };
  const go = (to: string | URL | null | undefined) => {
    if (to != null) url = new URL(to, url);
  };
  const window: Record<string, unknown> = {
    document: {
      currentScript: { dataset: { site: 'pk_test' }, src: `${SITE}/s.js` },
      referrer,
      title: 'Pricing',
      cookie: '',
      visibilityState: 'visible',
      addEventListener: () => {},
    },
    location: {
      get href() {
        return url.href;
      },
      get host() {
        return url.host;
      },
      protocol: 'https:',
    },
    history: {
      pushState: (_state: unknown, _title: string, to?: string) => go(to),
      replaceState: (_state: unknown, _title: string, to?: string) => go(to),
    },
    navigator: { webdriver: false, sendBeacon: () => false },
    localStorage: storage,
    fetch: async (_url: string, init: { body: string }) => {
      v.batches.push(JSON.parse(init.body));
      return { status: 200, headers: { get: () => null }, text: async () => '{}' };
    },
    setTimeout: (fn: () => void) => timers.push(fn),
    clearTimeout: () => {},
    addEventListener: () => {},
    Date: { now: () => v.clock },
    crypto,
    btoa,
    Blob,
    URL,
  };
  window.window = window;
  vm.createContext(window);
  vm.runInContext(code, window);
  const settle = async () => {
    for (let round = 0; round < 5; round++) {
      timers.splice(0).forEach((fn) => fn());
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return {
    settle,
    /** An SPA navigation through the page's own router. */
    push: (to: string) => (window.history as { pushState: (s: unknown, t: string, u: string) => void }).pushState({}, '', to),
    replace: (to: string) => (window.history as { replaceState: (s: unknown, t: string, u: string) => void }).replaceState({}, '', to),
  };
};

const pageViews = (v: Visitor): WireEvent[] => v.batches.flatMap((b) => b.e).filter((e) => e.y === 'page');

describe('campaign landings', () => {
  it('sends the landing URL whole, with its UTMs and click id, as the session landing', async () => {
    const v = visitor();
    const gclid = 'Cj0KCQiA' + 'x'.repeat(400);
    const landing = `${SITE}/pricing?utm_source=google&utm_medium=cpc&utm_campaign=brand&utm_term=crm&utm_content=ad1&utm_id=42&gclid=${gclid}`;
    await openPage(v, landing, 'https://www.google.com/').settle();
    const [view] = pageViews(v);
    expect(view).toMatchObject({ u: landing, l: 1, r: 'https://www.google.com/', h: 'Pricing' });
    expect(v.batches[0].v).toMatch(/^[A-Za-z0-9_-]{21}$/);
  });

  it('cuts a URL longer than the wire limit at exactly 2,048 characters, never shorter', async () => {
    const v = visitor();
    const long = `${SITE}/?utm_source=newsletter&fbclid=${'f'.repeat(2100)}`;
    await openPage(v, long).settle();
    expect(pageViews(v)[0].u).toBe(long.slice(0, 2048));
  });

  it('sends no referrer for internal navigation', async () => {
    const v = visitor();
    await openPage(v, `${SITE}/pricing`, `${SITE}/`).settle();
    expect(pageViews(v)[0]).not.toHaveProperty('r');
  });

  it('keeps the session when a new campaign arrives mid-session, in the same page (SPA)', async () => {
    const v = visitor();
    const page = openPage(v, `${SITE}/?utm_source=google&utm_medium=cpc&gclid=first`, 'https://www.google.com/');
    await page.settle();
    v.clock += 5 * MIN;
    page.push('/features?utm_source=linkedin&utm_medium=paid_social&li_fat_id=second');
    await page.settle();
    const [landing, next] = pageViews(v);
    expect(next.s).toBe(landing.s);
    expect(next.u).toBe(`${SITE}/features?utm_source=linkedin&utm_medium=paid_social&li_fat_id=second`);
    // Not a landing, and the referrer stays with the page load's first view.
    expect(next).not.toHaveProperty('l');
    expect(next).not.toHaveProperty('r');
  });

  it('keeps the session when a new campaign arrives mid-session on a new page load', async () => {
    const v = visitor();
    await openPage(v, `${SITE}/?utm_source=google&utm_medium=cpc`, 'https://www.google.com/').settle();
    v.clock += 10 * MIN;
    await openPage(v, `${SITE}/webinar?utm_source=newsletter&utm_medium=email&utm_campaign=may`, 'https://mail.example.net/').settle();
    const [first, second] = pageViews(v);
    expect(second.s).toBe(first.s);
    expect(second).not.toHaveProperty('l');
    // Its URL and referrer are what the Worker makes the new touch from.
    expect(second).toMatchObject({ u: `${SITE}/webinar?utm_source=newsletter&utm_medium=email&utm_campaign=may`, r: 'https://mail.example.net/' });
    expect(v.batches[1].v).toBe(v.batches[0].v);
  });

  it('starts a new session, landing included, after 30 idle minutes even on the same campaign', async () => {
    const v = visitor();
    const url = `${SITE}/?utm_source=google&utm_medium=cpc`;
    await openPage(v, url).settle();
    v.clock += 31 * MIN;
    await openPage(v, url).settle();
    const [first, second] = pageViews(v);
    expect(second.s).not.toBe(first.s);
    expect(second.l).toBe(1);
    expect(v.batches[1].v).toBe(v.batches[0].v);
  });

  it('counts an unchanged URL once: a replaceState, a second tl("page") or a fragment change', async () => {
    const v = visitor();
    const page = openPage(v, `${SITE}/?utm_source=x`);
    page.replace(`${SITE}/?utm_source=x`);
    page.replace(`${SITE}/?utm_source=x#pricing`);
    page.push('/next');
    page.push('/next');
    await page.settle();
    expect(pageViews(v).map((e) => e.u)).toEqual([`${SITE}/?utm_source=x`, `${SITE}/next`]);
  });
});
