// Contacts (email HMACs only), accounts and the identity links from anonymous ids to contacts.

export interface ContactRow {
  contact_id: string;
  email_domain: string;
  account_domain: string | null;
  company: string | null;
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
      `INSERT INTO contacts (site_id, contact_id, email_domain, account_domain, company, first_seen, updated_at)
       SELECT ?1, j.value->>'contact_id', j.value->>'email_domain', j.value->>'account_domain', j.value->>'company',
              j.value->>'at', ?3
       FROM json_each(?2) AS j WHERE true
       ON CONFLICT (site_id, contact_id) DO UPDATE SET
         company = COALESCE(excluded.company, contacts.company),
         account_domain = COALESCE(contacts.account_domain, excluded.account_domain),
         first_seen = MIN(contacts.first_seen, excluded.first_seen),
         updated_at = excluded.updated_at
       -- Only a real change touches updated_at: the attribution job recomputes an account whose
       -- contacts changed, and a repeat identify must not trigger that.
       WHERE contacts.company IS NOT COALESCE(excluded.company, contacts.company)
          OR (contacts.account_domain IS NULL AND excluded.account_domain IS NOT NULL)
          OR excluded.first_seen < contacts.first_seen`,
    )
    .bind(siteId, JSON.stringify(rows), now);
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
