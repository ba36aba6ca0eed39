// The dashboard's pure parts: what each date preset means, the trend's weekly buckets, and which keys it refuses.
import { describe, expect, it } from 'vitest';
import { checkKey } from '../../dashboard/src/key';
import { presetRange, weeks } from '../../dashboard/src/range';

const NOW = Date.UTC(2026, 10, 18, 15, 30); // Wednesday 2026-11-18, mid-afternoon UTC

describe('date presets', () => {
  it('count today in the last 30 and 90 days and 12 months (365 days: the API allows 366)', () => {
    expect(presetRange('30d', NOW)).toEqual({ from: '2026-10-20', to: '2026-11-18' });
    expect(presetRange('90d', NOW)).toEqual({ from: '2026-08-21', to: '2026-11-18' });
    expect(presetRange('year', NOW)).toEqual({ from: '2025-11-19', to: '2026-11-18' });
  });

  it('start the quarter on its first calendar day', () => {
    expect(presetRange('quarter', NOW)).toEqual({ from: '2026-10-01', to: '2026-11-18' });
    expect(presetRange('quarter', Date.UTC(2026, 0, 1, 0, 0))).toEqual({ from: '2026-01-01', to: '2026-01-01' });
  });
});

describe('weekly buckets', () => {
  it('cover the range in 7-day steps, the last one cut at `to`, without gaps or overlaps', () => {
    const w = weeks({ from: '2026-01-05', to: '2026-01-22' });
    expect(w).toEqual([
      { from: '2026-01-05', to: '2026-01-11' },
      { from: '2026-01-12', to: '2026-01-18' },
      { from: '2026-01-19', to: '2026-01-22' },
    ]);
    expect(weeks(presetRange('year', NOW))).toHaveLength(53);
    expect(weeks({ from: '2026-03-01', to: '2026-03-01' })).toEqual([{ from: '2026-03-01', to: '2026-03-01' }]);
  });
});

describe('the key the dashboard takes', () => {
  it('is a read key only: a secret key and the public key are refused with a reason', () => {
    expect(checkKey(' rk_abc ')).toEqual({ ok: true });
    const sk = checkKey('sk_live_123');
    expect(sk.ok).toBe(false);
    expect(!sk.ok && sk.message).toMatch(/secret key .*never holds a secret key.*POST \/v1\/keys/);
    expect(checkKey('pk_123').ok).toBe(false);
    expect(checkKey('hello').ok).toBe(false);
    expect(checkKey('').ok).toBe(false);
  });
});
