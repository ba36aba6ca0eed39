// Resolves who a server-side item belongs to: a contact by email, an anonymous id, or an account.
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { identifyContact } from '../identity/contacts';
import { normaliseDomain } from '../identity/email';
import { storedVisitorId } from '../identity/visitor-id';

export interface Who {
  contactId: string | null;
  visitorId: string | null;
  accountDomain: string | null;
}

export async function resolveWho(
  site: Site,
  w: WriteSet,
  item: { email?: string; anonymous_id?: string; account_domain?: string },
  at: number,
): Promise<Who | { code: string; message: string }> {
  const visitorId = item.anonymous_id ? await storedVisitorId(site, item.anonymous_id) : null;
  let contactId: string | null = null;
  let accountDomain = item.account_domain ? normaliseDomain(item.account_domain) : null;
  if (item.email !== undefined) {
    const contact = await identifyContact(site, w, item.email, at, { explicitAccount: accountDomain });
    if (!contact) return { code: 'invalid_email', message: 'email is not an email address' };
    contactId = contact.contactId;
    accountDomain = contact.accountDomain;
    if (visitorId) w.addLink(visitorId, contactId, at);
  } else if (accountDomain) {
    w.addAccount(accountDomain, at);
  }
  return { contactId, visitorId, accountDomain };
}
