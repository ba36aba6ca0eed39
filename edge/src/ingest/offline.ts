// POST /v1/touches: offline touches (events, webinars, meetings, calls, direct mail, partners…).
import { offlineTouch, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { deriveAttribution, parseUrl, presentText } from './campaign';
import { offlineChannel } from './channel';
import { ingestItems, type Rejection } from './ingest-items';
import { readServerItem } from './server-item';

async function buildTouch(site: Site, item: unknown, w: WriteSet, receivedAt: number): Promise<{ id: string } | Rejection> {
  const read = await readServerItem(site, w, item, offlineTouch, 'invalid_touch', receivedAt);
  if ('code' in read) return read;
  const { data: t, id, at, who } = read;
  // Without an explicit channel, UTM-like fields are classified by the GA4 rules; when they say
  // nothing (no fields, or only a campaign name: GA4's "Unassigned"), the touch type decides, so a
  // webinar with a campaign name stays in Events.
  const hasFields = Boolean(t.source || t.medium || t.campaign);
  const ga4 = hasFields
    ? deriveAttribution(parseUrl(t.url), null, { source: t.source, medium: t.medium, campaign: t.campaign }).channel
    : 'Unassigned';
  w.touches.push({
    touch_id: id,
    origin: 'offline',
    touch_type: t.touch_type,
    occurred_at: at,
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
