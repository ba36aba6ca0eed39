// Personal data in what is stored: emails, card numbers and IP addresses are found in text, URLs and
// event properties, on decoded values (percent-encoding, twice over, and Unicode look-alikes), and
// masked, so no raw email, IP address, password or card number ever reaches storage.
import { LONE_SURROGATE } from '../../../schemas/limits';
import { isSecretName } from './secret-names';

export const REDACTED = '[redacted]';

// Letters and digits of any script: internationalised addresses (jöhn.doe@bücher.de) are emails too.
const EMAIL = /[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)*\.(?:\p{L}{2,}|xn--[a-z0-9-]+)/giu;
const CARD_LIKE = /\b(?:\d[ -]?){12,18}\d\b/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
// Full form with at least four groups (so clock times like 10:30:00 survive), or a "::" form.
const IPV6 = /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:)+:(?:[0-9a-f]{1,4}:)*[0-9a-f]{1,4}\b/gi;
// Text that SQLite would store as invalid UTF-8 (lone surrogates), and NUL, which ends C strings.
const ILL_FORMED = new RegExp(`${LONE_SURROGATE.source}|\\u0000`, 'g');
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
// Relative URLs (a form's action as written) are read against this base, which is then cut off again.
const RELATIVE_BASE = 'http://relative.invalid';
const MAX_DEPTH = 4;

/** Lone surrogates and NUL replaced by U+FFFD, so that what is stored is valid UTF-8. */
export const wellFormed = (value: string): string => value.replace(ILL_FORMED, '\ufffd');

/** Luhn check: only digit runs that could be card numbers are redacted, not order ids or phone numbers of other lengths. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const decodeOnce = (s: string) =>
  s.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run; // not UTF-8: left as written
    }
  });

/** Percent-decoded until nothing changes (a value encoded twice hides an email from one decoding). */
export function decodeFully(value: string): string {
  let s = value;
  for (let i = 0; i < 4; i++) {
    const next = decodeOnce(s);
    if (next === s) break;
    s = next;
  }
  return s;
}

/** `decoded` with personal data masked, or null when it holds none. NFKC first: ＠ and full-width digits count. */
function maskDecoded(decoded: string): string | null {
  const text = decoded.normalize('NFKC');
  const masked = text
    .replace(EMAIL, REDACTED)
    .replace(IPV4, REDACTED)
    .replace(IPV6, REDACTED)
    .replace(CARD_LIKE, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED : m;
    });
  return masked === text ? null : masked;
}

/** True when `value`, decoded, holds an email, a card number or an IP address. */
export const hasPersonalData = (value: string): boolean => maskDecoded(decodeFully(value)) !== null;

/**
 * Free text as it may be stored: unchanged when it holds no personal data (its encoding kept), else
 * its decoded form with the personal data masked.
 */
export function redactText(value: string): string {
  const text = wellFormed(value);
  return maskDecoded(decodeFully(text)) ?? text;
}

/** `text` as the URL parser writes it, or null when it is no URL. */
function parsedHref(text: string): string | null {
  try {
    return new URL(text).href;
  } catch {
    return null;
  }
}

/** One part of a URL (path segment, query name or value, fragment): kept as written unless it must change. */
function redactPart(raw: string, plusIsSpace: boolean, secret = false): string {
  if (secret) return raw ? REDACTED : raw;
  const decoded = decodeFully(plusIsSpace ? raw.replace(/\+/g, ' ') : raw);
  // A URL inside a URL (?next=https://…?token=…) is redacted as a URL; only a masked part counts as a
  // change, not the parser's own normalising (a trailing slash).
  const nested = ABSOLUTE_URL.test(decoded) ? redactUrl(decoded) : null;
  const masked = nested === null ? maskDecoded(decoded) : nested === parsedHref(decoded) ? null : nested;
  if (masked === null || masked === decoded) return raw;
  // Only what would change the URL's structure is encoded here; the URL setters encode the rest.
  return masked.replace(/[%&=#?/+]/g, encodeURIComponent);
}

/** A query string (or a fragment written like one): secret-named values masked whole, the rest redacted. */
function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      if (eq < 0) return redactPart(name, true);
      const secret = isSecretName(decodeFully(name.replace(/\+/g, ' ')));
      return `${redactPart(name, true)}=${redactPart(pair.slice(eq + 1), true, secret)}`;
    })
    .join('&');
}

/**
 * A URL as it may be stored: credentials dropped, secret-named parameters masked, personal data in
 * the path, query (names and values) and fragment masked. The host is left alone: it is the site's
 * own (even as an IP address), not the visitor's. A relative URL is redacted the same way; text that
 * is no URL at all is redacted as text.
 */
export function redactUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  const text = wellFormed(raw);
  let url: URL;
  try {
    // Text with spaces is no relative URL: it would come back percent-encoded.
    url = new URL(text, ABSOLUTE_URL.test(text) || /\s/.test(text) ? undefined : RELATIVE_BASE);
  } catch {
    return redactText(text);
  }
  url.username = '';
  url.password = '';
  url.pathname = url.pathname.split('/').map((segment) => redactPart(segment, false)).join('/');
  if (url.search) url.search = redactQuery(url.search.slice(1));
  const fragment = url.hash.slice(1);
  // A fragment is parameters (#access_token=…) or a client-side route (#/users/…).
  if (fragment) url.hash = fragment.includes('=') ? redactQuery(fragment) : fragment.split('/').map((s) => redactPart(s, false)).join('/');
  return url.origin === RELATIVE_BASE ? url.href.slice(RELATIVE_BASE.length) : url.href;
}

/**
 * Event properties as they may be stored: names redacted like text, secret-named values masked whole,
 * URL values redacted as URLs and other strings as text, to MAX_DEPTH levels.
 */
export function redactProps(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return ABSOLUTE_URL.test(value) ? redactUrl(value) : redactText(value);
  if (typeof value === 'number') return hasPersonalData(String(value)) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactProps(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    out[redactText(name)] = isSecretName(name) && v !== null && v !== '' ? REDACTED : redactProps(v, depth + 1);
  }
  return out;
}
