// A key's funnel record (schemas/key-funnel.ts): hand-computed cases, then the record's answers
// against every conversion read directly, for every first stage, over many generated keys.
import { describe, expect, it } from 'vitest';
import { earliestFrom, funnelTimes, keyFunnelRecord, type KeyFunnelRecord } from '../../schemas/key-funnel';

const parse = (text: string | null) => JSON.parse(text!) as KeyFunnelRecord;

describe('keyFunnelRecord', () => {
  it('keeps per stage only the times some first stage can ask for, each stage first time first, stages by name', () => {
    // lead at 10, 30, 50; mql at 20, 25, 60; closed_won at 40.
    const record = keyFunnelRecord([
      { stage: 'mql', at: 60 },
      { stage: 'lead', at: 50 },
      { stage: 'lead', at: 10 },
      { stage: 'closed_won', at: 40 },
      { stage: 'mql', at: 25 },
      { stage: 'lead', at: 30 },
      { stage: 'mql', at: 20 },
    ]);
    // First times: lead 10, mql 20, closed_won 40. lead ≥ 10 → 10, ≥ 20 → 30, ≥ 40 → 50;
    // mql ≥ 10/20 → 20, ≥ 40 → 60; closed_won → 40 for all three.
    expect(record).toBe('{"closed_won":[40],"lead":[10,30,50],"mql":[20,60]}');
  });

  it('is null without conversions, and the same text whatever the order of its conversions', () => {
    expect(keyFunnelRecord([])).toBeNull();
    const a = [
      { stage: 'lead', at: 5 },
      { stage: 'lead', at: 5 },
      { stage: 'closed_lost', at: 9 },
    ];
    expect(keyFunnelRecord(a)).toBe(keyFunnelRecord([...a].reverse()));
    expect(keyFunnelRecord(a)).toBe('{"closed_lost":[9],"lead":[5]}');
  });

  it('holds at most one time per stage for each stage, however many conversions', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ stage: ['lead', 'mql', 'opportunity'][i % 3], at: i * 7 }));
    const record = parse(keyFunnelRecord(many));
    for (const list of Object.values(record)) expect(list.length).toBeLessThanOrEqual(3);
  });
});

describe('funnelTimes', () => {
  it('answers the first time of the first stage and the earliest of each other stage at or after it', () => {
    const record = parse('{"closed_won":[40],"lead":[10,30,50],"mql":[20,60]}');
    expect(funnelTimes(record, 'lead')).toEqual({ lead: 10, mql: 20, closed_won: 40 });
    expect(funnelTimes(record, 'mql')).toEqual({ mql: 20, lead: 30, closed_won: 40 });
    expect(funnelTimes(record, 'closed_won')).toEqual({ closed_won: 40, lead: 50, mql: 60 });
    expect(funnelTimes(record, 'sql')).toBeUndefined();
  });

  it('matches reading every conversion, for every first stage, over generated keys', () => {
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const STAGES = ['lead', 'mql', 'sql', 'opportunity', 'closed_won', 'closed_lost'];
    for (let k = 0; k < 500; k++) {
      const conversions = Array.from({ length: 1 + next(30) }, () => ({ stage: STAGES[next(STAGES.length)], at: next(100) }));
      const record = parse(keyFunnelRecord(conversions));
      for (const first of STAGES) {
        const own = conversions.filter((c) => c.stage === first).map((c) => c.at);
        if (!own.length) {
          expect(funnelTimes(record, first)).toBeUndefined();
          continue;
        }
        const t0 = Math.min(...own);
        const expected: Record<string, number> = {};
        for (const c of conversions) {
          const at = c.stage === first ? t0 : c.at;
          if (at >= t0 && (expected[c.stage] === undefined || at < expected[c.stage])) expected[c.stage] = at;
        }
        expect(funnelTimes(record, first)).toEqual(expected);
      }
    }
  });

  it('finds in a sorted list by bisection', () => {
    expect(earliestFrom([1, 3, 3, 8], 3)).toBe(3);
    expect(earliestFrom([1, 3, 3, 8], 4)).toBe(8);
    expect(earliestFrom([1, 3, 3, 8], 9)).toBeUndefined();
    expect(earliestFrom(undefined, 0)).toBeUndefined();
  });
});
