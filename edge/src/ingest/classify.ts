// The one classification of a stored touch or spend row into a channel: the site's rules first, then
// GA4's default channel group, then (offline touches) the touch type. Ingest, offline touches, spend
// and the reclassification of history all call these, so a touch's channel never depends on the path
// it arrived by.
import { deriveAttribution, parseUrl } from './campaign';
import { classifyChannel, offlineChannel } from './channel';
import { ruleChannel, type CompiledRules, type RuleInput } from './channel-rules';

/** A touch's raw fields as stored (source/medium already implied by click id or referrer for web touches). */
export interface TouchChannelFields {
  origin: string;
  touch_type: string;
  source: string | null;
  medium: string | null;
  campaign: string | null;
  /** The external referrer URL, kept raw. */
  referrer: string | null;
  /** The landing page URL. */
  url: string | null;
}

const hostOf = (raw: string | null) => parseUrl(raw)?.hostname.toLowerCase() ?? null;
const pathOf = (raw: string | null) => parseUrl(raw)?.pathname ?? null;

export function ruleInputOfTouch(t: TouchChannelFields): RuleInput {
  return {
    source: t.source,
    medium: t.medium,
    campaign: t.campaign,
    referrer_host: hostOf(t.referrer),
    landing_path: pathOf(t.url),
    touch_type: t.touch_type,
  };
}

/**
 * GA4's channel of an offline touch: its source/medium/campaign (or its URL's UTMs) when it has any,
 * else, and when those say nothing (GA4's Unassigned, e.g. a campaign name alone), its type, so a
 * webinar with a campaign name stays in Events.
 */
function offlineDefault(t: TouchChannelFields): string {
  const hasFields = Boolean(t.source || t.medium || t.campaign);
  const ga4 = hasFields
    ? deriveAttribution(parseUrl(t.url), null, { source: t.source ?? undefined, medium: t.medium ?? undefined, campaign: t.campaign ?? undefined }).channel
    : 'Unassigned';
  return ga4 !== 'Unassigned' ? ga4 : offlineChannel(t.touch_type);
}

export function classifyTouch(t: TouchChannelFields, rules: CompiledRules): string {
  const custom = rules.length ? ruleChannel(rules, ruleInputOfTouch(t)) : null;
  if (custom !== null) return custom;
  if (t.origin === 'offline') return offlineDefault(t);
  return classifyChannel({ source: t.source, medium: t.medium, campaign: t.campaign });
}

/** A spend row without the caller's channel: rules on source/medium/campaign, then GA4 like a touch. */
export function classifySpend(s: { source: string | null; medium: string | null; campaign: string | null }, rules: CompiledRules): string {
  const custom = rules.length ? ruleChannel(rules, { source: s.source, medium: s.medium, campaign: s.campaign }) : null;
  if (custom !== null) return custom;
  return deriveAttribution(null, null, { source: s.source ?? undefined, medium: s.medium ?? undefined, campaign: s.campaign ?? undefined }).channel;
}
