// Server-side timestamps: ISO 8601 text or epoch milliseconds only; ambiguous or impossible dates are refused.
import { describe, expect, it } from 'vitest';
import { parseIsoTimestamp, parseTimestamp } from '../../schemas/time';

describe('parseIsoTimestamp', () => {
  it.each([
    ['2025-03-07', '2025-03-07T00:00:00.000Z'],
    ['2025-03-07T10:00:00Z', '2025-03-07T10:00:00.000Z'],
    ['2025-03-07T10:00Z', '2025-03-07T10:00:00.000Z'],
    ['2025-03-07 10:00:00', '2025-03-07T10:00:00.000Z'],
    ['2025-03-07T10:00:00.123456+02:00', '2025-03-07T08:00:00.123Z'],
    ['2024-02-29T23:59:59-0530', '2024-03-01T05:29:59.000Z'],
  ])('reads %s', (text, iso) => expect(new Date(parseIsoTimestamp(text)!).toISOString()).toBe(iso));

  it.each(['1', '12', '5/6/2025', 'March 7 2025', '2025-02-30T00:00:00Z', '2025-13-01', '2025-03-07T24:00:00Z', '2025-03-07T10:61Z', '2025-3-7', ' 2025-03-07', 'Fri, 07 Mar 2025 10:00:00 GMT'])(
    'refuses %s',
    (text) => expect(parseIsoTimestamp(text)).toBeNull(),
  );
});

describe('parseTimestamp', () => {
  it('takes epoch milliseconds as they are and nothing that is not a whole number', () => {
    expect(parseTimestamp(1_741_341_600_000)).toBe(1_741_341_600_000);
    expect(parseTimestamp(1.5)).toBeNull();
    expect(parseTimestamp(-1)).toBeNull();
    expect(parseTimestamp(undefined)).toBeNull();
  });
});
