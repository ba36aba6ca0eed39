// POST /v1/touches: offline touches (events, webinars, meetings, calls, direct mail, partners…).
import { offlineTouch, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { storedId } from '../identity/stored-id';
import { deriveAttribution, parseUrl, presentText } from './campaign';
import { offlineChannel } from './channel';
import { ingestItems, type Rejection } from './ingest-items';
import { serverTime } from './time';
import { resolveWho } from './who';

async function buildTouch(site: Site, item: unknown, w: WriteSet, receivedAt: number): Promise<{ id: string } | Rejection> {
  const parsed = offlineTouch.safeParse(item);
  if (!parsed.success) return { code: 'invalid_touch', message: issueMessage(parsed.error.issues) };
  const t = parsed.data;
  const time = serverTime('occurred_at', t.occurred_at, null, receivedAt);
  if ('code' in time) return time;
  const who = await resolveWho(site, w, t, time.at);
  if ('code' in who) return who;
  // Without an explicit channel, UTM-like fields are classified by the GA4 rules; when they say
  // nothing (no fields, or only a campaign name: GA4's "Unassigned"), the touch type decides, so a
  // webinar with a campaign name stays in Events.
  const hasFields = Boolean(t.source || t.medium || t.campaign);
  const ga4 = hasFields
    ? deriveAttribution(parseUrl(t.url), null, { source: t.source, medium: t.medium, campaign: t.campaign }).channel
    : 'Unassigned';
  const id = await storedId(site, String(t.id));
  w.touches.push({
    touch_id: id,
    origin: 'offline',
    touch_type: t.touch_type,
    occurred_at: time.at,
    channel: presentText(t.channel) ?? (ga4 !== 'Unassigned' ? ga4 : offlineChannel(t.touch_type)),
    source: presentText(t.source),
    medium: presentText(t.medium),
    campaign: presentText(t.campaign),
    content: presentText(t.content),
    term: presentText(t.term),
    utm_id: null,
    click_id_type: null,
    click_id: null,
    referrer: null,
    url: presentText(t.url),
    visitor_id: who.visitorId,
    session_id: null,
    contact_id: who.contactId,
    account_domain: who.accountDomain,
  });
  return { id };
}

export function ingestOfflineTouches(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  return ingestItems(db, site, items, {
    counter: 'touches',
    build: (item, w) => buildTouch(site, item, w, receivedAt),
    fresh: (committed) => committed.newTouches,
  }, receivedAt);
}
