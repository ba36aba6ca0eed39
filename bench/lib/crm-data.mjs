// Synthetic, seeded B2B history for the job benchmark: POST /v1/touches and /v1/conversions items over accounts and contacts.
import { prng } from './stats.mjs';

const DAY = 86_400_000;
const WEB_SOURCES = [
  { source: 'google', medium: 'cpc', campaign: 'brand' },
  { source: 'google', medium: 'cpc', campaign: 'competitor' },
  { source: 'google', medium: 'organic' },
  { source: 'linkedin', medium: 'paid_social', campaign: 'abm_tier1' },
  { source: 'linkedin', medium: 'social' },
  { source: 'newsletter', medium: 'email', campaign: 'monthly' },
  { source: 'g2', medium: 'referral' },
  { source: 'bing', medium: 'cpc', campaign: 'brand' },
];
const OFFLINE = ['webinar', 'event', 'meeting', 'call', 'email', 'content_syndication', 'partner_referral', 'direct_mail', 'sales_outreach'];
const STAGES = [
  { w: 40, stage: 'lead' },
  { w: 15, stage: 'mql' },
  { w: 10, stage: 'sql' },
  { w: 15, stage: 'opportunity' },
  { w: 15, stage: 'closed_won' },
  { w: 5, stage: 'closed_lost' },
];

function weighted(r, list) {
  let n = r.next() * list.reduce((s, x) => s + x.w, 0);
  for (const x of list) if ((n -= x.w) < 0) return x;
  return list[0];
}

/**
 * A tier of `touches` touches over touches/50 accounts (20,000 at 1M), each with up to 5 contacts and
 * a few browsers, and touches/50 conversions. Busy accounts are skewed (a few have many touches).
 * `generation` 0 is the base history; 1 is "new data" (recent), with ids that never collide.
 */
export function crmDataset({ touches, seed, now, tag }) {
  const accounts = Math.max(2, Math.round(touches / 50));
  const conversions = Math.max(2, Math.round(touches / 50));
  const domain = (a) => `co${a}.${tag}.example.com`;
  const contactEmail = (a, k) => `person${k}@${domain(a)}`;
  const visitor = (a, k, m) => `vis_${tag}_${a}_${k}_${m}`;
  /** The account index behind each generated item, for the analysis below; never sent. */
  const accountOf = new WeakMap();

  function touchAt(r, i, gen) {
    const a = r.skewed(accounts);
    const k = r.int(5);
    // Base history spreads over 400 days; new data is the last week's activity.
    const at = gen === 0 ? now - DAY - r.int(400 * DAY) : now - 60_000 - r.int(7 * DAY);
    const web = r.chance(0.6);
    const t = { id: `t${gen}_${tag}_${i.toString(36).padStart(7, '0')}`, occurred_at: new Date(at).toISOString(), touch_type: web ? 'web_visit' : r.pick(OFFLINE) };
    if (web) Object.assign(t, r.pick(WEB_SOURCES), { url: `https://www.example.com/landing?p=${r.int(20)}` });
    else if (r.chance(0.5)) t.campaign = `offline_${r.int(12)}`;
    const who = r.next();
    // Account-level history: every identity here resolves to account a, except free-mail and strangers.
    accountOf.set(t, who < 0.88 ? a : null);
    if (who < 0.5) t.email = contactEmail(a, k);
    else if (who < 0.6) {
      // A browser identified by this touch: links the visitor to the contact (retroactive stitching).
      t.email = contactEmail(a, k);
      t.anonymous_id = visitor(a, k, r.int(3));
    } else if (who < 0.75) t.anonymous_id = visitor(a, k, r.int(3));
    else if (who < 0.88) t.account_domain = domain(a);
    else if (who < 0.96) t.email = `user${r.int(Math.max(2, accounts))}@gmail.com`;
    else t.anonymous_id = `anon_${tag}_${r.int(accounts * 2)}`;
    return t;
  }

  function conversionAt(r, i, gen) {
    const a = r.skewed(accounts);
    const { stage } = weighted(r, STAGES);
    const at = gen === 0 ? now - DAY - r.int(330 * DAY) : now - 60_000 - r.int(2 * DAY);
    const c = { id: `c${gen}_${tag}_${i.toString(36).padStart(7, '0')}`, stage, occurred_at: new Date(at).toISOString() };
    accountOf.set(c, a);
    if (r.chance(0.6)) c.account_domain = domain(a);
    else c.email = contactEmail(a, r.int(5));
    if (stage === 'opportunity' || stage.startsWith('closed_')) c.opportunity_id = `opp_${a}_${r.int(3)}`;
    if (stage === 'closed_won' || stage === 'closed_lost') {
      c.amount = 5_000 + r.int(95_000);
      c.currency = 'USD';
    }
    return c;
  }

  /** Yields items in chunks of `size` (the API takes at most 500 per request). */
  function* chunked(count, make, gen, size) {
    const r = prng(seed * 31 + gen * 7 + (make === touchAt ? 1 : 2));
    for (let start = 0; start < count; start += size) {
      const part = [];
      for (let i = start; i < Math.min(count, start + size); i++) part.push(make(r, i, gen));
      yield part;
    }
  }

  /**
   * How much of the base history the accounts reached by `gen`-1 data hold: the job recomputes whole
   * accounts, so this is the share of work an ideal account-level incremental run still has to redo.
   */
  function reachedShare(baseTouches, newTouches, newConversions) {
    const perAccount = new Map();
    let total = 0;
    for (const part of chunked(baseTouches, touchAt, 0, 500)) {
      for (const t of part) {
        const a = accountOf.get(t);
        total++;
        if (a !== null) perAccount.set(a, (perAccount.get(a) ?? 0) + 1);
      }
    }
    const reached = new Set();
    for (const part of chunked(newTouches, touchAt, 1, 500)) for (const t of part) if (accountOf.get(t) !== null) reached.add(accountOf.get(t));
    for (const part of chunked(newConversions, conversionAt, 1, 500)) for (const c of part) reached.add(accountOf.get(c));
    let held = 0;
    for (const a of reached) held += perAccount.get(a) ?? 0;
    return { accounts: reached.size, touchShare: held / total };
  }

  return {
    reachedShare,
    accounts,
    conversions,
    touches,
    touchChunks: (gen, count, size = 500) => chunked(count, touchAt, gen, size),
    conversionChunks: (gen, count, size = 500) => chunked(count, conversionAt, gen, size),
  };
}
