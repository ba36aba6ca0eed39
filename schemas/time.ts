// Server-side timestamps on the wire: ISO 8601 (RFC 3339) text or epoch milliseconds, nothing else.
// "5/6/2025", "March 7 2025" or "12" mean different days to different parsers; a date that does not
// exist (2025-02-30) is not rolled over into the next month.

/** The accepted text form, for the docs: a date, or a date and time, with an optional offset (UTC without one). */
export const ISO_TIMESTAMP_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}(?:[Tt ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?(?:[Zz]|[+-]\\d{2}:?\\d{2})?)?$';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|([+-])(\d{2}):?(\d{2}))?)?$/;

/** Epoch milliseconds of an ISO 8601 timestamp, or null when the text is not one or names no real instant. */
export function parseIsoTimestamp(text: string): number | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', , sign, oh = '0', om = '0'] = m;
  const date = new Date(0);
  date.setUTCFullYear(+y, +mo - 1, +d);
  // A date that does not round-trip (month 13, 30 February) does not exist.
  if (date.getUTCFullYear() !== +y || date.getUTCMonth() !== +mo - 1 || date.getUTCDate() !== +d) return null;
  if (+h > 23 || +mi > 59 || +s > 59 || +oh > 23 || +om > 59) return null;
  const offsetMs = (sign === '-' ? -1 : 1) * (+oh * 60 + +om) * 60_000;
  return date.getTime() + ((+h * 60 + +mi) * 60 + +s) * 1000 + Number(frac.padEnd(3, '0').slice(0, 3)) - offsetMs;
}

/** An ISO 8601 string or epoch milliseconds, as epoch milliseconds; null for anything else. */
export function parseTimestamp(value: string | number | undefined): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null;
  return typeof value === 'string' ? parseIsoTimestamp(value) : null;
}
