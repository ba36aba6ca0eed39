// Table tests for channel classification (docs/attribution.md): GA4 default channel group, click ids, referrers, offline types.
import { describe, it, expect } from 'vitest';
import {
  classifyChannel,
  offlineChannel,
  sourceFromClickId,
  sourceFromReferrer,
  type ChannelInput,
} from '../../edge/src/ingest/channel';
import searchSites from '../../edge/src/ingest/data/search-sites.json';
import shoppingSites from '../../edge/src/ingest/data/shopping-sites.json';
import socialSites from '../../edge/src/ingest/data/social-sites.json';
import videoSites from '../../edge/src/ingest/data/video-sites.json';

const GA4_CHANNELS = new Set([
  'Direct', 'Cross-network', 'Paid Shopping', 'Paid Search', 'Paid Social', 'Paid Video', 'Display',
  'Paid Other', 'Organic Shopping', 'Organic Social', 'Organic Video', 'Organic Search', 'Referral',
  'Email', 'Affiliates', 'Audio', 'SMS', 'Mobile Push Notifications', 'Unassigned',
]);

// [source, medium, campaign, expected]; each expectation checked by hand against GA4's rule order.
const UTM_CASES: [string, string, string | null, string][] = [
  ['google', 'cpc', null, 'Paid Search'],
  ['google', 'organic', null, 'Organic Search'],
  ['bing', 'paidsearch', null, 'Paid Search'],
  ['Google', 'CPC', null, 'Paid Search'],
  ['GOOGLE', 'Organic', null, 'Organic Search'],
  ['linkedin', 'paid_social', null, 'Paid Social'],
  // cpm matches the paid regex (.*cp.*) and Paid Social is tried before Display.
  ['facebook', 'cpm', null, 'Paid Social'],
  ['facebook', 'paid', 'spring', 'Paid Social'],
  // "sponsored" is not a paid medium to GA4, so a social source falls to Organic Social.
  ['linkedin', 'sponsored', null, 'Organic Social'],
  ['LinkedIn.com', 'Social', null, 'Organic Social'],
  ['reddit', 'social', null, 'Organic Social'],
  ['community', 'sm', null, 'Organic Social'],
  ['slack', 'social media', null, 'Organic Social'],
  ['facebook', '(none)', null, 'Organic Social'],
  ['newsletter', 'email', null, 'Email'],
  ['mailchimp', 'Email', null, 'Email'],
  ['hubspot', 'e-mail', null, 'Email'],
  ['email', 'newsletter', null, 'Email'],
  // GA4's Email rule is an exact match: a decorated medium is not Email.
  ['newsletter', 'email-digest', null, 'Unassigned'],
  // Organic Search is tried before Email, so a search-engine source wins.
  ['google', 'email', null, 'Organic Search'],
  ['foo', 'bar', null, 'Unassigned'],
  ['(direct)', '(none)', null, 'Direct'],
  ['(direct)', '(not set)', null, 'Direct'],
  ['google', 'cpc', 'brand-cross-network-q3', 'Cross-network'],
  ['google', 'cpc', 'PMax Cross-Network', 'Cross-network'],
  ['google', 'cpc', 'summer_shop', 'Paid Shopping'],
  ['bing', 'ppc', 'Shopping - Feed', 'Paid Shopping'],
  // "workshop" is what ([^a-df-z]|^)shop exists to exclude.
  ['google', 'cpc', 'q3-workshop', 'Paid Search'],
  ['amazon', 'ppc', null, 'Paid Shopping'],
  ['shopify', 'referral', null, 'Organic Shopping'],
  ['amazon.de', 'referral', null, 'Organic Shopping'],
  // A shopping campaign without a paid medium is Organic Shopping, tried before Organic Social.
  ['partner', 'social', 'eshop-launch', 'Organic Shopping'],
  ['publisher', 'display', null, 'Display'],
  ['adnetwork', 'Banner', null, 'Display'],
  ['dsp', 'interstitial', null, 'Display'],
  ['programmatic', 'cpm', null, 'Display'],
  ['youtube', 'cpv', null, 'Paid Video'],
  ['vimeo', 'paid', null, 'Paid Video'],
  ['capterra', 'cpc', null, 'Paid Other'],
  ['g2', 'ppc', null, 'Paid Other'],
  ['criteo', 'retargeting', null, 'Paid Other'],
  ['youtube', 'referral', null, 'Organic Video'],
  ['vidyard', 'video', null, 'Organic Video'],
  ['wistia', 'embed', null, 'Organic Video'],
  ['bing', 'organic', null, 'Organic Search'],
  ['duckduckgo', 'organic', null, 'Organic Search'],
  ['ecosia', 'organic', null, 'Organic Search'],
  ['google.de', 'referral', null, 'Organic Search'],
  ['partnersite.com', 'referral', null, 'Referral'],
  ['slack', 'link', null, 'Referral'],
  ['partner', 'app', null, 'Referral'],
  // Product subdomains of a search or shopping brand are not search or shopping.
  ['docs.google.com', 'referral', null, 'Referral'],
  ['aws.amazon.com', 'referral', null, 'Referral'],
  ['partner', 'affiliate', null, 'Affiliates'],
  ['spotify', 'audio', null, 'Audio'],
  ['twilio', 'sms', null, 'SMS'],
  ['SMS', 'text', null, 'SMS'],
  ['app', 'web-push', null, 'Mobile Push Notifications'],
  ['braze', 'mobile_notification', null, 'Mobile Push Notifications'],
  ['firebase', 'inapp', null, 'Mobile Push Notifications'],
];

const EDGE_CASES: [string, ChannelInput, string][] = [
  ['nothing at all', {}, 'Direct'],
  ['empty strings', { source: '', medium: '', campaign: '' }, 'Direct'],
  ['nulls', { source: null, medium: null, campaign: null }, 'Direct'],
  ['(direct) without a medium', { source: '(direct)' }, 'Direct'],
  ['search source without a medium', { source: 'google' }, 'Organic Search'],
  ['unknown source without a medium', { source: 'foo' }, 'Unassigned'],
  ['paid medium without a source', { medium: 'cpc' }, 'Paid Other'],
  ['campaign only', { campaign: 'cross-network' }, 'Cross-network'],
  ['padded values', { source: '  google ', medium: ' CPC ' }, 'Paid Search'],
];

// [param, expected source/medium, expected channel]
const CLICK_ID_CASES: [string, { source: string; medium: string }, string][] = [
  ['gclid', { source: 'google', medium: 'cpc' }, 'Paid Search'],
  ['gbraid', { source: 'google', medium: 'cpc' }, 'Paid Search'],
  ['wbraid', { source: 'google', medium: 'cpc' }, 'Paid Search'],
  ['dclid', { source: 'google', medium: 'cpc' }, 'Paid Search'],
  ['GCLID', { source: 'google', medium: 'cpc' }, 'Paid Search'],
  ['msclkid', { source: 'bing', medium: 'cpc' }, 'Paid Search'],
  ['li_fat_id', { source: 'linkedin', medium: 'paid social' }, 'Paid Social'],
  ['ttclid', { source: 'tiktok', medium: 'paid social' }, 'Paid Social'],
];

// [referrer host, expected source, expected medium, expected channel]
const REFERRER_CASES: [string, string, string, string][] = [
  ['www.google.com', 'google', 'organic', 'Organic Search'],
  ['WWW.Google.COM', 'google', 'organic', 'Organic Search'],
  ['www.google.co.uk', 'google', 'organic', 'Organic Search'],
  ['www.google.de', 'google', 'organic', 'Organic Search'],
  ['www.bing.com', 'bing', 'organic', 'Organic Search'],
  ['cn.bing.com', 'bing', 'organic', 'Organic Search'],
  ['duckduckgo.com', 'duckduckgo', 'organic', 'Organic Search'],
  ['search.yahoo.com', 'yahoo', 'organic', 'Organic Search'],
  ['uk.search.yahoo.com', 'yahoo', 'organic', 'Organic Search'],
  ['yandex.ru', 'yandex', 'organic', 'Organic Search'],
  ['www.baidu.com', 'baidu', 'organic', 'Organic Search'],
  ['www.ecosia.org', 'ecosia', 'organic', 'Organic Search'],
  ['search.brave.com', 'brave', 'organic', 'Organic Search'],
  // Google's list files webmail under search; the source stays the host, the list decides.
  ['mail.google.com', 'mail.google.com', 'referral', 'Organic Search'],
  ['l.facebook.com', 'facebook', 'social', 'Organic Social'],
  ['m.facebook.com', 'facebook', 'social', 'Organic Social'],
  ['www.linkedin.com', 'linkedin', 'social', 'Organic Social'],
  ['lnkd.in', 'linkedin', 'social', 'Organic Social'],
  ['t.co', 'twitter', 'social', 'Organic Social'],
  ['x.com', 'twitter', 'social', 'Organic Social'],
  ['www.reddit.com', 'reddit', 'social', 'Organic Social'],
  ['old.reddit.com', 'reddit', 'social', 'Organic Social'],
  // Google's social list names news.ycombinator.com itself, so Hacker News is Organic Social.
  ['news.ycombinator.com', 'news.ycombinator.com', 'social', 'Organic Social'],
  ['www.youtube.com', 'youtube', 'video', 'Organic Video'],
  ['m.youtube.com', 'youtube', 'video', 'Organic Video'],
  ['youtu.be', 'youtube', 'video', 'Organic Video'],
  ['vimeo.com', 'vimeo', 'video', 'Organic Video'],
  ['www.amazon.de', 'amazon.de', 'referral', 'Organic Shopping'],
  ['docs.google.com', 'docs.google.com', 'referral', 'Referral'],
  ['edition.cnn.com', 'edition.cnn.com', 'referral', 'Referral'],
  ['www.g2.com', 'g2.com', 'referral', 'Referral'],
  ['github.com', 'github.com', 'referral', 'Referral'],
  ['partner.example.co.uk', 'partner.example.co.uk', 'referral', 'Referral'],
];

const OFFLINE_CASES: [string, string][] = [
  ['event', 'Events'],
  ['webinar', 'Events'],
  ['meeting', 'Sales'],
  ['call', 'Sales'],
  ['sales_outreach', 'Sales'],
  ['partner_referral', 'Partners'],
  ['direct_mail', 'Direct Mail'],
  ['content_syndication', 'Content Syndication'],
  ['email', 'Email'],
  ['trade_show', 'Offline'],
  ['web_visit', 'Offline'],
  ['', 'Offline'],
];

describe('classifyChannel', () => {
  it.each(UTM_CASES)('%s / %s (campaign %s) → %s', (source, medium, campaign, expected) => {
    expect(classifyChannel({ source, medium, campaign })).toBe(expected);
  });

  it.each(EDGE_CASES)('%s → %s', (_name, input, expected) => {
    expect(classifyChannel(input)).toBe(expected);
  });

  it('only ever returns GA4 channel names', () => {
    const inputs: ChannelInput[] = [
      ...UTM_CASES.map(([source, medium, campaign]) => ({ source, medium, campaign })),
      ...EDGE_CASES.map(([, input]) => input),
    ];
    for (const input of inputs) expect(GA4_CHANNELS).toContain(classifyChannel(input));
  });
});

describe('sourceFromClickId', () => {
  it.each(CLICK_ID_CASES)('%s → %o → %s', (param, expected, channel) => {
    const implied = sourceFromClickId(param);
    expect(implied).toEqual(expected);
    expect(classifyChannel(implied!)).toBe(channel);
  });

  // fbclid and twclid ride on organic links too, so they must not claim paid.
  it.each(['fbclid', 'twclid', 'utm_source', ''])('%s proves nothing', (param) => {
    expect(sourceFromClickId(param)).toBeUndefined();
  });
});

describe('sourceFromReferrer', () => {
  it.each(REFERRER_CASES)('%s → %s / %s → %s', (host, source, medium, channel) => {
    const implied = sourceFromReferrer(host);
    expect(implied).toEqual({ source, medium });
    expect(classifyChannel(implied)).toBe(channel);
  });
});

describe('offlineChannel', () => {
  it.each(OFFLINE_CASES)('%s → %s', (touchType, expected) => {
    expect(offlineChannel(touchType)).toBe(expected);
  });
});

describe('source category data', () => {
  it.each([
    ['search', searchSites],
    ['social', socialSites],
    ['video', videoSites],
    ['shopping', shoppingSites],
  ] as [string, string[]][])('%s list is lowercase, trimmed and without duplicates', (_name, sites) => {
    expect(sites.length).toBeGreaterThan(0);
    expect(new Set(sites).size).toBe(sites.length);
    for (const site of sites) expect(site).toBe(site.trim().toLowerCase());
  });
});
