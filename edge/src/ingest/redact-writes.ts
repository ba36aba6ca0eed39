// The one redaction pass: every text field of every row a request writes goes through it before the
// commit, so no ingest path can forget a field (as opportunity_id and property names once were).
import type { ConversionRow } from '../db/conversions';
import type { EventRow } from '../db/events';
import type { ContactRow, LinkRow } from '../db/identity';
import type { FormSubmission, TouchRow } from '../db/touches';
import type { WriteSet } from '../db/write-set';
import { redactProps, redactText, redactUrl } from '../identity/redact';
import { storedId } from '../identity/stored-id';

/**
 * How a column is made safe to store. text: free text, redacted; url: redacted as a URL; props: a
 * JSON object of event properties; id: an id another system chose, hashed when it could identify
 * someone; worker: made by the Worker or validated to a closed form (numbers, enums, hashes, stage
 * names, currency codes, normalised domains), which cannot carry personal data.
 */
type Kind = 'text' | 'url' | 'props' | 'id' | 'worker';
// Records over every column (keyof): a column added to a row type fails to compile until it is classified here.
type Columns<Row> = Record<keyof Row, Kind>;

const TOUCH: Columns<TouchRow> = {
  touch_id: 'id', origin: 'worker', touch_type: 'worker', occurred_at: 'worker', channel: 'text', channel_sent: 'text', source: 'text',
  medium: 'text', campaign: 'text', content: 'text', term: 'text', utm_id: 'text', click_id_type: 'worker',
  click_id: 'text', referrer: 'url', url: 'url', visitor_id: 'id', session_id: 'id', contact_id: 'worker',
  account_domain: 'worker',
};
const EVENT: Columns<EventRow> = {
  event_id: 'id', type: 'worker', source: 'worker', visitor_id: 'id', contact_id: 'worker', session_id: 'id',
  name: 'text', url: 'url', referrer: 'url', props: 'props', occurred_at: 'worker',
};
const CONVERSION: Columns<ConversionRow> = {
  conversion_id: 'id', stage: 'worker', occurred_at: 'worker', origin: 'worker', contact_id: 'worker',
  visitor_id: 'id', account_domain: 'worker', opportunity_id: 'id', amount_cents: 'worker', currency: 'worker',
};
const CONTACT: Columns<ContactRow> = {
  contact_id: 'worker', email_domain: 'worker', account_domain: 'worker', company: 'text', explicit: 'worker', at: 'worker',
};
const LINK: Columns<LinkRow> = { visitor_id: 'id', contact_id: 'worker', at: 'worker' };
const FORM: Columns<FormSubmission> = { session_id: 'id', occurred_at: 'worker' };
const VISITOR: Columns<{ visitor_id: string; at: number; device: string | null }> = { visitor_id: 'id', at: 'worker', device: 'worker' };

async function redactValue(site: { hashKey: string }, kind: Kind, value: unknown): Promise<unknown> {
  if (typeof value !== 'string') return value;
  if (kind === 'text') return redactText(value);
  if (kind === 'url') return redactUrl(value);
  if (kind === 'props') return JSON.stringify(redactProps(JSON.parse(value)));
  if (kind === 'id') return storedId(site, value);
  return value;
}

async function redactRows<Row extends object>(site: { hashKey: string }, rows: Iterable<Row>, columns: Columns<Row>): Promise<void> {
  for (const row of rows) {
    const r = row as Record<string, unknown>;
    for (const [column, kind] of Object.entries(columns) as [string, Kind][]) r[column] = await redactValue(site, kind, r[column]);
  }
}

/**
 * Redacts, in place, every row of `w`. Ids that dedupe (touch, event, conversion ids) were stored
 * ids from the start, so this pass leaves them as they are; it hashes only ids that still hold
 * personal data, such as an opportunity_id.
 */
export async function redactWrites(site: { hashKey: string }, w: WriteSet): Promise<void> {
  await redactRows(site, w.touches, TOUCH);
  await redactRows(site, w.events, EVENT);
  await redactRows(site, w.conversions, CONVERSION);
  await redactRows(site, w.contacts.values(), CONTACT);
  await redactRows(site, w.links.values(), LINK);
  await redactRows(site, w.forms, FORM);
  await redactRows(site, w.visitors.values(), VISITOR);
}
