// Collects the rows one request writes and commits them as a single D1 batch: one transaction,
// so a request that fails half way stores nothing and its retry stores everything once.
import { upsertConversions, type ConversionRow } from './conversions';
import { insertEvents, type EventRow } from './events';
import { insertAccounts, insertIdentityLinks, upsertContacts, upsertVisitors, type ContactRow, type LinkRow } from './identity';
import { insertTouches, upgradeFormTouches, type FormSubmission, type TouchRow } from './touches';

export class WriteSet {
  readonly events: EventRow[] = [];
  readonly touches: TouchRow[] = [];
  readonly forms: FormSubmission[] = [];
  readonly contacts = new Map<string, ContactRow>();
  readonly accounts = new Map<string, number>();
  readonly links = new Map<string, LinkRow>();
  readonly conversions: ConversionRow[] = [];
  readonly visitors = new Map<string, { visitor_id: string; at: number; device: string | null }>();

  addContact(row: ContactRow): void {
    const prev = this.contacts.get(row.contact_id);
    this.contacts.set(row.contact_id, prev ? { ...row, at: Math.min(prev.at, row.at), company: row.company ?? prev.company } : row);
    if (row.account_domain) this.addAccount(row.account_domain, row.at);
  }

  addAccount(domain: string, at: number): void {
    this.accounts.set(domain, Math.min(this.accounts.get(domain) ?? at, at));
  }

  addLink(visitorId: string, contactId: string, at: number): void {
    const key = `${visitorId}\n${contactId}`;
    const prev = this.links.get(key);
    if (!prev || at < prev.at) this.links.set(key, { visitor_id: visitorId, contact_id: contactId, at });
  }

  addVisitor(visitorId: string, at: number, device: string | null): void {
    const prev = this.visitors.get(visitorId);
    if (!prev || at > prev.at) this.visitors.set(visitorId, { visitor_id: visitorId, at, device });
  }
}

export interface CommitResult {
  /** Event ids that were new (the others in the set were duplicates). */
  newEvents: Set<string>;
  newTouches: Set<string>;
  /** Conversions inserted or changed by this request. */
  changedConversions: Set<string>;
}

export async function commitWrites(db: D1Database, siteId: string, w: WriteSet, now: number): Promise<CommitResult> {
  const statements: D1PreparedStatement[] = [];
  const slot: Partial<Record<'touches' | 'events' | 'conversions', number>> = {};
  // Touches before events: the form_fill check inside insertTouches must see only earlier batches'
  // forms; forms of this batch upgrade their touch through upgradeFormTouches below.
  if (w.touches.length) slot.touches = statements.push(insertTouches(db, siteId, w.touches, now)) - 1;
  if (w.events.length) slot.events = statements.push(insertEvents(db, siteId, w.events, now)) - 1;
  if (w.forms.length) statements.push(upgradeFormTouches(db, siteId, w.forms));
  if (w.contacts.size) statements.push(upsertContacts(db, siteId, [...w.contacts.values()], now));
  if (w.accounts.size) {
    statements.push(insertAccounts(db, siteId, [...w.accounts].map(([domain, at]) => ({ domain, at }))));
  }
  if (w.links.size) statements.push(insertIdentityLinks(db, siteId, [...w.links.values()], now));
  if (w.conversions.length) slot.conversions = statements.push(upsertConversions(db, siteId, w.conversions, now)) - 1;
  if (w.visitors.size) statements.push(upsertVisitors(db, siteId, [...w.visitors.values()]));

  const results = statements.length ? await db.batch<Record<string, string>>(statements) : [];
  const ids = (i: number | undefined, col: string) =>
    new Set(i === undefined ? [] : results[i].results.map((r) => r[col]));
  return {
    newEvents: ids(slot.events, 'event_id'),
    newTouches: ids(slot.touches, 'touch_id'),
    changedConversions: ids(slot.conversions, 'conversion_id'),
  };
}
