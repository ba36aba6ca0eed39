// Ids chosen by other systems (Segment anonymousId, anonymous_id, CRM touch, conversion and
// opportunity ids) are stored as given unless they could identify someone: some integrations put an
// email, a card number or an IP address in such a field.
import { LONE_SURROGATE } from '../../../schemas/limits';
import { hmacHex } from './hash';
import { hasPersonalData } from './redact';

// Control characters and lone surrogates: an id holding them is no id to show (or store) as given.
const NOT_STORABLE = new RegExp(`[\\u0000-\\u001f\\u007f-\\u009f]|${LONE_SURROGATE.source}`);

/**
 * The id to store for `raw`: itself when it holds nothing identifying, else a per-site HMAC of it
 * ("h_…"), so that the same raw id always maps to the same stored id (dedupe, stitching and
 * opportunity matching still work) and the raw value is never written.
 */
export async function storedId(site: { hashKey: string }, raw: string): Promise<string> {
  if (!NOT_STORABLE.test(raw) && !hasPersonalData(raw)) return raw;
  // Trimmed and lower-cased first, as emails are: " Jane@Acme.com" and "jane@acme.com" are one id.
  return hashedVisitorId(site, 'h', `anon:${raw.trim().toLowerCase()}`);
}

/**
 * A visitor id made from an identifier that must not be stored as given (`prefix`_ + 32 hex of the
 * per-site HMAC): an email-like anonymous id ("h"), a Segment userId ("u").
 */
export async function hashedVisitorId(site: { hashKey: string }, prefix: 'h' | 'u', value: string): Promise<string> {
  return `${prefix}_${(await hmacHex(site.hashKey, value)).slice(0, 32)}`;
}
