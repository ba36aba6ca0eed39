// Segment HTTP tracking API (identify, track, page; /v1/batch): messages become events, identity
// links and, for pages with a campaign or an external referrer, touches.
import { segmentMessage, type BatchResult, type SegmentMessage } from '../../../schemas/api';
import { parseTimestamp } from '../../../schemas/time';
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { identifyContact } from '../identity/contacts';
import { hashedVisitorId, storedId } from '../identity/stored-id';
import { deriveAttribution, parseUrl, presentText } from './campaign';
import { siteRules } from './channel-rules';
import { classifyTouch } from './classify';
import { ingestItems, type Rejection } from './ingest-items';
import { messageEventId } from './items';
import { invalidTimestamp, serverTime } from './time';
import { serverTouchId } from './touch-id';

export type SegmentType = 'identify' | 'track' | 'page';
const SUPPORTED = new Set<string>(['identify', 'track', 'page']);

interface SegmentContext {
  /** The route's type (/v1/identify…); messages of /v1/batch carry their own. */
  type?: SegmentType;
  /** The batch's sentAt, already checked by the route. */
  sentAt: number | null;
  receivedAt: number;
}

export function ingestSegmentMessages(db: D1Database, site: Site, messages: unknown[], ctx: SegmentContext): Promise<BatchResult> {
  return ingestItems(db, site, messages, {
    counter: 'events',
    build: (item, w) => buildMessage(site, item, w, ctx),
    fresh: (committed) => committed.newEvents,
  }, ctx.receivedAt);
}

async function buildMessage(site: Site, item: unknown, w: WriteSet, ctx: SegmentContext): Promise<{ id: string } | Rejection> {
  const parsed = segmentMessage.safeParse(item);
  if (!parsed.success) return { code: 'invalid_message', message: issueMessage(parsed.error.issues) };
  const msg = parsed.data;
  const type = ctx.type ?? msg.type;
  if (!type || !SUPPORTED.has(type)) return { code: 'unsupported_type', message: 'type must be identify, track or page' };
  if (msg.sentAt !== undefined && parseTimestamp(msg.sentAt) === null) return invalidTimestamp('sentAt');
  const eventId = await messageEventId(msg.messageId === undefined ? undefined : String(msg.messageId), item);
  const problem = await addMessage(site, w, msg, type as SegmentType, eventId, ctx);
  return problem ?? { id: eventId };
}

async function addMessage(site: Site, w: WriteSet, msg: SegmentMessage, type: SegmentType, eventId: string, ctx: SegmentContext): Promise<Rejection | null> {
  const sentAt = parseTimestamp(msg.sentAt) ?? ctx.sentAt;
  const field = msg.timestamp !== undefined ? 'timestamp' : 'originalTimestamp';
  const time = serverTime(field, msg.timestamp ?? msg.originalTimestamp ?? ctx.receivedAt, sentAt, ctx.receivedAt);
  if ('code' in time) return time;
  const at = time.at;

  const anonymousId = msg.anonymousId !== undefined ? await storedId(site, String(msg.anonymousId)) : null;
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
    const attribution = deriveAttribution(page, parseUrl(referrer), explicit, { lowercaseUtms: site.settings.lowercase_utms });
    if (attribution.hasCampaign || attribution.referrer) {
      w.touches.push({
        touch_id: serverTouchId(eventId),
        origin: 'server',
        touch_type: 'web_visit',
        occurred_at: at,
        channel: classifyTouch(
          { origin: 'server', touch_type: 'web_visit', source: attribution.source, medium: attribution.medium, campaign: attribution.campaign, referrer: attribution.referrer, url: presentText(pageUrl) },
          siteRules(site),
        ),
        channel_sent: null,
        source: attribution.source,
        medium: attribution.medium,
        campaign: attribution.campaign,
        content: attribution.content,
        term: attribution.term,
        utm_id: attribution.utmId,
        click_id_type: attribution.clickIdType,
        click_id: attribution.clickId,
        referrer: attribution.referrer,
        url: presentText(pageUrl),
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
    name: presentText(type === 'track' ? msg.event : type === 'page' ? (msg.name ?? msg.context?.page?.title) : null),
    url: presentText(pageUrl),
    referrer: presentText(referrer),
    // Redacted with the row (redact-writes.ts): properties.url and .referrer as URLs, like every URL value.
    props: msg.properties ? JSON.stringify(msg.properties) : null,
    occurred_at: at,
  });
  if (visitorId) w.addVisitor(visitorId, at, null);
  return null;
}

function stringProp(props: Record<string, unknown> | undefined, key: string): string | undefined {
  const v = props?.[key];
  return typeof v === 'string' ? v : undefined;
}
