// Event time: clock-skew correction for the snippet and the bounds on event time (72 h back and 5 min
// ahead for the snippet; 2000-01-01 to 5 min ahead for server-side times).
import { LIMITS } from '../../../schemas/limits';
import { parseTimestamp } from '../../../schemas/time';

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

export const invalidTimestamp = (field: string) => ({
  code: 'invalid_timestamp',
  message: `${field} must be ISO 8601 (2026-01-31 or 2026-01-31T12:00:00Z, UTC unless it has an offset) or epoch milliseconds`,
});

/**
 * Server-side time (`occurred_at`, Segment `timestamp`). With a Segment `sentAt`, the sender's
 * clock skew is corrected the way Segment does it. Historical imports are allowed back to 2000.
 */
export function serverTime(field: string, value: string | number | undefined, sentAt: number | null, receivedAt: number): TimeResult {
  const raw = parseTimestamp(value);
  if (raw === null) return invalidTimestamp(field);
  const at = sentAt !== null ? raw + (receivedAt - sentAt) : raw;
  if (at < LIMITS.earliestServerTime) {
    return { code: 'timestamp_out_of_range', message: `${field} must be after 2000-01-01` };
  }
  if (at > receivedAt + LIMITS.futureSkewMs) {
    return { code: 'timestamp_out_of_range', message: `${field} is more than 5 minutes in the future` };
  }
  return { at };
}
