// Collects the rows one request writes and commits them as a single D1 batch: one transaction,
// so a request that fails half way stores nothing and its retry stores everything once. The
// request's counters ride in the same batch: one D1 round trip per request.
import { countRequest, type Tally } from './counters';
import { upsertConversions, type ConversionRow } from './conversions';
import { insertEvents, type EventRow } from './events';
import { insertAccounts, insertIdentityLinks, requeueLeftAccounts, upsertContacts, upsertVisitors, type ContactRow, type LinkRow } from './identity';
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
    // Within one request too, an explicit account is not undone by a later identification by email alone.
    const account = prev?.explicit && !row.explicit ? { account_domain: prev.account_domain, explicit: prev.explicit } : {};
    this.contacts.set(row.contact_id, prev ? { ...row, ...account, at: Math.min(prev.at, row.at), company: row.company ?? prev.company } : row);
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

  /** Adds every row of `other` (one item's rows), merged as if they had been added here. */
  absorb(other: WriteSet): void {
    this.events.push(...other.events);
    this.touches.push(...other.touches);
    this.forms.push(...other.forms);
    this.conversions.push(...other.conversions);
    for (const contact of other.contacts.values()) this.addContact(contact);
    for (const [domain, at] of other.accounts) this.addAccount(domain, at);
    for (const link of other.links.values()) this.addLink(link.visitor_id, link.contact_id, link.at);
    for (const v of other.visitors.values()) this.addVisitor(v.visitor_id, v.at, v.device);
  }
}

export interface CommitResult {
  /** Event ids that were new (the others in the set were duplicates). */
  newEvents: Set<string>;
  newTouches: Set<string>;
  /** Conversions inserted or changed by this request. */
  changedConversions: Set<string>;
}

/** Commits the set and `tally`'s counters; a request with nothing valid writes its counters alone. */
export async function commitWrites(db: D1Database, siteId: string, w: WriteSet, now: number, tally: Tally): Promise<CommitResult> {
  const statements: D1PreparedStatement[] = [];
  const slot: Partial<Record<'touches' | 'events' | 'conversions', number>> = {};
  // The counters must directly follow the statement that stores what they count (counters.ts).
  const counted = (kind: Tally['kind'], index: number) => {
    if (kind === tally.kind) statements.push(countRequest(db, siteId, now, tally, true));
    return index;
  };
  // Touches before events: the form_fill check inside insertTouches must see only earlier batches'
  // forms; forms of this batch upgrade their touch through upgradeFormTouches below.
  if (w.touches.length) slot.touches = counted('touches', statements.push(insertTouches(db, siteId, w.touches, now)) - 1);
  if (w.events.length) slot.events = counted('events', statements.push(insertEvents(db, siteId, w.events, now)) - 1);
  if (w.forms.length) statements.push(upgradeFormTouches(db, siteId, w.forms));
  if (w.contacts.size) {
    const contacts = [...w.contacts.values()];
    statements.push(...requeueLeftAccounts(db, siteId, contacts, now));
    statements.push(upsertContacts(db, siteId, contacts, now));
  }
  if (w.accounts.size) {
    statements.push(insertAccounts(db, siteId, [...w.accounts].map(([domain, at]) => ({ domain, at }))));
  }
  if (w.links.size) statements.push(insertIdentityLinks(db, siteId, [...w.links.values()], now));
  if (w.conversions.length) {
    // One row per id (the last sent wins): two rows for one id in one upsert would both count as changes.
    const conversions = [...new Map(w.conversions.map((c) => [c.conversion_id, c])).values()];
    slot.conversions = counted('conversions', statements.push(upsertConversions(db, siteId, conversions, now)) - 1);
  }
  if (w.visitors.size) statements.push(upsertVisitors(db, siteId, [...w.visitors.values()]));
  if (slot[tally.kind] === undefined) statements.push(countRequest(db, siteId, now, tally, false));

  const results = await db.batch<Record<string, string>>(statements);
  const ids = (i: number | undefined, col: string) =>
    new Set(i === undefined ? [] : results[i].results.map((r) => r[col]));
  return {
    newEvents: ids(slot.events, 'event_id'),
    newTouches: ids(slot.touches, 'touch_id'),
    changedConversions: ids(slot.conversions, 'conversion_id'),
  };
}
