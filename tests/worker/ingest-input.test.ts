// Input real systems send (CRM ids, decimal amounts, internationalised domains) is accepted as it is;
// input that is wrong is refused per item with a code, on every server-side path.
import { describe, expect, it } from 'vitest';
import { batch, createSite, ORIGIN, pageEvent, postEvents, postServer, rows, uid, type TestSite } from './helpers';

type Answer = { accepted: number; duplicates: number; rejected: { index: number; code: string; message: string }[] };
const answer = async (res: Response) => {
  expect(res.status).toBe(200);
  return (await res.json()) as Answer;
};
const touch = (id: unknown, extra: Record<string, unknown> = {}) => ({ id, occurred_at: '2026-10-01T15:00:00Z', touch_type: 'call', account_domain: 'ids-co.com', ...extra });
const conv = (id: unknown, extra: Record<string, unknown> = {}) => ({ id, stage: 'lead', occurred_at: '2026-10-01T15:00:00Z', account_domain: 'ids-co.com', ...extra });
const track = (messageId: unknown, extra: Record<string, unknown> = {}) => ({ type: 'track', messageId, anonymousId: 'anon-ids-1', event: 'Viewed', ...extra });

const CRM_IDS = ['4711', 4711, '0065g00000AbCdEAAZ', 'deal:2026/acme #1', 'x', 'é'.repeat(128)];
const BAD_IDS = ['', ' padded', 'padded ', 'tab\there', 'nul\u0000', 'x'.repeat(129), 'lone\ud800', -1, 1.5, null];

describe('server-side ids', () => {
  it('accept CRM ids as they are: 1–128 characters without control characters or surrounding spaces', async () => {
    const site = await createSite();
    // "4711" and 4711 are one id: one of them is answered as a duplicate.
    expect(await answer(await postServer('/v1/touches', site.secret_key, { touches: CRM_IDS.map((id) => touch(id)) }))).toEqual({ accepted: 5, duplicates: 1, rejected: [] });
    expect(await answer(await postServer('/v1/conversions', site.secret_key, { conversions: CRM_IDS.map((id) => conv(id)) }))).toEqual({ accepted: 5, duplicates: 1, rejected: [] });
    expect(await answer(await postServer('/v1/batch', site.secret_key, { batch: CRM_IDS.slice(2).map((id) => track(id)) }))).toEqual({ accepted: 4, duplicates: 0, rejected: [] });
    expect((await rows('SELECT touch_id FROM touches WHERE site_id = ? ORDER BY touch_id', site.id)).map((r) => r.touch_id)).toEqual(
      ['0065g00000AbCdEAAZ', '4711', 'deal:2026/acme #1', 'x', 'é'.repeat(128)],
    );
    expect((await rows('SELECT conversion_id FROM conversions WHERE site_id = ?', site.id))).toHaveLength(5);
  });

  it('refuse the rest per item, on every path; snippet ids keep their 8–64 rule', async () => {
    const site = await createSite();
    const touches = await answer(await postServer('/v1/touches', site.secret_key, { touches: BAD_IDS.map((id) => touch(id)) }));
    expect(touches.rejected.map((r) => r.code)).toEqual(BAD_IDS.map(() => 'invalid_touch'));
    const convs = await answer(await postServer('/v1/conversions', site.secret_key, { conversions: BAD_IDS.map((id) => conv(id)) }));
    expect(convs.rejected.map((r) => r.code)).toEqual(BAD_IDS.map(() => 'invalid_conversion'));
    const messages = await answer(await postServer('/v1/batch', site.secret_key, { batch: BAD_IDS.filter((id) => id !== null).map((id) => track(id)) }));
    expect(messages.rejected.map((r) => r.code)).toEqual(BAD_IDS.slice(0, -1).map(() => 'invalid_message'));
    const snippet = await answer(await postEvents(batch(site.public_key, [{ ...pageEvent(uid('s'), `${ORIGIN}/`), i: '4711' }])));
    expect(snippet.rejected.map((r) => r.code)).toEqual(['invalid_event']);
  });
});

describe('timestamps', () => {
  const BAD = ['1', '12', '5/6/2025', 'March 7 2025', '2025-02-30T00:00:00Z', 'yesterday'];

  it('are ISO 8601 or epoch milliseconds; anything else is 400 invalid_timestamp per item', async () => {
    const site = await createSite();
    const t = await answer(await postServer('/v1/touches', site.secret_key, { touches: BAD.map((at) => touch(uid('t'), { occurred_at: at })) }));
    const c = await answer(await postServer('/v1/conversions', site.secret_key, { conversions: BAD.map((at) => conv(uid('c'), { occurred_at: at })) }));
    const m = await answer(await postServer('/v1/batch', site.secret_key, { batch: BAD.map((at) => track(uid('m'), { timestamp: at })) }));
    const s = await answer(await postServer('/v1/batch', site.secret_key, { batch: [track(uid('m'), { sentAt: '5/6/2025' })] }));
    for (const result of [t, c, m, s]) {
      expect(result.accepted).toBe(0);
      expect(new Set(result.rejected.map((r) => r.code))).toEqual(new Set(['invalid_timestamp']));
    }
    expect(t.rejected[0].message).toContain('occurred_at must be ISO 8601');
    const envelope = await postServer('/v1/batch', site.secret_key, { batch: [track(uid('m'))], sentAt: 'March 7 2025' });
    expect(envelope.status).toBe(400);
    expect(await rows('SELECT * FROM touches WHERE site_id = ?', site.id)).toEqual([]);
  });

  it('read dates as UTC midnight, offsets as given, and times without an offset as UTC', async () => {
    const site = await createSite();
    const sent = ['2025-03-07', '2025-03-07T10:00:00+02:00', '2025-03-07 10:00:00', Date.UTC(2025, 2, 7, 12)];
    await answer(await postServer('/v1/touches', site.secret_key, { touches: sent.map((at, i) => touch(`iso-${i}`, { occurred_at: at })) }));
    const stored = await rows<{ touch_id: string; occurred_at: number }>('SELECT touch_id, occurred_at FROM touches WHERE site_id = ? ORDER BY touch_id', site.id);
    expect(stored.map((r) => new Date(r.occurred_at).toISOString())).toEqual([
      '2025-03-07T00:00:00.000Z',
      '2025-03-07T08:00:00.000Z',
      '2025-03-07T10:00:00.000Z',
      '2025-03-07T12:00:00.000Z',
    ]);
  });
});

describe('account_domain', () => {
  it('is checked after normalising: www.com is refused, not stored as the account "com"', async () => {
    const site = await createSite();
    const res = await answer(
      await postServer('/v1/touches', site.secret_key, {
        touches: [touch(uid('t'), { account_domain: 'www.com' }), touch(uid('t'), { account_domain: 'com' }), touch(uid('t'), { account_domain: 'acme.com/x' })],
      }),
    );
    expect(res.rejected.map((r) => r.code)).toEqual(['invalid_account_domain', 'invalid_account_domain', 'invalid_account_domain']);
    const conversions = await answer(await postServer('/v1/conversions', site.secret_key, { conversions: [conv(uid('c'), { account_domain: 'www.com' })] }));
    expect(conversions.rejected.map((r) => r.code)).toEqual(['invalid_account_domain']);
    expect(await rows('SELECT domain FROM accounts WHERE site_id = ?', site.id)).toEqual([]);
  });

  it('keeps real domains, www. and trailing dot removed, internationalised ones in punycode', async () => {
    const site = await createSite();
    await answer(await postServer('/v1/touches', site.secret_key, { touches: [touch(uid('t'), { account_domain: 'WWW.Acme.COM.' }), touch(uid('t'), { account_domain: 'Bücher.de' })] }));
    expect((await rows('SELECT domain FROM accounts WHERE site_id = ? ORDER BY domain', site.id)).map((r) => r.domain)).toEqual(['acme.com', 'xn--bcher-kva.de']);
  });
});

describe('amounts', () => {
  async function cents(site: TestSite, amounts: unknown[]) {
    const ids = amounts.map(() => uid('c'));
    const res = await answer(await postServer('/v1/conversions', site.secret_key, { conversions: amounts.map((amount, i) => conv(ids[i], { stage: 'closed_won', amount })) }));
    const stored = new Map((await rows<{ conversion_id: string; amount_cents: number }>('SELECT conversion_id, amount_cents FROM conversions WHERE site_id = ?', site.id)).map((r) => [r.conversion_id, r.amount_cents]));
    return { res, cents: ids.map((id) => stored.get(id) ?? null) };
  }

  it('convert to cents exactly from the decimal digits sent, half up', async () => {
    const site = await createSite();
    const { cents: got } = await cents(site, [1.005, '1.005', 0.285, 1234.5, '1200.50', 0, 0.004, 0.0000001, 10_000_000_000]);
    expect(got).toEqual([101, 101, 29, 123450, 120050, 0, 0, 0, 1_000_000_000_000]);
  });

  it('refuse more than 10,000,000,000 units per item with amount_too_large, and malformed amounts with invalid_amount', async () => {
    const site = await createSite();
    const { res, cents: got } = await cents(site, [10_000_000_000.01, '10000000000.005', 1e13, '99999999999999999999', -5, '1,200', '1e3', 'ten']);
    expect(res.rejected.map((r) => r.code)).toEqual([...Array(4).fill('amount_too_large'), ...Array(4).fill('invalid_amount')]);
    expect(res.rejected[0].message).toContain('10,000,000,000');
    expect(got.every((c) => c === null)).toBe(true);
  });
});

describe('an id repeated inside one request', () => {
  it('writes the last valid item with that id, with all its rows; earlier ones are duplicates that write nothing', async () => {
    const site = await createSite();
    const deal = uid('deal');
    const res = await answer(
      await postServer('/v1/conversions', site.secret_key, {
        conversions: [
          conv(deal, { stage: 'opportunity', account_domain: undefined, email: 'first@first-co.com' }),
          conv(deal, { stage: 'closed_won', amount: 5, account_domain: undefined, email: 'last@last-co.com' }),
          conv(deal, { stage: 'closed_lost', occurred_at: 'not a time' }),
        ],
      }),
    );
    expect([res.accepted, res.duplicates, res.rejected.map((r) => r.index)]).toEqual([1, 1, [2]]);
    expect(await rows('SELECT stage, amount_cents FROM conversions WHERE site_id = ?', site.id)).toEqual([{ stage: 'closed_won', amount_cents: 500 }]);
    expect((await rows('SELECT email_domain FROM contacts WHERE site_id = ?', site.id)).map((r) => r.email_domain)).toEqual(['last-co.com']);

    const t = uid('t');
    const touches = await answer(await postServer('/v1/touches', site.secret_key, { touches: [touch(t, { account_domain: 'one-co.com' }), touch(t, { account_domain: 'two-co.com' })] }));
    expect([touches.accepted, touches.duplicates]).toEqual([1, 1]);
    expect(await rows('SELECT account_domain FROM touches WHERE site_id = ?', site.id)).toEqual([{ account_domain: 'two-co.com' }]);
    expect((await rows('SELECT domain FROM accounts WHERE site_id = ? ORDER BY domain', site.id)).map((r) => r.domain)).toEqual(['last-co.com', 'two-co.com']);

    const m = uid('m');
    const messages = await answer(await postServer('/v1/batch', site.secret_key, { batch: [track(m, { anonymousId: 'anon-first' }), track(m, { anonymousId: 'anon-last' })] }));
    expect([messages.accepted, messages.duplicates]).toEqual([1, 1]);
    expect(await rows('SELECT visitor_id FROM events WHERE site_id = ?', site.id)).toEqual([{ visitor_id: 'anon-last' }]);
    expect(await rows("SELECT visitor_id FROM visitors WHERE site_id = ? AND visitor_id LIKE 'anon-%'", site.id)).toEqual([{ visitor_id: 'anon-last' }]);
  });
});

describe('text that cannot be stored as UTF-8', () => {
  it('lone surrogates and NUL are replaced in stored text on every path, never stored as invalid UTF-8', async () => {
    const site = await createSite();
    const bad = 'bad\ud800text\u0000end\udfff';
    const s = uid('s');
    await answer(await postEvents(batch(site.public_key, [pageEvent(s, `${ORIGIN}/p?q=${bad}`, { l: 1, h: bad }), { i: uid(), y: 'track', c: Date.now(), s, n: bad, p: { [bad]: bad } }])));
    await answer(await postServer('/v1/batch', site.secret_key, { batch: [track(uid('m'), { event: bad, anonymousId: bad, properties: { [bad]: bad } })] }));
    await answer(await postServer('/v1/touches', site.secret_key, { touches: [touch(uid('t'), { campaign: bad, source: bad, channel: bad })] }));
    await answer(await postServer('/v1/conversions', site.secret_key, { conversions: [conv(uid('c'), { anonymous_id: bad })] }));
    // In UTF-8, a surrogate is ED A0–BF xx, and NUL is 00.
    for (const table of ['events', 'touches', 'visitors', 'conversions']) {
      const columns = (await rows<{ name: string; type: string }>(`SELECT name, type FROM pragma_table_info('${table}')`)).filter((c) => c.type === 'TEXT');
      for (const { name } of columns) {
        const hexes = await rows<{ h: string }>(`SELECT hex(${name}) AS h FROM ${table} WHERE site_id = ? AND ${name} IS NOT NULL`, site.id);
        for (const { h } of hexes) expect(`${table}.${name}: ${/^(?:..)*?(?:00|ED[AB].)/.test(h) ? 'invalid' : 'ok'}`).toBe(`${table}.${name}: ok`);
      }
    }
    expect((await rows<{ name: string }>("SELECT name FROM events WHERE site_id = ? AND type = 'track'", site.id)).map((r) => r.name)).toEqual([
      'bad\ufffdtext\ufffdend\ufffd',
      'bad\ufffdtext\ufffdend\ufffd',
    ]);
  });
});
