// POST /v1/touches: offline touches (events, webinars, meetings, calls, direct mail, partners…).
import { offlineTouch, type BatchResult } from '../../../schemas/api';
import type { Site } from '../db/sites';
import { commitWrites, WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { deriveAttribution, parseUrl } from './campaign';
import { offlineChannel } from './channel';
import { redactField, redactUrl } from './redact';
import { settleBatch, tallyOf } from './settle';
import { serverTime } from './time';
import { resolveWho } from './who';

export async function ingestOfflineTouches(db: D1Database, site: Site, items: unknown[], receivedAt: number): Promise<BatchResult> {
  const w = new WriteSet();
  const rejected: BatchResult['rejected'] = [];
  const ids: { index: number; id: string }[] = [];

  for (let index = 0; index < items.length; index++) {
    const parsed = offlineTouch.safeParse(items[index]);
    if (!parsed.success) {
      rejected.push({ index, code: 'invalid_touch', message: issueMessage(parsed.error.issues) });
      continue;
    }
    const t = parsed.data;
    const time = serverTime(t.occurred_at, null, receivedAt);
    if ('code' in time) {
      rejected.push({ index, ...time });
      continue;
    }
    const who = await resolveWho(site, w, t, time.at);
    if ('code' in who) {
      rejected.push({ index, ...who });
      continue;
    }
    // Without an explicit channel, UTM-like fields are classified by the GA4 rules; when they say
    // nothing (no fields, or only a campaign name: GA4's "Unassigned"), the touch type decides, so a
    // webinar with a campaign name stays in Events.
    const hasFields = Boolean(t.source || t.medium || t.campaign);
    const ga4 = hasFields
      ? deriveAttribution(parseUrl(t.url), null, { source: t.source, medium: t.medium, campaign: t.campaign }).channel
      : 'Unassigned';
    w.touches.push({
      touch_id: t.id,
      origin: 'offline',
      touch_type: t.touch_type,
      occurred_at: time.at,
      channel: redactField(t.channel) ?? (ga4 !== 'Unassigned' ? ga4 : offlineChannel(t.touch_type)),
      source: redactField(t.source),
      medium: redactField(t.medium),
      campaign: redactField(t.campaign),
      content: redactField(t.content),
      term: redactField(t.term),
      utm_id: null,
      click_id_type: null,
      click_id: null,
      referrer: null,
      url: redactUrl(t.url),
      visitor_id: who.visitorId,
      session_id: null,
      contact_id: who.contactId,
      account_domain: who.accountDomain,
    });
    ids.push({ index, id: t.id });
  }

  const committed = await commitWrites(db, site.id, w, receivedAt, tallyOf('touches', ids, rejected));
  return settleBatch(ids, committed.newTouches, rejected);
}
