// Segment HTTP tracking API (identify, track, page; /v1/batch): messages become events, identity
// links and, for pages with a campaign or an external referrer, touches.
import { segmentMessage, type BatchResult, type SegmentMessage } from '../../../schemas/api';
import type { Site } from '../db/sites';
import { commitWrites, WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { identifyContact } from '../identity/contacts';
import { hashedVisitorId, storedVisitorId } from '../identity/visitor-id';
import { deriveAttribution, parseUrl } from './campaign';
import { messageEventId } from './items';
import { redactField, redactProps, redactUrl } from './redact';
import { settleBatch, tallyOf } from './settle';
import { parseTimestamp, serverTime } from './time';
import { serverTouchId } from './touch-id';

export type SegmentType = 'identify' | 'track' | 'page';
const SUPPORTED = new Set<string>(['identify', 'track', 'page']);

type Rejection = BatchResult['rejected'][number];

export async function ingestSegmentMessages(
  db: D1Database,
  site: Site,
  messages: unknown[],
  opts: { type?: SegmentType; sentAt?: string | number; receivedAt: number },
): Promise<BatchResult> {
  const w = new WriteSet();
  const rejected: Rejection[] = [];
  const ids: { index: number; id: string }[] = [];
  const batchSentAt = parseTimestamp(opts.sentAt);

  for (let index = 0; index < messages.length; index++) {
    const parsed = segmentMessage.safeParse(messages[index]);
    if (!parsed.success) {
      rejected.push({ index, code: 'invalid_message', message: issueMessage(parsed.error.issues) });
      continue;
    }
    const msg = parsed.data;
    const type = opts.type ?? msg.type;
    if (!type || !SUPPORTED.has(type)) {
      rejected.push({ index, code: 'unsupported_type', message: 'type must be identify, track or page' });
      continue;
    }
    const id = await messageEventId(msg.messageId, messages[index]);
    const problem = await addMessage(site, w, msg, type as SegmentType, id, batchSentAt, opts.receivedAt);
    if (problem) rejected.push({ index, ...problem });
    else ids.push({ index, id });
  }

  const committed = await commitWrites(db, site.id, w, opts.receivedAt, tallyOf('events', ids, rejected));
  return settleBatch(ids, committed.newEvents, rejected);
}

async function addMessage(
  site: Site,
  w: WriteSet,
  msg: SegmentMessage,
  type: SegmentType,
  eventId: string,
  batchSentAt: number | null,
  receivedAt: number,
): Promise<Omit<Rejection, 'index'> | null> {
  const sentAt = parseTimestamp(msg.sentAt) ?? batchSentAt;
  const time = serverTime(msg.timestamp ?? msg.originalTimestamp ?? receivedAt, sentAt, receivedAt);
  if ('code' in time) return time;
  const at = time.at;

  const anonymousId = msg.anonymousId !== undefined ? await storedVisitorId(site, String(msg.anonymousId)) : null;
  const userId = msg.userId !== undefined ? String(msg.userId) : null;
  if (!anonymousId && !userId) return { code: 'missing_identity', message: 'anonymousId or userId is required' };
  // userIds are often emails: they are stored only as a per-site HMAC, as a visitor id of their own.
  const userVisitor = userId ? await hashedVisitorId(site, 'u', `user:${userId}`) : null;
  const visitorId = anonymousId ?? userVisitor;

  const traits = { ...(msg.context?.traits ?? {}), ...(msg.traits ?? {}) } as Record<string, unknown>;
  const rawEmail = typeof traits.email === 'string' ? traits.email : userId?.includes('@') ? userId : undefined;
  let contactId: string | null = null;
  if (rawEmail !== undefined) {
    const company = typeof traits.company === 'string' ? traits.company : (traits.company as { name?: unknown } | undefined)?.name;
    const contact = await identifyContact(site, w, rawEmail, at, { company: typeof company === 'string' ? company : null });
    if (!contact) return { code: 'invalid_email', message: 'traits.email is not an email address' };
    contactId = contact.contactId;
    if (anonymousId) w.addLink(anonymousId, contactId, at);
    if (userVisitor) w.addLink(userVisitor, contactId, at);
  } else if (type === 'identify' && !userId) {
    return { code: 'missing_identity', message: 'identify needs traits.email or userId' };
  }

  const pageUrl = msg.context?.page?.url ?? stringProp(msg.properties, 'url');
  const referrer = msg.context?.page?.referrer ?? stringProp(msg.properties, 'referrer');
  if (type === 'page') {
    const page = parseUrl(pageUrl);
    // Segment names the campaign `name` (analytics.js's context.campaign); `campaign` is accepted too.
    const c = msg.context?.campaign ?? {};
    const explicit = { ...c, campaign: c.name ?? (typeof c.campaign === 'string' ? c.campaign : undefined) };
    const attribution = deriveAttribution(page, parseUrl(referrer), explicit);
    if (attribution.hasCampaign || attribution.referrer) {
      w.touches.push({
        touch_id: serverTouchId(eventId),
        origin: 'server',
        touch_type: 'web_visit',
        occurred_at: at,
        channel: attribution.channel,
        source: attribution.source,
        medium: attribution.medium,
        campaign: attribution.campaign,
        content: attribution.content,
        term: attribution.term,
        utm_id: attribution.utmId,
        click_id_type: attribution.clickIdType,
        click_id: attribution.clickId,
        referrer: redactUrl(attribution.referrer),
        url: redactUrl(pageUrl),
        visitor_id: visitorId,
        session_id: null,
        contact_id: contactId,
        account_domain: null,
      });
    }
  }

  w.events.push({
    event_id: eventId,
    type,
    source: 'server',
    visitor_id: visitorId,
    contact_id: contactId,
    session_id: null,
    name: redactField(type === 'track' ? msg.event : type === 'page' ? (msg.name ?? msg.context?.page?.title) : null),
    url: redactUrl(pageUrl),
    referrer: redactUrl(referrer),
    props: msg.properties ? JSON.stringify(redactProps(msg.properties)) : null,
    occurred_at: at,
  });
  if (visitorId) w.addVisitor(visitorId, at, null);
  return null;
}

function stringProp(props: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = props?.[key];
  return typeof v === 'string' ? v : undefined;
}
