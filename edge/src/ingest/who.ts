// Resolves who a server-side item belongs to: a contact by email, an anonymous id, or an account.
import type { Site } from '../db/sites';
import type { WriteSet } from '../db/write-set';
import { identifyContact } from '../identity/contacts';
import { accountDomain as normalisedAccount, isFreeMail } from '../identity/email';
import { storedId } from '../identity/stored-id';
import type { Rejection } from './ingest-items';

export interface Who {
  contactId: string | null;
  visitorId: string | null;
  /**
   * The account_domain the caller sent, stored on the item. An account that only comes from the
   * contact's email is not stamped on the item: the job reads the contact's current account, so
   * items follow a contact that a later explicit account_domain moves (docs/identity-and-privacy.md).
   */
  accountDomain: string | null;
}

export async function resolveWho(
  site: Site,
  w: WriteSet,
  item: { email?: string; anonymous_id?: string; account_domain?: string },
  at: number,
): Promise<Who | Rejection> {
  const visitorId = item.anonymous_id ? await storedId(site, item.anonymous_id) : null;
  let contactId: string | null = null;
  const accountDomain = item.account_domain !== undefined ? normalisedAccount(item.account_domain) : null;
  if (item.account_domain !== undefined && !accountDomain) {
    return {
      code: 'invalid_account_domain',
      message: 'account_domain must be a company domain such as acme.com (checked after removing www. and a trailing dot)',
    };
  }
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
