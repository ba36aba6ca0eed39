// Privacy at the edge: strips emails, secrets and card numbers from anything stored as free data
// (URLs, event properties), so no raw email, IP address, password or card number ever reaches storage.

const EMAIL_ANYWHERE = /[A-Za-z0-9._%+-]+(?:@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const CARD_LIKE = /\b(?:\d[ -]?){12,18}\d\b/g;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;
// Full form with at least four groups (so clock times like 10:30:00 survive), or a "::" form.
const IPV6 = /\b(?:[0-9a-f]{1,4}:){3,7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:)+:(?:[0-9a-f]{1,4}:)*[0-9a-f]{1,4}\b/gi;
const SECRET_KEY = /pass|pwd|secret|token|card|cc_?num|cvv|cvc|ssn|iban|auth|^ip$|ip_?addr/i;
const MAX_DEPTH = 4;

export const REDACTED = '[redacted]';

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

export function redactText(value: string): string {
  return value
    .replace(EMAIL_ANYWHERE, REDACTED)
    .replace(IPV4, REDACTED)
    .replace(IPV6, REDACTED)
    .replace(CARD_LIKE, (m) => {
      const digits = m.replace(/\D/g, '');
      return digits.length >= 13 && digits.length <= 19 && luhnValid(digits) ? REDACTED : m;
    });
}

/** A free-text field stored as such (an event name, page title, campaign field): redacted, or null. */
export function redactField(value: string | null | undefined): string | null {
  const t = value?.trim();
  return t ? redactText(t) : null;
}

/** A URL with identifying query values masked; query parameters with secret-looking names are masked whole. */
export function redactUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return redactText(raw);
  }
  for (const [name, value] of [...url.searchParams]) {
    const masked = SECRET_KEY.test(name) || /email/i.test(name) ? REDACTED : redactText(value);
    if (masked !== value) url.searchParams.set(name, masked);
  }
  url.username = '';
  url.password = '';
  // The path and fragment can carry an email too (e.g. /unsubscribe/jane@acme.com). The host is
  // left alone: it is the site's own (even as an IP address), not the visitor's.
  url.pathname = redactText(url.pathname);
  url.hash = redactText(url.hash);
  return url.href;
}

/** Event properties with secret-looking keys dropped and identifying values masked. */
export function redactProps(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (typeof value === 'number') return redactText(String(value)) === String(value) ? value : REDACTED;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redactProps(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_KEY.test(k) || /e-?mail/i.test(k)) continue;
    out[k] = redactProps(v, depth + 1);
  }
  return out;
}
