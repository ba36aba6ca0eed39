// Realistic, seeded snippet batches for POST /e, each with the D1 statements the Worker's write path issues for it.
import { prng } from './stats.mjs';

/** A current desktop Chrome: without a browser user agent the Worker counts the batch as a bot. */
export const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const PAGES = ['/', '/pricing', '/product', '/product/attribution', '/customers', '/blog/b2b-attribution-guide', '/docs/install', '/demo', '/about'];
const CAMPAIGNS = ['q4_pipeline', 'brand', 'retargeting_2026', 'webinar_nov', 'abm_tier1', 'newsletter_42'];

/**
 * Where a session comes from, weighted roughly like a B2B site's traffic: the landing's query string
 * (UTMs, click ids) and external referrer that the Worker classifies into a GA4 channel.
 */
const SOURCES = [
  { w: 30, make: () => ({ query: '', referrer: undefined }) },
  { w: 20, make: (r) => ({ query: '', referrer: r.pick(['https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/']) }) },
  {
    w: 15,
    make: (r) => ({
      query: `?utm_source=google&utm_medium=cpc&utm_campaign=${r.pick(CAMPAIGNS)}&utm_term=b2b+attribution&gclid=Cj0KCQiA${r.int(1e9)}`,
      referrer: 'https://www.google.com/',
    }),
  },
  {
    w: 10,
    make: (r) => ({ query: `?utm_source=linkedin&utm_medium=paid_social&utm_campaign=${r.pick(CAMPAIGNS)}&li_fat_id=${r.int(1e9).toString(36)}`, referrer: undefined }),
  },
  { w: 10, make: (r) => ({ query: `?utm_source=newsletter&utm_medium=email&utm_campaign=${r.pick(CAMPAIGNS)}&utm_content=cta_top`, referrer: undefined }) },
  { w: 10, make: (r) => ({ query: '', referrer: r.pick(['https://news.ycombinator.com/', 'https://www.g2.com/products/x/reviews', 'https://partner.example.org/blog']) }) },
  { w: 5, make: (r) => ({ query: '', referrer: r.pick(['https://www.linkedin.com/', 'https://t.co/abc', 'https://www.reddit.com/r/marketing/']) }) },
];
const SOURCE_TOTAL = SOURCES.reduce((s, x) => s + x.w, 0);

function pickSource(r) {
  let n = r.next() * SOURCE_TOTAL;
  for (const s of SOURCES) if ((n -= s.w) < 0) return s.make(r);
  return SOURCES[0].make(r);
}

const pad = (n, w = 8) => n.toString(36).padStart(w, '0');

/**
 * Makes batch number `i` for public key `pk`. 85% hold 1–5 events, 15% hold 10–20 (a tab that
 * queued a while); 60% start a session with a landing; 8% carry a form fill with an email (a third
 * free-mail, half marked as a lead conversion); 2% resend an earlier batch unchanged, as the
 * snippet's retry does, which the Worker answers as duplicates.
 */
export function makeTraffic({ seed, origin, runId }) {
  const r = prng(seed);
  const sent = [];
  return function batchFor(i, pk) {
    if (sent.length > 20 && r.chance(0.02)) {
      const again = sent[r.int(sent.length)];
      if (again.pk === pk) return { ...again, body: { ...again.body, t: Date.now() }, resend: true };
    }
    const now = Date.now();
    const visitor = `v${runId}${pad(i)}`;
    const session = `s${runId}${pad(i)}`;
    const count = r.chance(0.85) ? 1 + r.int(5) : 10 + r.int(11);
    const events = [];
    const plan = { touches: 0, forms: 0, contacts: 0, accounts: 0, links: 0, conversions: 0 };
    const landing = r.chance(0.6);
    const hasForm = r.chance(0.08);
    for (let j = 0; j < count; j++) {
      const e = { i: `e${runId}${pad(i)}${pad(j, 3)}`, c: now - (count - j) * 1500, s: session };
      if (j === 0 && landing) {
        const src = pickSource(r);
        Object.assign(e, { y: 'page', l: 1, u: `${origin}${r.pick(PAGES)}${src.query}`, h: 'Touchline — B2B attribution' });
        if (src.referrer) e.r = src.referrer;
        plan.touches = 1; // a landing always makes a touch (snippet.ts)
      } else if (hasForm && j === count - 1) {
        const freeMail = r.chance(1 / 3);
        const company = `acme${r.int(5000)}`;
        const email = freeMail ? `jane.${company}@gmail.com` : `jane.doe${r.int(50)}@${company}.example.com`;
        Object.assign(e, { y: 'form', u: `${origin}/demo`, m: email, o: `${company} Inc`, f: { i: 'demo-form', a: '/thanks' } });
        if (r.chance(0.5)) {
          e.g = 'lead';
          plan.conversions = 1;
        }
        plan.forms = plan.contacts = plan.links = 1;
        if (!freeMail) plan.accounts = 1;
      } else if (r.chance(0.15)) {
        Object.assign(e, { y: 'track', n: r.pick(['cta_click', 'video_play', 'pricing_toggle']), u: `${origin}${r.pick(PAGES)}`, p: { plan: r.pick(['team', 'business']), n: r.int(10) } });
      } else {
        Object.assign(e, { y: 'page', u: `${origin}${r.pick(PAGES)}`, h: 'Touchline' });
      }
      events.push(e);
    }
    // commitWrites: one D1 batch holding a statement per non-empty row kind — events, the counters
    // and visitors always, touches / form upgrades / contacts / accounts / links / conversions when present.
    const batchStatements = 3 + plan.touches + plan.forms + plan.contacts + plan.accounts + plan.links + plan.conversions;
    const b = { pk, body: { k: pk, v: visitor, t: now, e: events }, events: count, batchStatements, resend: false };
    if (sent.length < 500) sent.push(b);
    return b;
  };
}

export function ingestRequest(base, b) {
  return [
    '/e',
    {
      method: 'POST',
      // text/plain, as the snippet sends it (no CORS preflight); Origin is one of the site's origins.
      headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA, origin: base },
      body: JSON.stringify(b.body),
    },
  ];
}
