// Turns an email into a contact (per-site HMAC, never the email itself) and its account.
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { hmacHex } from './hash';
import { accountForEmail, emailDomain, normaliseDomain, normaliseEmail } from './email';

export interface ResolvedContact {
  contactId: string;
  accountDomain: string | null;
}

export async function contactIdFor(site: Site, normalisedEmail: string): Promise<string> {
  return hmacHex(site.hashKey, normalisedEmail);
}

/**
 * Records the contact for `rawEmail` in the write set and returns its id, or null when the value
 * is not an email address. `explicitAccount` (an account_domain sent by the caller) wins over the
 * email's domain, as docs/identity-and-privacy.md says.
 */
export async function identifyContact(
  site: Site,
  w: WriteSet,
  rawEmail: string,
  at: number,
  opts: { company?: string | null; explicitAccount?: string | null } = {},
): Promise<ResolvedContact | null> {
  const email = normaliseEmail(rawEmail);
  if (!email) return null;
  const contactId = await contactIdFor(site, email);
  const accountDomain = opts.explicitAccount ? normaliseDomain(opts.explicitAccount) : accountForEmail(email);
  w.addContact({
    contact_id: contactId,
    email_domain: emailDomain(email),
    account_domain: accountDomain,
    explicit: opts.explicitAccount ? 1 : 0,
    // Free text typed by the visitor: redacted with every other stored text (ingest/redact-writes.ts).
    company: opts.company?.trim() || null,
    at,
  });
  return { contactId, accountDomain };
}
