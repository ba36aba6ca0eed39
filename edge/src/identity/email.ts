// Email normalisation and account resolution: the domain forms the account unless it is free mail.
import freeMailDomains from 'email-providers/all.json';

const FREE_MAIL = new Set<string>(freeMailDomains as string[]);
// A practical check, not RFC 5322: one @, a dotted domain, no spaces.
const EMAIL = /^[^\s@]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export { PERSONAL_ACCOUNT } from '../../../schemas/akey';

/** Trimmed, lower-case email, or null when it is not an email address. */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  return EMAIL.test(email) ? email : null;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

export function normaliseDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
}

export function isFreeMail(domain: string): boolean {
  return FREE_MAIL.has(domain);
}

/** The account an email belongs to: its domain, or null for free-mail (counted as "(personal)"). */
export function accountForEmail(email: string): string | null {
  const domain = emailDomain(email);
  return isFreeMail(domain) ? null : domain;
}
