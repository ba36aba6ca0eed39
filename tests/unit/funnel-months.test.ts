// The funnel's month rows (edge/src/attribution/funnel-months.ts): a key's entries per first stage, the
// months a change moves, and a month's parts, against hand-computed cases.
import { describe, expect, it } from 'vitest';
import { funnelEntries, funnelMonthParts, movedMonths, type FunnelKeySource, type FunnelMonthPart } from '../../edge/src/attribution/funnel-months';
import { GROUP_BY } from '../../schemas/dimensions';
import { funnelStageAfter, funnelT0s, monthOfMs, type FunnelMonthGroups, type FunnelMonthStages } from '../../schemas/funnel-months';

const DAY = 86_400_000;
const JAN = Date.UTC(2026, 0, 10);
const FEB = Date.UTC(2026, 1, 3);
const fields = { touch_type: 'ad_click', channel: 'Paid Search', source: 'google', medium: 'cpc', campaign: null, content: null, term: null };
const key = (stages: Record<string, number[]>, firstAt: number | null, akey = 'acme.com'): FunnelKeySource => ({
  akey,
  stages: JSON.stringify(stages),
  first: firstAt === null ? null : { ...fields, occurred_at: firstAt },
});

describe('funnelEntries', () => {
  it('gives each stage its t0, the later stages from it, and its groups by the first touch at or before t0', () => {
    // lead at JAN and JAN+20d, mql at JAN+5d, closed_won at FEB; first touch at JAN+1d.
    const entries = funnelEntries(key({ closed_won: [FEB], lead: [JAN, JAN + 20 * DAY], mql: [JAN + 5 * DAY] }, JAN + DAY));
    const lead = entries.get('lead')!;
    expect([lead.t0, Object.fromEntries(lead.after)]).toEqual([JAN, { closed_won: FEB - JAN, mql: 5 * DAY }]);
    expect(new Set(lead.groups)).toEqual(new Set(['(no touch)'])); // the touch comes after the lead
    const mql = entries.get('mql')!;
    // From mql's t0 on, lead's earliest is the second one; closed_won is after it.
    expect([mql.t0, Object.fromEntries(mql.after)]).toEqual([JAN + 5 * DAY, { closed_won: FEB - JAN - 5 * DAY, lead: 15 * DAY }]);
    // GROUP_BY order: channel, source, medium, campaign, content, term, touch_type, account.
    expect(mql.groups).toEqual(['Paid Search', 'google', 'cpc', '(not set)', '(not set)', '(not set)', 'ad_click', 'acme.com']);
    expect(funnelEntries(key({ lead: [JAN] }, JAN, '(personal):c1')).get('lead')!.groups[7]).toBe('(personal)');
  });
});

describe('movedMonths', () => {
  const month = (stage: string, ms: number) => ({ stage, month: monthOfMs(ms) });
  it('marks nothing when no entry changes, and the month left and the month joined when one does', () => {
    const before = key({ lead: [JAN], mql: [FEB] }, null);
    expect(movedMonths(before, before)).toEqual([]);
    // The lead moves within January: only lead's January row (mql's entry reads no lead before it).
    expect(movedMonths(before, key({ lead: [JAN + DAY], mql: [FEB] }, null))).toEqual([month('lead', JAN)]);
    // The lead moves after the mql: January left, February joined, and the mql's entry now has a lead after it.
    expect(movedMonths(before, key({ lead: [FEB + DAY], mql: [FEB] }, null))).toEqual([month('lead', JAN), month('lead', FEB), month('mql', FEB)]);
    expect(movedMonths(null, before)).toEqual([month('lead', JAN), month('mql', FEB)]);
    expect(movedMonths(before, null)).toEqual([month('lead', JAN), month('mql', FEB)]);
  });

  it('marks only the first stages whose group a moved first touch changes', () => {
    const before = key({ lead: [JAN], mql: [FEB] }, FEB + DAY);
    // A first touch between the lead and the mql: the mql now has one, the lead still has none.
    expect(movedMonths(before, key({ lead: [JAN], mql: [FEB] }, JAN + DAY))).toEqual([month('mql', FEB)]);
  });
});

describe('funnelMonthParts', () => {
  const entriesOf = (n: number) =>
    Array.from({ length: n }, (_, i) => funnelEntries(key({ lead: [JAN + ((i * 7919) % n) * 1000], won: [FEB] }, i % 3 ? JAN : null, `k${i}.com`)).get('lead')!);
  /** A part as a report reads it: each key's t0, its won column, its account group. */
  const read = (part: FunnelMonthPart) => {
    const stages = JSON.parse(part.stages) as FunnelMonthStages;
    const account = JSON.parse(part.groups[GROUP_BY.indexOf('account')]) as FunnelMonthGroups;
    const t0 = funnelT0s(JSON.parse(part.t0s) as number[]);
    return { t0, won: [...funnelStageAfter(t0.length, stages.won)], account: account.i.map((i) => account.v[i]) };
  };

  it('lists keys by t0 (stored as differences), under each stage the keys reaching it with their ms after t0, one dictionary of groups per dimension', () => {
    const [part] = funnelMonthParts('lead', entriesOf(3));
    expect([JSON.parse(part.t0s), JSON.parse(part.stages)]).toEqual([[JAN, 1000, 1000], { won: [[1, 1, 1], [FEB - JAN, FEB - JAN - 1000, FEB - JAN - 2000]] }]);
    expect(read(part).won).toEqual([FEB - JAN, FEB - JAN - 1000, FEB - JAN - 2000]);
    expect(read(part).account).toEqual(['(no touch)', 'k2.com', 'k1.com']); // k2's lead comes before k1's
    expect(funnelMonthParts('lead', [])).toEqual([]);
  });

  it('lists under a stage only the keys that reach it at or after t0', () => {
    const [part] = funnelMonthParts('lead', [funnelEntries(key({ lead: [FEB], won: [JAN] }, null)).get('lead')!]);
    expect([JSON.parse(part.t0s), JSON.parse(part.stages)]).toEqual([[FEB], {}]);
    // a (won before its lead), b (won 5 ms after), c (none), d (won at its lead).
    const keys = [key({ lead: [FEB], won: [JAN] }, null, 'a.com'), key({ lead: [FEB], won: [FEB + 5] }, null, 'b.com'), key({ lead: [FEB + 1] }, null, 'c.com'), key({ lead: [FEB + 2], won: [FEB + 2] }, null, 'd.com')];
    const [four] = funnelMonthParts('lead', keys.map((k) => funnelEntries(k).get('lead')!));
    expect([JSON.parse(four.t0s), JSON.parse(four.stages)]).toEqual([[FEB, 0, 1, 1], { won: [[2, 2], [5, 0]] }]);
    expect(read(four).won).toEqual([NaN, 5, NaN, 0]);
  });

  it('splits a month too large for one row between its keys, in order, each part whole', () => {
    const entries = entriesOf(500);
    const whole = read(funnelMonthParts('lead', entries)[0]);
    const parts = funnelMonthParts('lead', entries, 5_000);
    expect(parts.length).toBeGreaterThan(4);
    for (const p of parts) expect(p.t0s.length + p.stages.length + p.groups.reduce((n, g) => n + g.length, 0)).toBeLessThanOrEqual(5_000);
    const read5k = parts.map(read);
    expect(read5k.flatMap((p) => p.t0)).toEqual(whole.t0);
    expect(read5k.flatMap((p) => p.won)).toEqual(whole.won);
    expect(read5k.flatMap((p) => p.account)).toEqual(whole.account);
  });
});
