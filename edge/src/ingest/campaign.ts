// Attribution fields of a visit: UTMs, else a click id, else the external referrer, else direct (docs/attribution.md).
import { classifyChannel, sourceFromClickId, sourceFromReferrer } from './channel';

/** Click ids in the order they are looked for; the first present wins. */
// fbclid and twclid come last: they also tag organic links, so a paid click id beside them must win.
export const CLICK_IDS = ['gclid', 'gbraid', 'wbraid', 'dclid', 'msclkid', 'li_fat_id', 'ttclid', 'fbclid', 'twclid'] as const;
const UTMS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'utm_id'] as const;

export interface Attribution {
  channel: string;
  source: string;
  medium: string;
  campaign: string | null;
  content: string | null;
  term: string | null;
  utmId: string | null;
  clickIdType: string | null;
  clickId: string | null;
  /** The external referrer, kept raw so history can be reclassified. */
  referrer: string | null;
  /** True when the URL carries UTMs or a click id: mid-session, such a page makes a new touch. */
  hasCampaign: boolean;
}

/** A field as sent, trimmed; null when absent or blank. Redaction happens once, on the rows (redact-writes.ts). */
export const presentText = (value: string | null | undefined): string | null => value?.trim() || null;

export function parseUrl(raw: string | null | undefined): URL | null {
  if (!raw) return null;
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

/** The referrer's host when it is another site than the page's own; internal navigation has none. */
export function externalReferrerHost(referrer: URL | null, page: URL | null): string | null {
  if (!referrer || !/^https?:$/.test(referrer.protocol)) return null;
  const host = referrer.hostname.toLowerCase();
  if (page && page.hostname.toLowerCase() === host) return null;
  return host;
}

/**
 * A UTM value as sent, or lower-cased under the site setting lowercase_utms (docs/governance.md), so
 * "LinkedIn" and "linkedin" land on one report key. Click ids and utm_id are ids: never changed.
 */
export function utmValue(value: string | null | undefined, lowercase: boolean): string | null {
  const v = presentText(value);
  return v !== null && lowercase ? v.toLowerCase() : v;
}

/**
 * Explicit campaign fields (Segment's context.campaign, or an offline touch) take precedence over
 * the URL's UTMs; both are optional. The channel here is GA4's (classify.ts adds the site's rules).
 */
export function deriveAttribution(
  page: URL | null,
  referrer: URL | null,
  explicit: { source?: string; medium?: string; campaign?: string; content?: string; term?: string; id?: string } = {},
  opts: { lowercaseUtms?: boolean } = {},
): Attribution {
  const q = page?.searchParams;
  const field = presentText;
  const lc = opts.lowercaseUtms === true;
  const utm = (name: (typeof UTMS)[number]) => utmValue(q?.get(name), lc);
  const source = utmValue(explicit.source, lc) ?? utm('utm_source');
  const medium = utmValue(explicit.medium, lc) ?? utm('utm_medium');
  const campaign = utmValue(explicit.campaign, lc) ?? utm('utm_campaign');
  const content = utmValue(explicit.content, lc) ?? utm('utm_content');
  const term = utmValue(explicit.term, lc) ?? utm('utm_term');
  const utmId = field(explicit.id) ?? field(q?.get('utm_id'));

  let clickIdType: string | null = null;
  let clickId: string | null = null;
  for (const name of CLICK_IDS) {
    const v = field(q?.get(name));
    if (v) {
      clickIdType = name;
      clickId = v;
      break;
    }
  }

  const refHost = externalReferrerHost(referrer, page);
  const fromClick = clickIdType ? sourceFromClickId(clickIdType) : undefined;
  const fromReferrer = refHost ? sourceFromReferrer(refHost) : undefined;
  const hasUtm = Boolean(source || medium || campaign || content || term || utmId);

  let src: string;
  let med: string;
  if (hasUtm) {
    src = source ?? fromClick?.source ?? fromReferrer?.source ?? '(not set)';
    med = medium ?? fromClick?.medium ?? fromReferrer?.medium ?? '(not set)';
  } else if (fromClick) {
    ({ source: src, medium: med } = fromClick);
  } else if (fromReferrer) {
    ({ source: src, medium: med } = fromReferrer);
  } else {
    src = '(direct)';
    med = '(none)';
  }

  return {
    channel: classifyChannel({ source: src, medium: med, campaign }),
    source: src,
    medium: med,
    campaign,
    content,
    term,
    utmId,
    clickIdType,
    clickId,
    referrer: refHost && referrer ? referrer.href : null,
    hasCampaign: hasUtm || clickIdType !== null,
  };
}
