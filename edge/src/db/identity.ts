// Contacts (email HMACs only), accounts and the identity links from anonymous ids to contacts.
import { enqueueSql } from './queue';
import { markTailsSql } from './tails';

export interface ContactRow {
  contact_id: string;
  email_domain: string;
  account_domain: string | null;
  company: string | null;
  /** 1 when account_domain was sent explicitly (it then overrides the email's domain), else 0. */
  explicit: 0 | 1;
  at: number;
}

export interface LinkRow {
  visitor_id: string;
  contact_id: string;
  at: number;
}

export function upsertContacts(db: D1Database, siteId: string, rows: ContactRow[], now: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO contacts (site_id, contact_id, email_domain, account_domain, account_explicit, company, first_seen, updated_at)
       SELECT ?1, j.value->>'contact_id', j.value->>'email_domain', j.value->>'account_domain', j.value->>'explicit',
              j.value->>'company', j.value->>'at', ?3
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, contact_id) DO UPDATE SET
         company = COALESCE(excluded.company, contacts.company),
         -- An explicit account wins (the latest one); an email's own domain only fills a gap.
         account_domain = CASE WHEN excluded.account_explicit = 1 THEN excluded.account_domain
                               ELSE COALESCE(contacts.account_domain, excluded.account_domain) END,
         account_explicit = MAX(contacts.account_explicit, excluded.account_explicit),
         first_seen = MIN(contacts.first_seen, excluded.first_seen),
         updated_at = excluded.updated_at
       -- Only a real change touches updated_at: the attribution job recomputes an account whose
       -- contacts changed, and a repeat identify must not trigger that.
       WHERE contacts.company IS NOT COALESCE(excluded.company, contacts.company)
          OR (contacts.account_domain IS NULL AND excluded.account_domain IS NOT NULL)
          OR (excluded.account_explicit = 1 AND contacts.account_domain IS NOT excluded.account_domain)
          OR (excluded.account_explicit = 1 AND contacts.account_explicit = 0)
          OR excluded.first_seen < contacts.first_seen`,
    )
    .bind(siteId, JSON.stringify(rows), now);
}

/**
 * Queues the account a contact is about to leave (an explicit account_domain moving it elsewhere)
 * for the attribution job: its credit still counts the contact's touches. Runs before the upsert,
 * in the same batch. The job's change scan sees the contact's new account by itself.
 */
export function requeueLeftAccounts(db: D1Database, siteId: string, rows: ContactRow[], now: number): D1PreparedStatement[] {
  const moving = rows.filter((r) => r.explicit).map((r) => ({ contact_id: r.contact_id, account_domain: r.account_domain }));
  if (!moving.length) return [];
  const left = `SELECT ct.account_domain AS akey, 0 AS since FROM json_each(?2) AS j
         CROSS JOIN contacts ct ON ct.site_id = ?1 AND ct.contact_id = j.value->>'contact_id'
         WHERE ct.account_domain IS NOT NULL AND ct.account_domain IS NOT j.value->>'account_domain'`;
  // And its stored journeys (db/tails.ts) for the next fit, for the same reason.
  return [enqueueSql(left, '?3'), markTailsSql(left, '?3')].map((sql) => db.prepare(sql).bind(siteId, JSON.stringify(moving), now));
}

export function insertAccounts(db: D1Database, siteId: string, domains: { domain: string; at: number }[]): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO accounts (site_id, domain, first_seen)
       SELECT ?1, j.value->>'domain', j.value->>'at' FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, domain) DO UPDATE SET first_seen = MIN(accounts.first_seen, excluded.first_seen)`,
    )
    .bind(siteId, JSON.stringify(domains));
}

export function insertIdentityLinks(db: D1Database, siteId: string, rows: LinkRow[], receivedAt: number): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO identity_links (site_id, visitor_id, contact_id, linked_at, received_at)
       SELECT ?1, j.value->>'visitor_id', j.value->>'contact_id', j.value->>'at', ?3
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, visitor_id, contact_id) DO NOTHING`,
    )
    .bind(siteId, JSON.stringify(rows), receivedAt);
}

export function upsertVisitors(
  db: D1Database,
  siteId: string,
  rows: { visitor_id: string; at: number; device: string | null }[],
): D1PreparedStatement {
  return db
    .prepare(
      `INSERT INTO visitors (site_id, visitor_id, first_seen, last_seen, device)
       SELECT ?1, j.value->>'visitor_id', j.value->>'at', j.value->>'at', j.value->>'device'
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, visitor_id) DO UPDATE SET
         first_seen = MIN(visitors.first_seen, excluded.first_seen),
         last_seen = MAX(visitors.last_seen, excluded.last_seen),
         device = COALESCE(excluded.device, visitors.device)`,
    )
    .bind(siteId, JSON.stringify(rows));
}
