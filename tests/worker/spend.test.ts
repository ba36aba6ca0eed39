// POST /v1/spend and POST /v1/exchange-rates: ranges spread in whole cents, replace by id, exact
// amounts, channel classification, the reporting currency setting, and every refusal.
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { call, createSite, errorOf, postServer, rows, type TestSite } from './helpers';

const spend = (site: TestSite, items: unknown[]) => postServer('/v1/spend', site.secret_key, { spend: items });
const rates = (site: TestSite, items: unknown[]) => postServer('/v1/exchange-rates', site.secret_key, { rates: items });
const today = new Date().toISOString().slice(0, 10);
const daysFromToday = (n: number) => new Date(Date.parse(today) + n * 86_400_000).toISOString().slice(0, 10);

async function daysOf(site: TestSite, id: string) {
  return (
    await rows<{ day: number; cents: number }>('SELECT day, cents FROM spend_days WHERE site_id = ? AND spend_id = ? ORDER BY day', site.id, id)
  ).map((r) => [new Date(r.day * 86_400_000).toISOString().slice(0, 10), r.cents]);
}

describe('POST /v1/spend', () => {
  it('spreads a range evenly over its days in whole cents, the spare cents to the earliest days', async () => {
    const site = await createSite('Spend range');
    const res = await spend(site, [
      { id: 'li-march', start_date: '2026-03-01', end_date: '2026-03-03', amount: 100, source: 'linkedin', medium: 'paid_social', campaign: 'abm' },
      { id: 'g-0302', date: '2026-03-02', amount: 0.29, source: 'google', medium: 'cpc', campaign: 'brand' },
      { id: 'feb-leap', start_date: '2024-02-28', end_date: '2024-03-01', amount: '0.02', channel: 'Events' },
    ]);
    expect(await res.json()).toEqual({ accepted: 3, duplicates: 0, rejected: [] });
    // 100.00 over 3 days: 33.34 + 33.33 + 33.33; 0.29 is exactly 29 cents (0.29 × 100 is 28.999… as a float).
    expect(await daysOf(site, 'li-march')).toEqual([['2026-03-01', 3334], ['2026-03-02', 3333], ['2026-03-03', 3333]]);
    expect(await daysOf(site, 'g-0302')).toEqual([['2026-03-02', 29]]);
    expect(await daysOf(site, 'feb-leap')).toEqual([['2024-02-28', 1], ['2024-02-29', 1], ['2024-03-01', 0]]);
    const items = await rows('SELECT spend_id, channel, channel_sent, currency, amount_cents FROM spend WHERE site_id = ? ORDER BY spend_id', site.id);
    expect(items).toEqual([
      { spend_id: 'feb-leap', channel: 'Events', channel_sent: 'Events', currency: 'USD', amount_cents: 2 },
      { spend_id: 'g-0302', channel: 'Paid Search', channel_sent: null, currency: 'USD', amount_cents: 29 },
      { spend_id: 'li-march', channel: 'Paid Social', channel_sent: null, currency: 'USD', amount_cents: 10000 },
    ]);
  });

  it('replaces an item sent again under its id, and answers an identical resend as a duplicate', async () => {
    const site = await createSite('Spend resend');
    const item = { id: 'brand-w10', start_date: '2026-03-01', end_date: '2026-03-04', amount: 400, source: 'google', medium: 'cpc', campaign: 'brand' };
    expect(await (await spend(site, [item])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await (await spend(site, [item])).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    // Corrected: fewer days and another amount. The old days are gone, never added to.
    const fixed = { ...item, start_date: '2026-03-02', end_date: '2026-03-03', amount: 250.01 };
    expect(await (await spend(site, [fixed])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await daysOf(site, 'brand-w10')).toEqual([['2026-03-02', 12501], ['2026-03-03', 12500]]);
    // The same id twice in one request: the later wins, and the id is accepted once.
    const twice = await spend(site, [
      { ...fixed, amount: 1 },
      { ...fixed, amount: 2 },
    ]);
    expect(await twice.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect(await daysOf(site, 'brand-w10')).toEqual([['2026-03-02', 100], ['2026-03-03', 100]]);
    expect(await rows('SELECT COUNT(*) AS n FROM spend WHERE site_id = ?', site.id)).toEqual([{ n: 1 }]);
  });

  it('reads amounts exactly from their decimal text and takes CRM-style ids as they are', async () => {
    const site = await createSite('Spend amounts');
    const base = { date: '2026-03-01', channel: 'Paid Search' };
    const res = await spend(site, [
      { ...base, id: '4711', amount: 1234567.89 },
      { ...base, id: '0065g00000AbCdEfGh', amount: '12.345' },
      { ...base, id: 'Kampagne März 2026', amount: 0.125 },
      { ...base, id: 'max', amount: 10_000_000_000 },
      { ...base, id: 'x', amount: ' 7 ' },
    ]);
    expect(await res.json()).toEqual({ accepted: 5, duplicates: 0, rejected: [] });
    const cents = await rows<{ spend_id: string; amount_cents: number }>('SELECT spend_id, amount_cents FROM spend WHERE site_id = ? ORDER BY spend_id', site.id);
    expect(Object.fromEntries(cents.map((r) => [r.spend_id, r.amount_cents]))).toEqual({
      '4711': 123456789,
      '0065g00000AbCdEfGh': 1235, // half up
      'Kampagne März 2026': 13,
      max: 1_000_000_000_000,
      x: 700,
    });
  });

  it('refuses bad items one by one with a code, storing the rest', async () => {
    const site = await createSite('Spend refusals');
    const ok = { id: 'ok-1', date: '2026-03-01', amount: 10, channel: 'Display' };
    const items = [
      { ...ok, id: '' },
      { ...ok, id: 'x'.repeat(129) },
      { ...ok, id: 'tab\there' },
      { ...ok, id: ' padded' },
      { ...ok, date: '2026-02-30' },
      { ...ok, start_date: '2026-03-01', end_date: '2026-03-02' },
      { id: 'no-date', amount: 1, channel: 'Display' },
      { id: 'half-range', start_date: '2026-03-01', amount: 1, channel: 'Display' },
      { id: 'backwards', start_date: '2026-03-05', end_date: '2026-03-01', amount: 1, channel: 'Display' },
      { ...ok, date: '1999-12-31' },
      { ...ok, date: daysFromToday(400) },
      { id: 'too-long', start_date: '2025-01-01', end_date: '2026-01-02', amount: 1, channel: 'Display' },
      { ...ok, amount: -1 },
      { ...ok, amount: 'ten' },
      { ...ok, amount: '1e5' },
      { ...ok, amount: null },
      { ...ok, amount: 10_000_000_000.01 },
      { ...ok, amount: '10000000000.001' },
      { ...ok, currency: 'EURO' },
      { ...ok, currency: 'XYZ' },
      { id: 'nothing', date: '2026-03-01', amount: 1 },
      { ...ok, budget: 5 },
      { ...ok, campaign: 'c'.repeat(1025) },
      'not an object',
      ok,
    ];
    const body = (await (await spend(site, items)).json()) as { accepted: number; duplicates: number; rejected: { index: number; code: string; message: string }[] };
    expect(body.accepted).toBe(1);
    expect(body.accepted + body.duplicates + body.rejected.length).toBe(items.length);
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [0, 'invalid_id'],
      [1, 'invalid_id'],
      [2, 'invalid_id'],
      [3, 'invalid_id'],
      [4, 'invalid_date'],
      [5, 'invalid_date'],
      [6, 'invalid_date'],
      [7, 'invalid_date'],
      [8, 'invalid_date'],
      [9, 'invalid_date'],
      [10, 'invalid_date'],
      [11, 'range_too_long'],
      [12, 'invalid_amount'],
      [13, 'invalid_amount'],
      [14, 'invalid_amount'],
      [15, 'invalid_amount'],
      [16, 'amount_too_large'],
      [17, 'amount_too_large'],
      [18, 'invalid_currency'],
      [19, 'invalid_currency'],
      [20, 'invalid_spend'],
      [21, 'invalid_spend'],
      [22, 'invalid_spend'],
      [23, 'invalid_spend'],
    ]);
    for (const r of body.rejected) expect(r.message.length).toBeGreaterThan(5);
    expect(body.rejected[5].message).toMatch(/either date, or start_date and end_date/);
    expect(body.rejected[11].message).toMatch(/at most 366 days/);
    expect(body.rejected[16].message).toMatch(/at most 10,000,000,000/);
    expect(await rows('SELECT spend_id FROM spend WHERE site_id = ?', site.id)).toEqual([{ spend_id: 'ok-1' }]);
  });

  it('refuses bad requests whole: body, size, content type, key and method', async () => {
    const site = await createSite('Spend requests');
    const expectError = async (res: Response, status: number, code: string) => {
      expect([res.status, (await errorOf(res)).code]).toEqual([status, code]);
    };
    await expectError(await postServer('/v1/spend', site.secret_key, '{nope'), 400, 'invalid_json');
    await expectError(await postServer('/v1/spend', site.secret_key, { spend: [] }), 400, 'invalid_body');
    await expectError(await postServer('/v1/spend', site.secret_key, { items: [{}] }), 400, 'invalid_body');
    await expectError(await postServer('/v1/spend', site.secret_key, [1]), 400, 'invalid_body');
    await expectError(await postServer('/v1/spend', site.secret_key, { spend: new Array(501).fill({}) }), 413, 'too_many_items');
    await expectError(await postServer('/v1/spend', site.secret_key, { spend: [{ id: 'big', campaign: 'x'.repeat(33_000) }] }), 413, 'item_too_large');
    await expectError(await postServer('/v1/spend', site.secret_key, 'x'.repeat(600_000)), 413, 'payload_too_large');
    await expectError(await postServer('/v1/spend', site.secret_key, { spend: [{}] }, { 'content-type': 'text/plain' }), 415, 'unsupported_media_type');
    await expectError(await call('/v1/spend', { method: 'POST', body: '{}' }), 401, 'missing_key');
    await expectError(await postServer('/v1/spend', site.public_key, { spend: [{}] }), 403, 'key_not_allowed');
    await expectError(await call('/v1/spend', { headers: { authorization: `Bearer ${site.secret_key}` } }), 405, 'method_not_allowed');
    await expectError(await call('/v1/exchange-rates', { method: 'DELETE', headers: { authorization: `Bearer ${site.secret_key}` } }), 405, 'method_not_allowed');
    await expectError(await postServer('/v1/exchange-rates', site.secret_key, { rates: 'EUR' }), 400, 'invalid_body');
    await expectError(await postServer('/v1/exchange-rates', site.secret_key, { rates: new Array(501).fill({}) }), 413, 'too_many_items');
  });
});

describe('POST /v1/exchange-rates', () => {
  it('stores rates exactly, replaces a date sent again, and refuses bad ones with a code', async () => {
    const site = await createSite('Rates');
    const res = await rates(site, [
      { currency: 'eur', date: '2026-03-01', rate: 1.0845 },
      { currency: 'JPY', date: '2026-03-01', rate: '0.0067' },
      { currency: 'GBP', date: '2026-03-01', rate: 1.27 },
      { currency: 'USD', date: '2026-03-01', rate: 1 },
      { currency: 'ABC', date: '2026-03-01', rate: 1 },
      { currency: 'EUR', date: '2026-02-30', rate: 1 },
      { currency: 'EUR', date: daysFromToday(2), rate: 1 },
      { currency: 'EUR', date: '2026-03-02', rate: 0 },
      { currency: 'EUR', date: '2026-03-02', rate: -1.1 },
      { currency: 'EUR', date: '2026-03-02', rate: 2_000_000 },
      { currency: 'EUR', date: '2026-03-02' },
      { currency: 'EUR', date: '2026-03-02', rate: 1, source: 'ecb' },
    ]);
    const body = (await res.json()) as { accepted: number; duplicates: number; rejected: { index: number; code: string }[] };
    expect(body.rejected.map((r) => [r.index, r.code])).toEqual([
      [3, 'reporting_currency'],
      [4, 'invalid_currency'],
      [5, 'invalid_date'],
      [6, 'invalid_date'],
      [7, 'invalid_rate'],
      [8, 'invalid_rate'],
      [9, 'invalid_rate'],
      [10, 'invalid_rate'],
      [11, 'invalid_exchange_rate'],
    ]);
    expect([body.accepted, body.duplicates]).toEqual([3, 0]);
    expect(await (await rates(site, [{ currency: 'EUR', date: '2026-03-01', rate: '1.08450' }])).json()).toEqual({ accepted: 0, duplicates: 1, rejected: [] });
    expect(await (await rates(site, [{ currency: 'GBP', date: '2026-03-01', rate: 1.28 }])).json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    expect(await rows('SELECT currency, day, rate FROM exchange_rates WHERE site_id = ? ORDER BY currency', site.id)).toEqual([
      { currency: 'EUR', day: Date.UTC(2026, 2, 1) / 86_400_000, rate: '1.0845' },
      { currency: 'GBP', day: Date.UTC(2026, 2, 1) / 86_400_000, rate: '1.28' },
      { currency: 'JPY', day: Date.UTC(2026, 2, 1) / 86_400_000, rate: '0.0067' },
    ]);
  });
});

describe('the currency setting', () => {
  it('defaults to USD, takes an ISO 4217 code in any case, and refuses anything else', async () => {
    const admin = (path: string, method: string, body: unknown) =>
      call(path, { method, headers: { authorization: `Bearer ${env.ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const site = await createSite('Currency setting', { settings: { currency: 'eur' } });
    const read = await call(`/admin/sites/${site.id}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(((await read.json()) as { settings: { currency: string } }).settings.currency).toBe('EUR');
    for (const currency of ['EURO', 'XYZ', 7, '']) {
      const res = await admin(`/admin/sites/${site.id}`, 'PATCH', { settings: { currency } });
      expect([res.status, (await errorOf(res)).code]).toEqual([400, 'invalid_site']);
    }
    const patched = await admin(`/admin/sites/${site.id}`, 'PATCH', { settings: { currency: 'gbp' } });
    expect(((await patched.json()) as { settings: { currency: string } }).settings.currency).toBe('GBP');
    const plain = await createSite('Default currency');
    const res = await call(`/admin/sites/${plain.id}`, { headers: { authorization: `Bearer ${env.ADMIN_TOKEN}` } });
    expect(((await res.json()) as { settings: { currency: string } }).settings.currency).toBe('USD');
  });
});
