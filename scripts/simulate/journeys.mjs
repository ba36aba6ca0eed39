// Builds the simulated B2B journeys: accounts with several contacts and devices, web visits from
// realistic channels, form fills, offline touches and a CRM pipeline with revenue. Pure: no I/O.
import { createRandom } from './random.mjs';

const DAY = 86_400_000;
const PREFIXES = ['bright', 'blue', 'north', 'iron', 'clear', 'rapid', 'silver', 'deep', 'true', 'summit', 'pine', 'bold', 'cedar', 'quantum', 'harbor', 'atlas', 'nimbus', 'vertex', 'ember', 'orbit'];
const SUFFIXES = ['forge', 'labs', 'works', 'stack', 'logic', 'wave', 'point', 'grid', 'scale', 'loop', 'field', 'path', 'systems', 'cloud', 'metrics', 'health', 'pay', 'ops', 'data', 'hq'];
const TLDS = ['com', 'io', 'co', 'ai', 'dev'];
const NAMES = PREFIXES.length * SUFFIXES.length * TLDS.length;
const FIRST = ['ana', 'ben', 'chloe', 'dev', 'elena', 'farid', 'grace', 'hiro', 'ines', 'jon', 'kara', 'liam', 'maya', 'nora', 'omar', 'priya'];
const FREE_MAIL = ['gmail.com', 'outlook.com', 'yahoo.com'];
const PAGES = ['/', '/product', '/pricing', '/blog/account-based-attribution', '/webinar', '/demo'];

/**
 * Where a web visit comes from: page query and referrer, weighted like a B2B SaaS site with several
 * campaigns per paid channel (their spend is in spend.mjs) and the unpaid channels around them.
 */
const SOURCES = [
  [{ q: 'utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm-enterprise&li_fat_id=LI', ref: 'https://www.linkedin.com/' }, 7],
  [{ q: 'utm_source=linkedin&utm_medium=paid_social&utm_campaign=abm-midmarket&li_fat_id=LI', ref: 'https://www.linkedin.com/' }, 5],
  [{ q: 'utm_source=linkedin&utm_medium=paid_social&utm_campaign=thought-leadership&li_fat_id=LI', ref: 'https://www.linkedin.com/' }, 4],
  [{ q: 'utm_source=google&utm_medium=cpc&utm_campaign=brand-search&gclid=G', ref: 'https://www.google.com/' }, 10],
  [{ q: 'utm_source=google&utm_medium=cpc&utm_campaign=competitor-terms&gclid=G', ref: 'https://www.google.com/' }, 5],
  [{ q: 'utm_source=google&utm_medium=cpc&utm_campaign=category-attribution-software&gclid=G', ref: 'https://www.google.com/' }, 4],
  [{ q: 'utm_source=bing&utm_medium=cpc&utm_campaign=brand-search-bing&msclkid=M', ref: 'https://www.bing.com/' }, 2],
  [{ q: 'msclkid=M', ref: 'https://www.bing.com/' }, 1],
  [{ q: 'utm_source=facebook&utm_medium=paid_social&utm_campaign=retargeting-fb', ref: 'https://www.facebook.com/' }, 2],
  [{ q: '', ref: 'https://www.google.com/' }, 16],
  [{ q: '', ref: 'https://duckduckgo.com/' }, 3],
  [{ q: 'utm_source=newsletter&utm_medium=email&utm_campaign=monthly-digest', ref: '' }, 5],
  [{ q: 'utm_source=hubspot&utm_medium=email&utm_campaign=nurture-sequence', ref: '' }, 4],
  [{ q: 'utm_source=hubspot&utm_medium=email&utm_campaign=product-launch', ref: '' }, 2],
  [{ q: '', ref: 'https://www.g2.com/products/northwind/reviews' }, 4],
  [{ q: 'utm_source=capterra&utm_medium=referral&utm_campaign=listing', ref: 'https://www.capterra.com/' }, 3],
  [{ q: '', ref: 'https://www.linkedin.com/feed/' }, 6],
  [{ q: '', ref: 'https://news.ycombinator.com/' }, 2],
  [{ q: '', ref: '' }, 14],
];
/** Offline programs: [touch type, program, weight]: events, webinars, sales meetings and outreach, partners, mail. */
const OFFLINE = [
  ['webinar', 'attribution-101-webinar', 4],
  ['webinar', 'pipeline-review-webinar', 3],
  ['webinar', 'cmo-roundtable-webinar', 2],
  ['event', 'saastr-booth', 2],
  ['event', 'b2b-marketing-summit', 2],
  ['event', 'customer-dinner-nyc', 1],
  ['meeting', 'discovery-call', 4],
  ['meeting', 'demo-meeting', 3],
  ['sales_outreach', 'outbound-sequence', 3],
  ['call', 'sdr-cold-call', 2],
  ['partner_referral', 'partner-program', 1],
  ['direct_mail', 'q4-gift-box', 1],
  ['content_syndication', 'analyst-report-syndication', 1],
];
/** Deal sizes (annual contract value) and how often each is seen. */
const DEALS = [[12_000, 5], [18_000, 5], [24_000, 5], [36_000, 4], [48_000, 3], [60_000, 2], [96_000, 1], [150_000, 1]];

export function buildJourneys({ accounts, days, seed, origin, now }) {
  const rnd = createRandom(seed);
  const today = Math.floor(now / DAY) * DAY;
  const start = today - days * DAY;
  const id = (() => {
    let n = 0;
    return (prefix) => `${prefix}_s${seed}_${(n++).toString(36).padStart(6, '0')}`;
  })();
  const plan = { segment: [], snippet: [], bots: [], touches: [], conversions: [], stats: { accounts: 0, contacts: 0, freeMail: 0, visitors: 0, sampleDomain: '' } };
  const usedDomains = new Set();

  const visit = (visitorId, at, source, pages = rnd.int(1, 4)) => {
    const path = rnd.pick(PAGES);
    const url = `${origin}${path}${source.q ? `?${source.q.replace('LI', id('li')).replace('=G', `=${id('g')}`).replace('=M', `=${id('m')}`)}` : ''}`;
    const recent = now - at < 48 * 3600_000;
    if (recent) {
      // The last two days arrive the way a browser sends them: the snippet's wire format.
      const session = id('sess');
      const e = [{ i: id('ev'), y: 'page', c: at, s: session, l: 1, u: url, ...(source.ref ? { r: source.ref } : {}) }];
      for (let p = 1; p < pages; p++) e.push({ i: id('ev'), y: 'page', c: at + p * 40_000, s: session, u: `${origin}${rnd.pick(PAGES)}` });
      plan.snippet.push({ v: visitorId, e });
    } else {
      plan.segment.push({
        type: 'page', messageId: id('msg'), anonymousId: visitorId, timestamp: new Date(at).toISOString(),
        context: { page: { url, referrer: source.ref || undefined } },
      });
    }
  };

  for (let a = 0; a < accounts; a++) {
    let domain;
    // Names are drawn until unused; past the combinations' count a number keeps them apart.
    do domain = `${rnd.pick(PREFIXES)}${rnd.pick(SUFFIXES)}${usedDomains.size >= NAMES / 2 ? rnd.int(2, 999) : ''}.${rnd.pick(TLDS)}`;
    while (usedDomains.has(domain));
    usedDomains.add(domain);
    if (!plan.stats.sampleDomain) plan.stats.sampleDomain = domain;
    plan.stats.accounts++;
    const people = rnd.int(1, 4);
    // Journeys start all through the period; a few accounts are discovering the site right now.
    const journeyStart = rnd.chance(0.04) ? now - rnd.int(6, 40) * 3600_000 : start + rnd.int(0, Math.floor(days * 0.85)) * DAY;
    let firstLeadAt = null;
    let champion = null;
    for (let p = 0; p < people; p++) {
      const email = `${rnd.pick(FIRST)}.${p}@${domain}`;
      plan.stats.contacts++;
      const devices = rnd.int(1, 2);
      for (let d = 0; d < devices; d++) {
        const visitorId = id('vis');
        plan.stats.visitors++;
        let at = journeyStart + (now - journeyStart < 3 * DAY ? rnd.int(0, 5) * 3600_000 : rnd.int(0, 20) * DAY + rnd.int(8, 18) * 3600_000);
        const visits = rnd.int(1, 5);
        for (let v = 0; v < visits && at < now - 3600_000; v++) {
          visit(visitorId, at, rnd.weighted(SOURCES));
          at += now - at < 3 * DAY ? rnd.int(1, 6) * 3600_000 : rnd.int(1, 12) * DAY + rnd.int(0, 8) * 3600_000;
        }
        // Most people identify themselves once, on one device, with a form.
        if (d === 0 && rnd.chance(0.8)) {
          const formAt = Math.min(at, now - 2 * 3600_000);
          plan.segment.push({
            type: 'identify', messageId: id('msg'), anonymousId: visitorId, timestamp: new Date(formAt).toISOString(),
            traits: { email, company: domain.split('.')[0] },
          });
          if (!firstLeadAt || formAt < firstLeadAt) {
            firstLeadAt = formAt;
            champion = email;
          }
        }
      }
    }
    // Free-mail visitors who never use a work address: they stay "(personal)".
    if (rnd.chance(0.25)) {
      const visitorId = id('vis');
      plan.stats.visitors++;
      plan.stats.contacts++;
      plan.stats.freeMail++;
      const at = journeyStart + rnd.int(0, 30) * DAY;
      if (at < now - 3600_000) {
        visit(visitorId, at, rnd.weighted(SOURCES));
        plan.segment.push({ type: 'identify', messageId: id('msg'), anonymousId: visitorId, timestamp: new Date(at + 60_000).toISOString(), traits: { email: `${rnd.pick(FIRST)}${a}@${rnd.pick(FREE_MAIL)}` } });
      }
    }
    // Offline touches for the account: webinars, events, sales meetings and calls, partners, mail.
    const offline = rnd.int(0, 4);
    for (let o = 0; o < offline; o++) {
      const [type, campaign] = rnd.weighted(OFFLINE.map(([t, c, w]) => [[t, c], w]));
      const at = journeyStart + rnd.int(5, 60) * DAY;
      if (at >= now) continue;
      plan.touches.push({ id: id('off'), occurred_at: new Date(at).toISOString(), touch_type: type, account_domain: domain, campaign });
    }
    // The CRM pipeline: lead → mql → sql → opportunity → closed won / lost, with revenue. Most leads
    // are qualified first; a deal sales sources itself skips the qualification stages.
    if (!firstLeadAt || !champion) continue;
    plan.conversions.push({ id: id('lead'), stage: 'lead', occurred_at: new Date(firstLeadAt).toISOString(), email: champion });
    let stageAt = firstLeadAt;
    for (const [stage, p] of [['mql', 0.7], ['sql', 0.75]]) {
      if (!rnd.chance(p) || stageAt + 9 * DAY >= now) break;
      stageAt += rnd.int(2, 9) * DAY;
      plan.conversions.push({ id: id(stage), stage, occurred_at: new Date(stageAt).toISOString(), email: champion });
    }
    if (!rnd.chance(0.6)) continue;
    const oppId = `OPP-${seed}-${a}`;
    const oppAt = Math.max(firstLeadAt + rnd.int(5, 25) * DAY, stageAt + rnd.int(2, 6) * DAY);
    if (oppAt >= now) continue;
    const amount = rnd.weighted(DEALS);
    // Every fifth account buys in euros: the reporting currency (USD) converts them at the day's rate.
    const currency = a % 5 === 2 ? 'EUR' : 'USD';
    plan.conversions.push({ id: id('opp'), stage: 'opportunity', occurred_at: new Date(oppAt).toISOString(), account_domain: domain, opportunity_id: oppId, amount, currency });
    const closeAt = oppAt + rnd.int(10, 45) * DAY;
    if (closeAt >= now) continue;
    const won = rnd.chance(0.55);
    plan.conversions.push({
      id: id('close'), stage: won ? 'closed_won' : 'closed_lost', occurred_at: new Date(closeAt).toISOString(),
      account_domain: domain, opportunity_id: oppId, amount, currency,
    });
  }
  // Crawlers hit the site too: they are counted in /v1/quality, never stored.
  for (let b = 0; b < 3; b++) plan.bots.push({ e: [{ i: id('bot'), y: 'page', c: now - 60_000, s: id('bsess'), l: 1, u: `${origin}/` }] });
  return plan;
}
