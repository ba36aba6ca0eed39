// Resolves who a server-side item belongs to: a contact by email, an anonymous id, or an account.
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { identifyContact } from '../identity/contacts';
import { isFreeMail, normaliseDomain } from '../identity/email';
import { storedVisitorId } from '../identity/visitor-id';

export interface Who {
  contactId: string | null;
  visitorId: string | null;
  /**
   * The account_domain the caller sent, stored on the item. An account that only comes from the
   * contact's email is not stamped on the item: the job reads the contact's current account, so
   * items follow a contact that a later explicit account_domain moves (§6).
   */
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
  const accountDomain = item.account_domain ? normaliseDomain(item.account_domain) : null;
  if (accountDomain && isFreeMail(accountDomain)) {
    return {
      code: 'free_mail_account',
      message: `${accountDomain} is a free-mail domain and never forms an account: send the person's email instead`,
    };
  }
  if (item.email !== undefined) {
    const contact = await identifyContact(site, w, item.email, at, { explicitAccount: accountDomain });
    if (!contact) return { code: 'invalid_email', message: 'email is not an email address' };
    contactId = contact.contactId;
    if (visitorId) w.addLink(visitorId, contactId, at);
  } else if (accountDomain) {
    w.addAccount(accountDomain, at);
  }
  return { contactId, visitorId, accountDomain };
}
