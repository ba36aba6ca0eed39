// POST /v1/touches: offline touches (events, webinars, meetings, calls, direct mail, partners…).
import { offlineTouch, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { presentText, utmValue } from './campaign';
import { siteRules } from './channel-rules';
import { classifyTouch } from './classify';
import { ingestItems, type Rejection } from './ingest-items';
import { readServerItem } from './server-item';

async function buildTouch(site: Site, item: unknown, w: WriteSet, receivedAt: number): Promise<{ id: string } | Rejection> {
  const read = await readServerItem(site, w, item, offlineTouch, 'invalid_touch', receivedAt);
  if ('code' in read) return read;
  const { data: t, id, at, who } = read;
  // Without an explicit channel it is classified like any touch (classify.ts): the site's rules,
  // GA4's rules on its UTM-like fields, else its type. The caller's channel is kept apart so that
  // reclassifying history never overrides it.
  const lc = site.settings.lowercase_utms;
  const source = utmValue(t.source, lc);
  const medium = utmValue(t.medium, lc);
  const campaign = utmValue(t.campaign, lc);
  const url = presentText(t.url);
  const channelSent = presentText(t.channel);
  w.touches.push({
    touch_id: id,
    origin: 'offline',
    touch_type: t.touch_type,
    occurred_at: at,
    channel: channelSent ?? classifyTouch({ origin: 'offline', touch_type: t.touch_type, source, medium, campaign, referrer: null, url }, siteRules(site)),
    channel_sent: channelSent,
    source,
    medium,
    campaign,
    content: utmValue(t.content, lc),
    term: utmValue(t.term, lc),
    utm_id: null,
    click_id_type: null,
    click_id: null,
    referrer: null,
    url,
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
