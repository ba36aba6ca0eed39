// Email normalisation and account resolution: the domain forms the account unless it is free mail.
import freeMailDomains from 'email-providers/all.json';

const FREE_MAIL = new Set<string>(freeMailDomains as string[]);
// A practical check, not RFC 5322: one @, a dotted domain, no spaces. Domains are compared in
// punycode, so an internationalised address (jane@bücher.de) is a contact like any other.
const LOCAL_PART = /^[^\s@]{1,64}$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export { PERSONAL_ACCOUNT } from '../../../schemas/akey';

/** A domain in lower-case punycode without a trailing dot, or null when it is not a domain name. */
function asciiDomain(raw: string): string | null {
  const name = raw.trim().toLowerCase().replace(/\.$/, '');
  if (!name || name.length > 253 || /[\s/?#@:[\]\\%]/.test(name)) return null;
  let ascii: string;
  try {
    // The URL parser applies IDNA (bücher.de → xn--bcher-kva.de).
    ascii = new URL(`http://${name}`).hostname;
  } catch {
    return null;
  }
  return DOMAIN.test(ascii) ? ascii : null;
}

/** Trimmed, lower-case email with a punycode domain, or null when it is not an email address. */
export function normaliseEmail(raw: string): string | null {
  const email = raw.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  const domain = at > 0 ? asciiDomain(email.slice(at + 1)) : null;
  return domain && LOCAL_PART.test(email.slice(0, at)) ? `${email.slice(0, at)}@${domain}` : null;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

export function normaliseDomain(raw: string): string {
  return raw.trim().toLowerCase().replace(/^www\./, '').replace(/\.$/, '');
}

/**
 * An account domain as sent by a caller, normalised (www. and a trailing dot removed, punycode) and
 * then checked: "www.com" is "com", which is no company's domain. Null when it is not one.
 */
export function accountDomain(raw: string): string | null {
  const domain = asciiDomain(normaliseDomain(raw));
  return domain && !domain.startsWith('www.') ? domain : null;
}

export function isFreeMail(domain: string): boolean {
  return FREE_MAIL.has(domain);
}

/** The account an email belongs to: its domain, or null for free-mail (counted as "(personal)"). */
export function accountForEmail(email: string): string | null {
  const domain = emailDomain(email);
  return isFreeMail(domain) ? null : domain;
}
