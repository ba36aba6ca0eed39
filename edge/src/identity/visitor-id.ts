// Anonymous ids sent by servers (Segment anonymousId, offline/CRM anonymous_id) are stored as given,
// unless they could identify someone: some integrations put the email (or an IP) in that field.
import type { Site } from '../db/sites';
import { redactText } from '../ingest/redact';
import { hmacHex } from './hash';

/**
 * The visitor id to store for `raw`: itself when it holds nothing identifying, else a per-site
 * HMAC of it ("h_…"), so that the same raw id always maps to the same visitor (stitching still
 * works) and the raw value is never written.
 */
export async function storedVisitorId(site: Site, raw: string): Promise<string> {
  if (redactText(raw) === raw) return raw;
  // Trimmed and lower-cased first, as emails are: " Jane@Acme.com" and "jane@acme.com" are one visitor.
  return hashedVisitorId(site, 'h', `anon:${raw.trim().toLowerCase()}`);
}

/**
 * A visitor id made from an identifier that must not be stored as given (`prefix`_ + 32 hex of the
 * per-site HMAC): an email-like anonymous id ("h"), a Segment userId ("u").
 */
export async function hashedVisitorId(site: Site, prefix: 'h' | 'u', value: string): Promise<string> {
  return `${prefix}_${(await hmacHex(site.hashKey, value)).slice(0, 32)}`;
}
