// Erasure of one person (DELETE /v1/people): their contact, identity links, visitor ids, events,
// and every column that could tie a touch or a conversion back to them — in one D1 transaction.
//
// What happens to their touches: a touch that belonged to a business account (set on the touch, or
// the contact's account) is kept as an anonymous account-level touch — contact, visitor, session,
// click id, URL and referrer removed — because the account's marketing history is the customer's
// company data, and dropping it would silently rewrite past channel credit of other people's
// deals at that account. A touch with no account to fall back to (a free-mail contact's, or a
// visitor's with no account) could only ever describe the person, so it is deleted. Conversions
// are CRM records and are kept, stripped of the contact and visitor ids; one that no longer
// resolves to anybody is credited "(no touch)", so totals still reconcile; one the contact's business
// account resolved (sent by email) keeps that account.
//
// Credit rows hold no person identifiers in their payload (touch ids, channels), so they stay until
// the job recomputes the affected keys: the person's account and the accounts of other contacts
// sharing their devices are queued here, and the conversions changed here carry a new updated_at
// that the next scan picks up. Keys that would name the person (their personal key, their visitor
// keys) are removed from the queue, and credit filed under them is re-filed under the conversion's
// own '(none)' key until the job credits it again.
import { akeySql } from '../../../schemas/akey';
import { markMonthsSql, recordMonthsSql, type DirtyFunnelMonth } from './funnel-months';
import { enqueueSql } from './queue';
import { markTailsSql } from './tails';

/** The person's visitor ids; identity_links is deleted last in the batch, so every statement sees them. */
const V = '(SELECT visitor_id FROM identity_links WHERE site_id = ?1 AND contact_id = ?2)';
const ACCOUNT = '(SELECT account_domain FROM contacts WHERE site_id = ?1 AND contact_id = ?2)';
/** A visitor's touch is the person's unless it names another contact (then it only loses the device). */
const BY_VISITOR = `visitor_id IN ${V} AND +contact_id IS NULL`;
const ANONYMISE = `SET account_domain = COALESCE(account_domain, ${ACCOUNT}), contact_id = NULL, visitor_id = NULL,
  session_id = NULL, click_id_type = NULL, click_id = NULL, url = NULL, referrer = NULL`;
const HAS_ACCOUNT = `COALESCE(account_domain, ${ACCOUNT}) IS NOT NULL`;

// Each statement reaches its rows through one index: an OR of two indexed terms made SQLite scan
// the site's whole touches table. Order matters: links and the contact go last.
/**
 * Deletes a table's rows under the keys that name the person: their personal key and their devices'
 * lone-visitor keys (schemas/akey.ts). `table` is one of the job's per-key tables, never input.
 */
function personKeyRows<Name extends string>(name: Name, table: string): Record<`${Name}Personal` | `${Name}Visitors`, string> {
  return {
    [`${name}Personal`]: `DELETE FROM ${table} WHERE site_id = ?1 AND akey = ${akeySql.personal('?2')}`,
    [`${name}Visitors`]: `DELETE FROM ${table} WHERE site_id = ?1
    AND akey IN (SELECT ${akeySql.visitor('visitor_id')} FROM identity_links WHERE site_id = ?1 AND contact_id = ?2)`,
  } as Record<`${Name}Personal` | `${Name}Visitors`, string>;
}

/** The person's account and the keys of other contacts sharing their devices: recomputed, not removed. */
const ACCOUNTS_TOUCHED = `SELECT account_domain AS akey, 0 AS since FROM contacts WHERE site_id = ?1 AND contact_id = ?2 AND account_domain IS NOT NULL
     UNION ALL SELECT ${akeySql.contact('ct')}, 0
       FROM identity_links l CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = l.contact_id
       WHERE l.site_id = ?1 AND l.visitor_id IN ${V} AND l.contact_id <> ?2`;

const STATEMENTS = {
  queueAccounts: enqueueSql(ACCOUNTS_TOUCHED, '?3'),
  // Their stored journeys (db/tails.ts) change the same way: the next fit recomputes them.
  markTails: markTailsSql(ACCOUNTS_TOUCHED, '?3'),
  // Where the person's conversions were credited, unless that key names the person (re-filed below).
  queueCredited: enqueueSql(
    `SELECT m.akey, m.converted_at AS since FROM conversions cv
       CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0
       WHERE cv.site_id = ?1 AND cv.contact_id = ?2 AND NOT ${akeySql.namesPerson('m.akey')}
     UNION ALL SELECT m.akey, m.converted_at FROM conversions cv
       CROSS JOIN credit m ON m.site_id = ?1 AND m.conversion_id = cv.conversion_id AND m.part = 0
       WHERE cv.site_id = ?1 AND cv.visitor_id IN ${V} AND NOT ${akeySql.namesPerson('m.akey')}`,
    '?3',
  ),
  touchesAnonymisedByContact: `UPDATE touches ${ANONYMISE} WHERE site_id = ?1 AND contact_id = ?2 AND ${HAS_ACCOUNT}`,
  touchesAnonymisedByVisitor: `UPDATE touches ${ANONYMISE} WHERE site_id = ?1 AND ${BY_VISITOR} AND ${HAS_ACCOUNT}`,
  touchesDeletedByContact: 'DELETE FROM touches WHERE site_id = ?1 AND contact_id = ?2',
  touchesDeletedByVisitor: `DELETE FROM touches WHERE site_id = ?1 AND ${BY_VISITOR}`,
  // Another person's touch made on the person's device keeps its owner but loses the device.
  touchesDetached: `UPDATE touches SET visitor_id = NULL, session_id = NULL WHERE site_id = ?1 AND visitor_id IN ${V}`,
  // A new updated_at makes the next scan re-resolve each conversion to wherever it now belongs. A
  // conversion sent by email belonged to the contact's account: it stays there, like their touches.
  conversionsByContact: `UPDATE conversions SET account_domain = COALESCE(account_domain, ${ACCOUNT}), contact_id = NULL,
      visitor_id = CASE WHEN visitor_id IN ${V} THEN NULL ELSE visitor_id END, updated_at = ?3
    WHERE site_id = ?1 AND contact_id = ?2`,
  conversionsByVisitor: `UPDATE conversions SET visitor_id = NULL, updated_at = ?3 WHERE site_id = ?1 AND visitor_id IN ${V}`,
  eventsByContact: 'DELETE FROM events WHERE site_id = ?1 AND contact_id = ?2',
  eventsByVisitor: `DELETE FROM events WHERE site_id = ?1 AND visitor_id IN ${V}`,
  visitors: `DELETE FROM visitors WHERE site_id = ?1 AND visitor_id IN ${V}`,
  creditedPersonal: `UPDATE credit INDEXED BY credit_by_akey SET akey = ${akeySql.none('conversion_id')}
    WHERE site_id = ?1 AND akey = ${akeySql.personal('?2')}`,
  creditedVisitors: `UPDATE credit INDEXED BY credit_by_akey SET akey = ${akeySql.none('conversion_id')} WHERE site_id = ?1
    AND akey IN (SELECT ${akeySql.visitor('visitor_id')} FROM identity_links WHERE site_id = ?1 AND contact_id = ?2)`,
  // The funnel's months that hold those keys (read from their records before these go): the caller
  // rebuilds them without the person (attribution/funnel-rebuild.ts), or else the next job run does.
  funnelMonths: `${markMonthsSql(
    recordMonthsSql(`SELECT ${akeySql.personal('?2')} UNION ALL SELECT ${akeySql.visitor('visitor_id')} FROM identity_links WHERE site_id = ?1 AND contact_id = ?2`),
    '?3',
  )} RETURNING stage, month, marked_at`,
  // The job's rows of the keys that name the person (accounts are recomputed, queued above): queued
  // work, the funnel's first touches and records, and closed_lost filings.
  ...personKeyRows('dirty', 'attribution_dirty'),
  ...personKeyRows('firstTouch', 'key_first_touch'),
  ...personKeyRows('funnel', 'key_funnel'),
  ...personKeyRows('lostFiled', 'key_funnel_lost'),
  ...personKeyRows('tails', 'key_tails'),
  ...personKeyRows('tailsDirty', 'key_tails_dirty'),
  // Every link of the person's devices, to other contacts too: no table may keep those visitor ids.
  links: `DELETE FROM identity_links WHERE site_id = ?1 AND visitor_id IN ${V}`,
  contact: 'DELETE FROM contacts WHERE site_id = ?1 AND contact_id = ?2',
};

export interface ErasureCounts {
  contacts: number;
  visitors: number;
  identity_links: number;
  events: number;
  touches_anonymised: number;
  touches_deleted: number;
  conversions_detached: number;
  keys_queued: number;
}

export interface Erasure {
  counts: ErasureCounts;
  /** Funnel months that held the person's keys, marked for a rebuild. */
  funnelMonths: DirtyFunnelMonth[];
}

export async function erasePerson(db: D1Database, siteId: string, contactId: string, now: number): Promise<Erasure> {
  const names = Object.keys(STATEMENTS) as (keyof typeof STATEMENTS)[];
  // D1 wants exactly as many values as the statement's highest parameter.
  const bound = (sql: string) => (sql.includes('?3') ? [siteId, contactId, now] : [siteId, contactId]);
  const results = await db.batch(names.map((name) => db.prepare(STATEMENTS[name]).bind(...bound(STATEMENTS[name]))));
  const n = (name: keyof typeof STATEMENTS) => results[names.indexOf(name)].meta.changes;
  const counts = {
    contacts: n('contact'),
    visitors: n('visitors'),
    identity_links: n('links'),
    events: n('eventsByContact') + n('eventsByVisitor'),
    touches_anonymised: n('touchesAnonymisedByContact') + n('touchesAnonymisedByVisitor'),
    touches_deleted: n('touchesDeletedByContact') + n('touchesDeletedByVisitor'),
    conversions_detached: n('conversionsByContact') + n('conversionsByVisitor'),
    keys_queued: n('queueAccounts') + n('queueCredited'),
  };
  return { counts, funnelMonths: results[names.indexOf('funnelMonths')].results as unknown as DirtyFunnelMonth[] };
}
