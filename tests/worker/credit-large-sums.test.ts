// Credit report sums past 2^53 cents (read from the rollup): ordered and totalled exactly, with BigInt
// only where a sum needs it, and the same rows whether a key's sums come from one row or several.
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { addSums, encodeDay, type KeySums } from '../../edge/src/attribution/rollup-rows';
import { upsertRollup } from '../../edge/src/db/rollup';
import { createSite, type TestSite } from './helpers';
import { DAY, getJson } from './query-fixtures';

const TODAY = Math.floor(Date.now() / DAY);
const date = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** One day's account rows of closed_won, written as the rebuild writes them (no month rows: the ranges read span less than a month, so days only). */
async function writeDay(site: TestSite, day: number, sums: [key: string, units: number, cents: bigint, touches: number][]) {
  const keys = new Map<string, KeySums>();
  for (const [key, units, cents, touches] of sums) {
    keys.set(key, new Map());
    addSums(keys.get(key)!, 'linear', units, Number.isSafeInteger(Number(cents)) ? Number(cents) : cents, touches);
  }
  const rows = encodeDay(keys, ['linear']).map((p, part) => ({ stage: 'closed_won', dim: 'account', grain: 'day' as const, day, part, ...p }));
  await env.DB.batch(upsertRollup(env.DB, site.id, rows));
}

let site: TestSite;
beforeAll(async () => {
  site = await createSite('Large sums');
  await writeDay(site, TODAY - 20, [
    ['big.com', 1_000_000_000, 2n ** 60n, 1],
    ['near.com', 1_000_000_000, SAFE, 1],
    ['small.com', 2_000_000_000, 100n, 2],
  ]);
  await writeDay(site, TODAY - 10, [
    // 2^60 + 1 shows as the same double as 2^60: only an exact comparison puts it first.
    ['big2.com', 1_000_000_000, 2n ** 60n + 1n, 1],
    // near.com passes 2^53 only once its two days are added.
    ['near.com', 1_000_000_000, 2n, 1],
    ['small.com', 1_000_000_000, 50n, 1],
  ]);
});

describe('credit sums past 2^53 cents', () => {
  it('orders keys by their exact revenue and totals it exactly', async () => {
    const report = await getJson(site, `/v1/credit?model=linear&group_by=account&from=${date(TODAY - 25)}&to=${date(TODAY - 5)}`);
    expect(report.rows.map((r: { key: string }) => r.key)).toEqual(['big2.com', 'big.com', 'near.com', 'small.com']);
    expect(report.rows.map((r: { revenue: number }) => r.revenue)).toEqual([
      Number(2n ** 60n + 1n) / 100,
      Number(2n ** 60n) / 100,
      Number(SAFE + 2n) / 100,
      1.5,
    ]);
    expect(report.rows.map((r: { touches: number }) => r.touches)).toEqual([1, 1, 2, 3]);
    expect(report.totals).toEqual({ conversions: 7, revenue: Number(2n ** 61n + 1n + SAFE + 2n + 150n) / 100 });
  });

  it('reads the same sums from one day as from several', async () => {
    const one = await getJson(site, `/v1/credit?model=linear&group_by=account&from=${date(TODAY - 10)}&to=${date(TODAY - 10)}`);
    expect(one.rows.map((r: { key: string; revenue: number }) => [r.key, r.revenue])).toEqual([
      ['big2.com', Number(2n ** 60n + 1n) / 100],
      ['small.com', 0.5],
      ['near.com', 0.02],
    ]);
  });
});
