// Event time: clock-skew correction for the snippet and the bounds of CONTRACT §8.
import { LIMITS } from '../../../schemas/limits';

export type TimeResult = { at: number } | { code: string; message: string };

/**
 * A browser's clock can be off by hours; the Worker trusts only the difference between when the
 * event was made and when the batch was sent: occurred = received − (sent_at − created_at).
 */
export function correctSnippetTime(createdAt: number, sentAt: number, receivedAt: number): TimeResult {
  const at = receivedAt - (sentAt - createdAt);
  if (at < receivedAt - LIMITS.pastSkewMs) {
    return { code: 'event_too_old', message: 'event is more than 72 hours old' };
  }
  if (at > receivedAt + LIMITS.futureSkewMs) {
    return { code: 'event_in_future', message: 'event is more than 5 minutes in the future' };
  }
  return { at };
}

/** Parses an ISO-8601 string or epoch milliseconds. */
export function parseTimestamp(value: string | number | undefined): number | null {
  if (value === undefined) return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/**
 * Server-side time (`occurred_at`, Segment `timestamp`). With a Segment `sentAt`, the sender's
 * clock skew is corrected the way Segment does it. Historical imports are allowed back to 2000.
 */
export function serverTime(value: string | number | undefined, sentAt: number | null, receivedAt: number): TimeResult {
  const raw = parseTimestamp(value);
  if (raw === null) return { code: 'invalid_timestamp', message: 'timestamp must be ISO-8601 or epoch milliseconds' };
  const at = sentAt !== null ? raw + (receivedAt - sentAt) : raw;
  if (at < LIMITS.earliestServerTime) {
    return { code: 'timestamp_out_of_range', message: 'timestamp must be after 2000-01-01' };
  }
  if (at > receivedAt + LIMITS.futureSkewMs) {
    return { code: 'timestamp_out_of_range', message: 'timestamp is more than 5 minutes in the future' };
  }
  return { at };
}
