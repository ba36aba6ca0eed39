// POST /e: turns one validated snippet batch into events, touches, identities and conversions.
import type { BatchResult } from '../../../schemas/api';
import { wireEvent, type WireBatch, type WireEvent } from '../../../schemas/wire';
import type { Site } from '../db/sites';
import { commitWrites, WriteSet } from '../db/write-set';
import { issueMessage } from '../errors';
import { identifyContact } from '../identity/contacts';
import { deriveAttribution, parseUrl, presentText } from './campaign';
import { siteRules } from './channel-rules';
import { classifyTouch } from './classify';
import { ingestItems, type Rejection } from './ingest-items';
import { correctSnippetTime } from './time';
import { webTouchId } from './touch-id';

export interface SnippetContext {
  receivedAt: number;
  device: string | null;
}

type Envelope = Omit<WireBatch, 'e'>;

export function ingestSnippetBatch(db: D1Database, site: Site, batch: Envelope & { e: unknown[] }, ctx: SnippetContext): Promise<BatchResult> {
  return ingestItems(db, site, batch.e, {
    counter: 'events',
    build: (item, w) => buildEvent(site, item, w, batch, ctx),
    fresh: (committed) => committed.newEvents,
  }, ctx.receivedAt);
}

/** A bot's batch stores nothing; each event is answered as rejected and counted as a bot. */
export async function refuseBotBatch(db: D1Database, site: Site, events: number, bot: string, at: number): Promise<BatchResult> {
  const rejected = Array.from({ length: events }, (_, index) => ({ index, code: 'bot', message: `filtered as a bot (${bot})` }));
  await commitWrites(db, site.id, new WriteSet(), at, { kind: 'events', items: 0, rejected: events, bots: events });
  return { accepted: 0, duplicates: 0, rejected };
}

async function buildEvent(site: Site, item: unknown, w: WriteSet, batch: Envelope, ctx: SnippetContext): Promise<{ id: string } | Rejection> {
  const parsed = wireEvent.safeParse(item);
  if (!parsed.success) return { code: 'invalid_event', message: issueMessage(parsed.error.issues) };
  const e = parsed.data;
  const visitorId = batch.v ?? null;
  const time = correctSnippetTime(e.c, batch.t, ctx.receivedAt);
  if ('code' in time) return time;
  const at = time.at;
  const page = parseUrl(e.u);
  if (e.u !== undefined && !page) return { code: 'invalid_url', message: 'u must be an absolute URL' };
  if (e.y === 'page' && !page) return { code: 'invalid_event', message: 'a page event needs u, the page URL' };

  let contactId: string | null = null;
  if (e.m !== undefined) {
    const contact = await identifyContact(site, w, e.m, at, { company: e.o });
    if (!contact) return { code: 'invalid_email', message: 'm is not an email address' };
    contactId = contact.contactId;
    if (visitorId) w.addLink(visitorId, contactId, at);
  } else if (e.y === 'identify') {
    return { code: 'invalid_event', message: 'an identify event needs m, the email' };
  }

  if (e.y === 'page' && page) {
    const attribution = deriveAttribution(page, parseUrl(e.r), {}, { lowercaseUtms: site.settings.lowercase_utms });
    // A touch is a session's landing, a new campaign or click id, or a visit from another site;
    // internal navigation never makes one.
    if (e.l || attribution.hasCampaign || attribution.referrer) {
      w.touches.push({
        touch_id: await webTouchId(e.s, attribution),
        origin: 'web',
        touch_type: 'web_visit',
        occurred_at: at,
        channel: classifyTouch(
          { origin: 'web', touch_type: 'web_visit', source: attribution.source, medium: attribution.medium, campaign: attribution.campaign, referrer: attribution.referrer, url: e.u ?? null },
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
        url: e.u ?? null,
        visitor_id: visitorId,
        session_id: e.s,
        contact_id: null,
        account_domain: null,
      });
    }
  }

  if (e.y === 'form') {
    w.forms.push({ session_id: e.s, occurred_at: at });
    if (e.g) {
      w.conversions.push({
        conversion_id: `web_${e.i}`,
        stage: e.g,
        occurred_at: at,
        origin: 'web',
        contact_id: contactId,
        visitor_id: visitorId,
        // The contact's account is read by the job, so the lead follows the contact if it moves (docs/identity-and-privacy.md).
        account_domain: null,
        opportunity_id: null,
        amount_cents: null,
        currency: null,
      });
    }
  }

  w.events.push({
    event_id: e.i,
    type: e.y,
    source: 'web',
    visitor_id: visitorId,
    contact_id: contactId,
    session_id: e.s,
    name: presentText(e.y === 'form' ? e.f?.i || e.f?.n : (e.n ?? e.h)),
    // A form's action is the attribute as written (often relative): stored resolved against the page.
    url: presentText(e.y === 'form' && e.f?.a ? resolveUrl(e.f.a, e.u) : e.u),
    referrer: presentText(e.r),
    props: eventProps(e),
    occurred_at: at,
  });
  if (visitorId) w.addVisitor(visitorId, ctx.receivedAt, ctx.device);
  return { id: e.i };
}

function resolveUrl(href: string, base: string | undefined): string {
  try {
    return new URL(href, base).href;
  } catch {
    return href;
  }
}

/** Properties as sent; they are redacted with the rest of the row (redact-writes.ts). */
function eventProps(e: WireEvent): string | null {
  if (e.y === 'track' && e.p) return JSON.stringify(e.p);
  if (e.y === 'form') return JSON.stringify({ form_id: e.f?.i, form_name: e.f?.n, stage: e.g });
  if (e.y === 'page' && e.h) return JSON.stringify({ title: e.h });
  return null;
}
