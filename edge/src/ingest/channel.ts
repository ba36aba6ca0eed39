// Channel classification at ingest (docs/attribution.md): GA4's default channel group, plus the source/medium a click id or referrer implies.
//
// Rules and their order follow Google's "[GA4] Default channel group" help page
// (support.google.com/analytics/answer/9756891). The four data/*-sites.json lists are Google's
// "source categories" spreadsheet linked from that page (819 rows: SOURCE_CATEGORY_SEARCH,
// _SOCIAL, _VIDEO, _SHOPPING), lowercased and split by category, as mirrored in
// Velir/dbt-ga4 seeds/ga4_source_categories.csv. Edit the JSON only to track Google's sheet;
// our own additions live in ADDITIONS below so the two stay distinguishable.
import searchSites from './data/search-sites.json';
import shoppingSites from './data/shopping-sites.json';
import socialSites from './data/social-sites.json';
import videoSites from './data/video-sites.json';

export type ChannelInput = { source?: string | null; medium?: string | null; campaign?: string | null };

type Category = 'search' | 'social' | 'video' | 'shopping';

/**
 * Sources Google's sheet lacks but that plainly belong to a category. Kept out of the JSON so the
 * JSON stays a faithful copy: X and Bluesky/Threads post-date the sheet, youtu.be is YouTube's
 * share link, and Brave/Startpage/Kagi are search engines a B2B audience does use.
 */
const ADDITIONS: Record<Category, string[]> = {
  search: ['brave', 'search.brave.com', 'startpage', 'startpage.com', 'kagi', 'kagi.com'],
  social: ['x', 'x.com', 'threads', 'threads.net', 'bluesky', 'bsky.app'],
  video: ['youtu.be'],
  shopping: [],
};

/**
 * Labels never matched as a bare brand on another TLD (see matchesSites). Google's sheet holds them
 * as bare names or as one specific host, but as a brand they are generic words or portals whose
 * other sites are not that category: cnn.com is news, not search; rakuten.com is a shop; goo.ne.jp
 * is a portal, not goo.gl; blog.de is not blog.com.
 */
const NOT_A_BRAND = new Set([
  // search
  '360', 'alice', 'aol', 'ask', 'avg', 'centrum', 'cnn', 'comcast', 'conduit', 'firmy', 'globo',
  'rakuten', 'search-results', 'terra', 'tut', 'ukr',
  // social
  'awe', 'bit', 'blip', 'blog', 'blogs', 'care', 'cross', 'deluxe', 'gather', 'geni', 'goo', 'last',
  'line', 'medium', 'mix', 'paper', 'pocket', 'redux', 'reunion', 'rtl', 'scoop', 'spoke', 'tagged',
  'toolbox', 'zoo',
  // video
  'justin', 'ted',
]);

/**
 * Subdomain labels that still mean the brand's own search or shop (search.yahoo.com,
 * m.bing.com). Only these may prefix a search or shopping entry: docs.google.com and
 * aws.amazon.com are products of the same company, not a search or a shop.
 */
const SAME_SITE_PREFIXES = new Set(['www', 'm', 'mobile', 'search', 'images', 'smile']);

/** Second-level labels under a country TLD that form one public suffix (co.uk, com.au, ne.jp). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ne', 'or', 'go', 'gob']);

/** The names short-link and alias domains stand for, so reports read "twitter", not "t". */
const SOURCE_ALIASES: Record<string, string> = {
  't.co': 'twitter',
  'x.com': 'twitter',
  'lnkd.in': 'linkedin',
  'fb.me': 'facebook',
  'fb.com': 'facebook',
  'youtu.be': 'youtube',
  'redd.it': 'reddit',
  'pin.it': 'pinterest',
};

interface SiteList {
  exact: Set<string>;
  brands: Set<string>;
  /** Whether any subdomain of an entry counts (social, video) or only SAME_SITE_PREFIXES ones. */
  anySubdomain: boolean;
}

function buildList(entries: string[], anySubdomain: boolean): SiteList {
  const exact = new Set(entries.map((e) => e.toLowerCase()));
  const brands = new Set<string>();
  for (const entry of exact) {
    const label = apexLabel(entry);
    // Two-letter labels (fb, ig, vk, so) are too ambiguous to match on another TLD.
    if (label !== undefined && label.length >= 3 && !NOT_A_BRAND.has(label)) brands.add(label);
  }
  return { exact, brands, anySubdomain };
}

// Built once at module load: classification runs for every ingested page view.
const LISTS: Record<Category, SiteList> = {
  search: buildList([...(searchSites as string[]), ...ADDITIONS.search], false),
  social: buildList([...(socialSites as string[]), ...ADDITIONS.social], true),
  video: buildList([...(videoSites as string[]), ...ADDITIONS.video], true),
  shopping: buildList([...(shoppingSites as string[]), ...ADDITIONS.shopping], false),
};

// GA4's patterns, verbatim. Inputs are lowercased first, which is how GA4 applies them.
const PAID_MEDIUM = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const SHOPPING_CAMPAIGN = /^(.*(([^a-df-z]|^)shop|shopping).*)$/;
const VIDEO_MEDIUM = /^(.*video.*)$/;
const DISPLAY_MEDIA = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const SOCIAL_MEDIA = new Set(['social', 'social-network', 'social-media', 'sm', 'social network', 'social media']);
const REFERRAL_MEDIA = new Set(['referral', 'app', 'link']);
const EMAIL_VALUES = new Set(['email', 'e-mail', 'e_mail', 'e mail']);

/**
 * GA4's default channel group for a source/medium/campaign, rules tried in GA4's order, first match
 * wins, case-insensitive. No source, medium or campaign at all is Direct: that is what GA4 records
 * for a visit with neither campaign nor referrer.
 */
export function classifyChannel(input: ChannelInput): string {
  const source = normalise(input.source);
  const medium = normalise(input.medium);
  const campaign = normalise(input.campaign);

  if (source === '' && medium === '' && campaign === '') return 'Direct';
  // An absent medium is GA4's "(not set)".
  if (source === '(direct)' && (medium === '(none)' || medium === '(not set)' || medium === '')) return 'Direct';
  if (campaign.includes('cross-network')) return 'Cross-network';

  const paid = PAID_MEDIUM.test(medium);
  const shoppingCampaign = SHOPPING_CAMPAIGN.test(campaign);
  const shopping = shoppingCampaign || matchesSites(source, LISTS.shopping);
  const social = matchesSites(source, LISTS.social);
  const video = matchesSites(source, LISTS.video);
  const search = matchesSites(source, LISTS.search);

  if (shopping && paid) return 'Paid Shopping';
  if (search && paid) return 'Paid Search';
  if (social && paid) return 'Paid Social';
  if (video && paid) return 'Paid Video';
  if (DISPLAY_MEDIA.has(medium)) return 'Display';
  if (paid) return 'Paid Other';
  if (shopping) return 'Organic Shopping';
  if (social || SOCIAL_MEDIA.has(medium)) return 'Organic Social';
  if (video || VIDEO_MEDIUM.test(medium)) return 'Organic Video';
  if (search || medium === 'organic') return 'Organic Search';
  if (REFERRAL_MEDIA.has(medium)) return 'Referral';
  if (EMAIL_VALUES.has(source) || EMAIL_VALUES.has(medium)) return 'Email';
  if (medium === 'affiliate') return 'Affiliates';
  if (medium === 'audio') return 'Audio';
  if (source === 'sms' || medium === 'sms') return 'SMS';
  if (medium.endsWith('push') || medium.includes('mobile') || medium.includes('notification') || source === 'firebase') {
    return 'Mobile Push Notifications';
  }
  return 'Unassigned';
}

/**
 * The GA4-style source/medium an external referrer implies: search engines are "<engine>/organic",
 * social sites "<site>/social", video sites "<site>/video" (GA4's Organic Video accepts any medium
 * containing "video"), anything else "<host>/referral". Shopping sites stay "<host>/referral":
 * classifyChannel still files them under Organic Shopping by their host.
 */
export function sourceFromReferrer(referrerHost: string): { source: string; medium: string } {
  const host = normaliseHost(referrerHost);
  if (host === '') return { source: '(direct)', medium: '(none)' };
  if (matchesSites(host, LISTS.shopping)) return { source: host, medium: 'referral' };
  if (matchesSites(host, LISTS.social)) return { source: shortName(host, LISTS.social), medium: 'social' };
  if (matchesSites(host, LISTS.video)) return { source: shortName(host, LISTS.video), medium: 'video' };
  // Webmail hosts sit in Google's search list (mail.google.com) but a click there is not a search:
  // keep the host as source so the raw data stays honest; the list still decides the channel.
  if (matchesSites(host, LISTS.search) && !/^e?mail\./.test(host)) {
    return { source: shortName(host, LISTS.search), medium: 'organic' };
  }
  return { source: host, medium: 'referral' };
}

/**
 * The source/medium a click-id URL parameter proves (docs/attribution.md), or undefined when it proves
 * nothing and the referrer must decide.
 */
export function sourceFromClickId(param: string): { source: string; medium: string } | undefined {
  switch (param.trim().toLowerCase()) {
    case 'gclid':
    case 'gbraid':
    case 'wbraid':
    case 'dclid':
      return { source: 'google', medium: 'cpc' };
    case 'msclkid':
      return { source: 'bing', medium: 'cpc' };
    case 'li_fat_id':
      return { source: 'linkedin', medium: 'paid social' };
    case 'ttclid':
      return { source: 'tiktok', medium: 'paid social' };
    // fbclid and twclid are deliberately absent: Facebook/Instagram append fbclid to every outbound
    // link, organic posts included, and X does the same with twclid, so neither proves a paid click.
    // Claiming paid would move organic social traffic into Paid Social.
    default:
      return undefined;
  }
}

const OFFLINE_CHANNELS: Record<string, string> = {
  event: 'Events',
  webinar: 'Events',
  meeting: 'Sales',
  call: 'Sales',
  sales_outreach: 'Sales',
  partner_referral: 'Partners',
  direct_mail: 'Direct Mail',
  content_syndication: 'Content Syndication',
  email: 'Email',
};

/** The channel of an offline touch that carries no source/medium/campaign, from its type (docs/attribution.md). */
export function offlineChannel(touchType: string): string {
  return OFFLINE_CHANNELS[touchType.trim().toLowerCase()] ?? 'Offline';
}

function normalise(value: string | null | undefined): string {
  return (value ?? '').trim().toLowerCase();
}

function normaliseHost(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/\.$/, '')
    .replace(/^www\./, '');
}

/**
 * Whether a source belongs to a site list. GA4 matches its list exactly; referrer hosts and
 * hand-typed UTM sources vary more than the list does, so besides an exact entry this accepts a
 * subdomain of an entry (l.facebook.com, uk.linkedin.com; for search and shopping only the
 * SAME_SITE_PREFIXES ones) and a brand on another TLD (google.de, amazon.fr, duckduckgo.com).
 */
function matchesSites(value: string, list: SiteList): boolean {
  if (value === '') return false;
  if (list.exact.has(value)) return true;
  const labels = value.split('.');
  for (let i = 1; i < labels.length - 1; i++) {
    if (!list.anySubdomain && !SAME_SITE_PREFIXES.has(labels[i - 1])) break;
    if (list.exact.has(labels.slice(i).join('.'))) return true;
  }
  const brand = apexLabel(stripSameSitePrefixes(value));
  return brand !== undefined && list.brands.has(brand);
}

function stripSameSitePrefixes(host: string): string {
  const labels = host.split('.');
  let i = 0;
  while (i < labels.length - 2 && SAME_SITE_PREFIXES.has(labels[i])) i++;
  return labels.slice(i).join('.');
}

/**
 * The brand label of a bare name ("google") or of a registrable domain ("google.co.uk" → "google");
 * undefined for a deeper host, whose brand is not its own.
 */
function apexLabel(value: string): string | undefined {
  const labels = value.split('.');
  if (labels.length <= 2) return labels[0];
  if (labels.length === 3 && SECOND_LEVEL.has(labels[1]) && labels[2].length === 2) return labels[0];
  return undefined;
}

/** The short source name of a matched host: its brand when that is in the list, else the host. */
function shortName(host: string, list: SiteList): string {
  const alias = SOURCE_ALIASES[host];
  if (alias) return alias;
  const labels = host.split('.');
  // The registrable label: the one before the public suffix ("co.uk" counts as one suffix).
  const n = labels.length;
  const twoPartSuffix = n >= 3 && SECOND_LEVEL.has(labels[n - 2]) && labels[n - 1].length === 2;
  const brand = labels[n - (twoPartSuffix ? 3 : 2)] ?? host;
  return list.exact.has(brand) || list.brands.has(brand) ? brand : host;
}
