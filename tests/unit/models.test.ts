// Table tests for the attribution models (docs/attribution.md): worked examples, edge cases and seeded invariants.
import { describe, it, expect } from 'vitest';
import {
  MODELS,
  allocateCents,
  creditConversion,
  findMilestones,
  modelWeights,
  selectWindowTouches,
  type CreditConversion,
  type CreditTouch,
  type Milestones,
  type ModelContext,
  type ModelName,
} from '../../edge/src/attribution/models';

const DAY = 86_400_000;
const T = Date.UTC(2024, 5, 1, 12);

function touch(id: string, daysBefore: number, channel = 'Organic Search', touchType = 'web_visit'): CreditTouch {
  return { id, at: T - daysBefore * DAY, channel, touchType };
}

function conversion(
  id: string,
  stage: string,
  daysBefore: number,
  extra: Partial<CreditConversion> = {},
): CreditConversion {
  return { id, stage, at: T - daysBefore * DAY, ...extra };
}

function context(
  touches: CreditTouch[],
  conv: CreditConversion,
  accountConversions: CreditConversion[] = [conv],
  extra: Partial<ModelContext> = {},
): ModelContext {
  return {
    milestones: findMilestones(touches, conv, accountConversions),
    halfLifeDays: 7,
    customWeights: {},
    ...extra,
  };
}

function expectWeights(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((w, i) => expect(Math.abs(w - expected[i]), `weight ${i}: ${w} vs ${expected[i]}`).toBeLessThan(1e-12));
  if (actual.length > 0) expect(Math.abs(actual.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-12);
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('docs/attribution.md worked example: A, B, C at 10, 5, 1 days before a $1,000 closed-won', () => {
  const touches = [touch('A', 10), touch('B', 5), touch('C', 1)];
  const won = conversion('won', 'closed_won', 0, { amountCents: 100_000 });
  const ctx = context(touches, won);

  // linear: the three remainders tie exactly, so the spare cent goes to the lowest index (A).
  // w_shaped / full_path: only the closed-won is known, so LC and OC are missing here.
  it.each<[ModelName, number[]]>([
    ['first_touch', [100_000, 0, 0]],
    ['last_touch', [0, 0, 100_000]],
    ['last_non_direct', [0, 0, 100_000]],
    ['linear', [33_334, 33_333, 33_333]],
    ['u_shaped', [40_000, 20_000, 40_000]],
    ['time_decay', [19_690, 32_305, 48_005]],
    ['w_shaped', [75_000, 12_500, 12_500]],
    ['full_path', [40_909, 18_182, 40_909]],
    ['custom', [33_334, 33_333, 33_333]],
  ])('%s credits %j cents, summing to 100000', (model, cents) => {
    const rows = creditConversion(model, touches, won, ctx);
    expect(rows.map((r) => r.touchId)).toEqual(['A', 'B', 'C']);
    expect(rows.map((r) => r.revenueCents)).toEqual(cents);
    expect(sum(rows.map((r) => r.revenueCents))).toBe(100_000);
  });

  it('time_decay weights are 2^(−Δ/7) normalised', () => {
    const raw = [10, 5, 1].map((d) => 2 ** (-d / 7));
    expectWeights(modelWeights('time_decay', touches, won, ctx), raw.map((w) => w / sum(raw)));
  });

  it('milestones are FT = A and CW = C only', () => {
    expect(ctx.milestones).toEqual({ ft: 0, cw: 2 });
  });
});

describe('docs/attribution.md worked example: seven touches, $120,000 closed-won', () => {
  const touches = [60, 50, 40, 30, 20, 10, 1].map((d, i) => touch(`T${i + 1}`, d));
  const won = conversion('won', 'closed_won', 0, { amountCents: 12_000_000, opportunityId: 'opp1' });
  const account = [
    conversion('lead', 'lead', 35),
    conversion('opp', 'opportunity', 15, { opportunityId: 'opp1' }),
    won,
  ];
  const ctx = context(touches, won, account);

  it('milestones are T1 = FT, T3 = LC, T5 = OC, T7 = CW', () => {
    expect(ctx.milestones).toEqual({ ft: 0, lc: 2, oc: 4, cw: 6 });
  });

  it.each<[ModelName, number[]]>([
    ['w_shaped', [3_600_000, 600_000, 3_600_000, 600_000, 3_600_000, 0, 0]],
    ['full_path', [2_700_000, 400_000, 2_700_000, 400_000, 2_700_000, 400_000, 2_700_000]],
  ])('%s credits %j cents', (model, cents) => {
    expect(creditConversion(model, touches, won, ctx).map((r) => r.revenueCents)).toEqual(cents);
  });

  it.each<[ModelName, number[]]>([
    ['w_shaped', [0.3, 0.05, 0.3, 0.05, 0.3, 0, 0]],
    ['full_path', [0.225, 0.1 / 3, 0.225, 0.1 / 3, 0.225, 0.1 / 3, 0.225]],
  ])('%s weights are %j', (model, weights) => {
    expectWeights(modelWeights(model, touches, won, ctx), weights);
  });
});

describe('docs/attribution.md worked example: last_non_direct', () => {
  it.each<[string, string[], number[]]>([
    ['credits Organic Search before a final Direct', ['Organic Social', 'Organic Search', 'Direct'], [0, 1, 0]],
    ['skips several trailing Direct touches', ['Email', 'Direct', 'Direct'], [1, 0, 0]],
    ['credits the last touch when it is not Direct', ['Direct', 'Paid Search', 'Referral'], [0, 0, 1]],
    ['falls back to the last touch when all are Direct', ['Direct', 'Direct', 'Direct'], [0, 0, 1]],
    ['compares the channel name exactly', ['Email', 'direct'], [0, 1]],
  ])('%s', (_, channels, weights) => {
    const touches = channels.map((c, i) => touch(`t${i}`, 10 - i, c));
    const won = conversion('won', 'closed_won', 0);
    expectWeights(modelWeights('last_non_direct', touches, won, context(touches, won)), weights);
  });
});

describe('selectWindowTouches', () => {
  const touches = [
    touch('after', -1 / DAY), // 1 ms after T
    touch('edge', 30), // exactly window_days before T
    touch('early', 30 + 1 / DAY), // 1 ms before the window opens
    touch('atT', 0),
    touch('mid', 12),
  ];

  it.each<[string, number, string[]]>([
    ['keeps both ends, drops 1 ms outside either end', 30, ['edge', 'mid', 'atT']],
    ['a one-day-longer window takes the earlier touch too', 31, ['early', 'edge', 'mid', 'atT']],
    ['a zero-day window keeps only touches at T', 0, ['atT']],
  ])('%s', (_, windowDays, ids) => {
    expect(selectWindowTouches(touches, T, windowDays).map((t) => t.id)).toEqual(ids);
  });

  it('orders equal timestamps by id, as strings', () => {
    const same = ['b', '9', 'a', '10'].map((id) => touch(id, 3));
    expect(selectWindowTouches(same, T, 30).map((t) => t.id)).toEqual(['10', '9', 'a', 'b']);
  });

  it('does not reorder its input and returns the caller’s own rows', () => {
    const rows = [{ ...touch('b', 1), extra: 1 }, { ...touch('a', 2), extra: 2 }];
    const picked = selectWindowTouches(rows, T, 30);
    expect(rows.map((t) => t.id)).toEqual(['b', 'a']);
    expect(picked.map((t) => t.extra)).toEqual([2, 1]);
  });

  it('rejects a negative window', () => {
    expect(() => selectWindowTouches(touches, T, -1)).toThrow(RangeError);
  });
});

describe('findMilestones', () => {
  const touches = [50, 40, 30, 20, 10].map((d, i) => touch(`t${i}`, d));
  const won = (opportunityId?: string | null): CreditConversion =>
    conversion('won', 'closed_won', 0, { opportunityId });

  it.each<[string, CreditConversion, CreditConversion[], Milestones]>([
    [
      'every milestone present',
      won('o1'),
      [conversion('l', 'lead', 35), conversion('o', 'opportunity', 15, { opportunityId: 'o1' })],
      { ft: 0, lc: 1, oc: 3, cw: 4 },
    ],
    [
      'LC follows the first lead, not a later one',
      won(),
      [conversion('l2', 'lead', 25), conversion('l1', 'lead', 45)],
      { ft: 0, lc: 0, cw: 4 },
    ],
    ['a touch at the lead’s exact time is at or before it', won(), [conversion('l', 'lead', 40)], { ft: 0, lc: 1, cw: 4 }],
    ['a lead after T is not a milestone', won(), [conversion('l', 'lead', -1)], { ft: 0, cw: 4 }],
    ['a lead before every window touch leaves LC missing', won(), [conversion('l', 'lead', 90)], { ft: 0, cw: 4 }],
    [
      'OC follows C’s own opportunity id over a later opportunity',
      won('o1'),
      [
        conversion('a', 'opportunity', 45, { opportunityId: 'o1' }),
        conversion('b', 'opportunity', 15, { opportunityId: 'o2' }),
      ],
      { ft: 0, oc: 0, cw: 4 },
    ],
    [
      'without an opportunity id OC follows the latest opportunity at or before T',
      won(null),
      [
        conversion('a', 'opportunity', 45, { opportunityId: 'o1' }),
        conversion('b', 'opportunity', 15, { opportunityId: 'o2' }),
        conversion('c', 'opportunity', -2, { opportunityId: 'o3' }),
      ],
      { ft: 0, oc: 3, cw: 4 },
    ],
    [
      'an unknown opportunity id falls back to the latest opportunity',
      won('o9'),
      [
        conversion('a', 'opportunity', 45, { opportunityId: 'o1' }),
        conversion('b', 'opportunity', 25, { opportunityId: 'o2' }),
      ],
      { ft: 0, oc: 2, cw: 4 },
    ],
    [
      'C’s own opportunity after T is ignored, falling back to the latest before T',
      won('o1'),
      [
        conversion('a', 'opportunity', -1, { opportunityId: 'o1' }),
        conversion('b', 'opportunity', 25, { opportunityId: 'o2' }),
      ],
      { ft: 0, oc: 2, cw: 4 },
    ],
    [
      'several conversions with C’s opportunity id: the earliest is its creation',
      won('o1'),
      [
        conversion('b', 'opportunity', 15, { opportunityId: 'o1' }),
        conversion('a', 'opportunity', 35, { opportunityId: 'o1' }),
      ],
      { ft: 0, oc: 1, cw: 4 },
    ],
    [
      'C counts among the account’s conversions when the caller leaves it out',
      conversion('opp', 'opportunity', 5, { opportunityId: 'o1' }),
      [],
      { ft: 0, oc: 4 },
    ],
    ['a lead conversion is its own LC', conversion('l', 'lead', 25), [], { ft: 0, lc: 2 }],
    ['only closed_won has CW', conversion('s', 'sql', 0), [conversion('l', 'lead', 35)], { ft: 0, lc: 1 }],
    ['other stages do not count as lead or opportunity', won(), [conversion('m', 'mql', 35)], { ft: 0, cw: 4 }],
  ])('%s', (_, conv, account, expected) => {
    expect(findMilestones(touches, conv, account)).toEqual(expected);
  });

  it('no touches, no milestones', () => {
    expect(findMilestones([], won('o1'), [conversion('l', 'lead', 35)])).toEqual({});
  });
});

describe('one touch under every model', () => {
  const touches = [touch('only', 3, 'Direct', 'meeting')];
  const won = conversion('won', 'closed_won', 0, { amountCents: 123_456 });
  const ctx = context(touches, won, [conversion('l', 'lead', 5), won], { customWeights: { meeting: 0 } });

  it.each(MODELS)('%s gives it everything', (model) => {
    expect(creditConversion(model, touches, won, ctx)).toEqual([{ touchId: 'only', weight: 1, units: 1_000_000_000, revenueCents: 123_456 }]);
  });
});

describe('two touches under every model', () => {
  // lead between the two (LC = first), opportunity after the second (OC = CW = second)
  const touches = [touch('x', 3, 'Email', 'form_fill'), touch('y', 1, 'Direct', 'web_visit')];
  const won = conversion('won', 'closed_won', 0, { opportunityId: 'o' });
  const account = [conversion('l', 'lead', 2), conversion('o', 'opportunity', 0.5, { opportunityId: 'o' }), won];
  const ctx = context(touches, won, account, { halfLifeDays: 2, customWeights: { web_visit: 3, form_fill: 1 } });

  it('milestones', () => expect(ctx.milestones).toEqual({ ft: 0, lc: 0, oc: 1, cw: 1 }));

  // w_shaped: x holds FT + LC (60%), y holds OC (30%); no touch left for the 10%: 5% each.
  // full_path: x holds FT + LC, y holds OC + CW (45% each), and the 10% splits the same way.
  it.each<[ModelName, number[]]>([
    ['first_touch', [1, 0]],
    ['last_touch', [0, 1]],
    ['last_non_direct', [1, 0]],
    ['linear', [0.5, 0.5]],
    ['time_decay', [1 / 3, 2 / 3]],
    ['u_shaped', [0.5, 0.5]],
    ['w_shaped', [0.65, 0.35]],
    ['full_path', [0.5, 0.5]],
    ['custom', [0.25, 0.75]],
  ])('%s weights are %j', (model, weights) => {
    expectWeights(modelWeights(model, touches, won, ctx), weights);
  });
});

describe('equal timestamps', () => {
  const touches = selectWindowTouches([touch('b', 2, 'Email'), touch('a', 2, 'Referral'), touch('c', 1)], T, 30);
  const won = conversion('won', 'closed_won', 0, { amountCents: 2 });
  const ctx = context(touches, won);

  it.each<[ModelName, string[], number[]]>([
    ['first_touch', ['a', 'b', 'c'], [2, 0, 0]],
    ['last_touch', ['a', 'b', 'c'], [0, 0, 2]],
    ['linear', ['a', 'b', 'c'], [1, 1, 0]],
    ['time_decay', ['a', 'b', 'c'], [1, 0, 1]],
  ])('%s: the lower id comes first', (model, ids, cents) => {
    const rows = creditConversion(model, touches, won, ctx);
    expect(rows.map((r) => r.touchId)).toEqual(ids);
    expect(rows.map((r) => r.revenueCents)).toEqual(cents);
  });

  it('time_decay weighs touches at the same time equally', () => {
    const w = modelWeights('time_decay', touches, won, ctx);
    expect(w[0]).toBe(w[1]);
  });
});

describe('milestone models: shared, missing and scaled-up milestones', () => {
  const five = [50, 40, 30, 20, 10].map((d, i) => touch(`t${i}`, d));
  const won = conversion('won', 'closed_won', 0, { opportunityId: 'o' });
  const sql = conversion('sql', 'sql', 0);
  const lead = (d: number): CreditConversion => conversion(`l${d}`, 'lead', d);
  const opp = (d: number): CreditConversion => conversion(`o${d}`, 'opportunity', d, { opportunityId: 'o' });

  it.each<[string, CreditConversion, CreditConversion[], Milestones, number[], number[]]>([
    [
      'LC = OC on one touch: it gets both shares; no pool touch between FT and OC',
      won,
      [lead(35), opp(32), won],
      { ft: 0, lc: 1, oc: 1, cw: 4 },
      // w: t0 30 + 5, t1 60 + 5 (pool split between the holders), t2..t4 after OC: 0
      [0.35, 0.65, 0, 0, 0],
      // full: 22.5 each to t0, t4, 45 to t1; pool = t2, t3
      [0.225, 0.45, 0.05, 0.05, 0.225],
    ],
    [
      'FT = LC = OC on the first touch',
      won,
      [lead(45), opp(45), won],
      { ft: 0, lc: 0, oc: 0, cw: 4 },
      [1, 0, 0, 0, 0],
      [0.675, 0.1 / 3, 0.1 / 3, 0.1 / 3, 0.225],
    ],
    [
      'missing LC: FT and OC scale from 70% to 100%',
      won,
      [opp(35), won],
      { ft: 0, oc: 1, cw: 4 },
      // w: 30 / 30 / pool 10, over 70; pool between FT and OC is empty → split over t0, t1
      [0.35 / 0.7, 0.35 / 0.7, 0, 0, 0],
      // full: FT, OC, CW 22.5 each, pool t2, t3 → over 77.5
      [9 / 31, 9 / 31, 2 / 31, 2 / 31, 9 / 31],
    ],
    [
      'missing LC with a pool touch before OC',
      won,
      [opp(25), won],
      { ft: 0, oc: 2, cw: 4 },
      [3 / 7, 1 / 7, 3 / 7, 0, 0],
      [9 / 31, 2 / 31, 9 / 31, 2 / 31, 9 / 31],
    ],
    [
      'missing OC: the pool runs from FT to the last touch, not just to LC',
      sql,
      [lead(35), sql],
      { ft: 0, lc: 1 },
      // w: FT 3/7, LC 3/7, t2..t4 share 1/7 → 1/21 each
      [3 / 7, 3 / 7, 1 / 21, 1 / 21, 1 / 21],
      // full: FT, LC 22.5 each, pool 10 → over 55
      [9 / 22, 9 / 22, 2 / 33, 2 / 33, 2 / 33],
    ],
    [
      'missing OC on a closed-won: the w_shaped pool still runs to the last touch',
      won,
      [lead(35), won],
      { ft: 0, lc: 1, cw: 4 },
      [3 / 7, 3 / 7, 1 / 21, 1 / 21, 1 / 21],
      // full: FT, LC, CW 22.5 each, pool t2, t3 → over 77.5
      [9 / 31, 9 / 31, 2 / 31, 2 / 31, 9 / 31],
    ],
    [
      'both LC and OC missing',
      sql,
      [sql],
      { ft: 0 },
      // w: FT 30, pool 10 → 3/4 and 1/16 each for the other four
      [0.75, 1 / 16, 1 / 16, 1 / 16, 1 / 16],
      // full: FT 22.5, pool 10 → 9/13 and (4/13)/4
      [9 / 13, 1 / 13, 1 / 13, 1 / 13, 1 / 13],
    ],
    [
      'LC after OC (lead recorded after the opportunity): pool still ends at OC',
      won,
      [opp(35), lead(15), won],
      { ft: 0, lc: 3, oc: 1, cw: 4 },
      // w: no touch strictly between FT and OC, so the 10% splits over all three holders
      [1 / 3, 1 / 3, 0, 1 / 3, 0],
      [0.225, 0.225, 0.1, 0.225, 0.225],
    ],
  ])('%s', (_, conv, account, milestones, wShaped, fullPath) => {
    const ctx = context(five, conv, account);
    expect(ctx.milestones).toEqual(milestones);
    expectWeights(modelWeights('w_shaped', five, conv, ctx), wShaped);
    expectWeights(modelWeights('full_path', five, conv, ctx), fullPath);
  });

  it('a caller that omits FT still gets FT = first touch', () => {
    const ctx: ModelContext = { milestones: { oc: 2 }, halfLifeDays: 7, customWeights: {} };
    expectWeights(modelWeights('w_shaped', five, won, ctx), [3 / 7, 1 / 7, 3 / 7, 0, 0]);
  });

  it.each<[string, Milestones]>([
    ['past the end', { ft: 0, oc: 5 }],
    ['negative', { ft: 0, lc: -1 }],
    ['fractional', { ft: 0, cw: 1.5 }],
  ])('rejects a milestone index %s', (_, milestones) => {
    const ctx: ModelContext = { milestones, halfLifeDays: 7, customWeights: {} };
    expect(() => modelWeights('full_path', five, won, ctx)).toThrow(RangeError);
  });
});

describe('u_shaped', () => {
  it.each<[number, number[]]>([
    [3, [0.4, 0.2, 0.4]],
    [4, [0.4, 0.1, 0.1, 0.4]],
    [6, [0.4, 0.05, 0.05, 0.05, 0.05, 0.4]],
  ])('n = %i → %j', (n, weights) => {
    const touches = Array.from({ length: n }, (_, i) => touch(`t${i}`, n - i));
    const c = conversion('c', 'sql', 0);
    expectWeights(modelWeights('u_shaped', touches, c, context(touches, c)), weights);
  });
});

describe('time_decay', () => {
  const c = conversion('c', 'closed_won', 0);

  it.each<[string, number[], number, number[]]>([
    ['a touch one half-life older weighs half', [8, 1], 7, [1 / 3, 2 / 3]],
    ['a fractional-day gap counts fractionally', [1.5, 0], 3, [2 ** -0.5 / (1 + 2 ** -0.5), 1 / (1 + 2 ** -0.5)]],
    ['Δ is measured from T, so a touch at T weighs most', [14, 7, 0], 7, [1 / 7, 2 / 7, 4 / 7]],
  ])('%s', (_, days, halfLife, weights) => {
    const touches = days.map((d, i) => touch(`t${i}`, d));
    expectWeights(modelWeights('time_decay', touches, c, context(touches, c, [c], { halfLifeDays: halfLife })), weights);
  });

  it('a long window with a short half-life does not underflow to nothing', () => {
    const touches = [touch('old', 3650), touch('new', 1)];
    expectWeights(modelWeights('time_decay', touches, c, context(touches, c, [c], { halfLifeDays: 1 })), [0, 1]);
  });

  it.each([0, -7, Number.NaN])('rejects half-life %s', (halfLifeDays) => {
    const touches = [touch('a', 1)];
    expect(() => modelWeights('time_decay', touches, c, context(touches, c, [c], { halfLifeDays }))).toThrow(RangeError);
  });
});

describe('custom', () => {
  const types = ['web_visit', 'form_fill', 'webinar', 'constructor', '__proto__'];
  const touches = types.map((type, i) => touch(`t${i}`, 10 - i, 'Email', type));
  const c = conversion('c', 'closed_won', 0);

  // missing types (webinar, and names that live on Object.prototype) weigh 1
  it.each<[string, Record<string, number>, number[]]>([
    ['weights by touch type, missing types weigh 1', { web_visit: 0, form_fill: 6 }, [0, 2 / 3, 1 / 9, 1 / 9, 1 / 9]],
    ['no weights at all is linear', {}, [0.2, 0.2, 0.2, 0.2, 0.2]],
    ['fractional weights', { web_visit: 0.5, form_fill: 2.5, webinar: 1, constructor: 0, ['__proto__']: 0 }, [0.125, 0.625, 0.25, 0, 0]],
    [
      'every touch weighing 0 falls back to linear',
      { web_visit: 0, form_fill: 0, webinar: 0, constructor: 0, ['__proto__']: 0 },
      [0.2, 0.2, 0.2, 0.2, 0.2],
    ],
  ])('%s', (_, customWeights, weights) => {
    // JSON.parse makes "__proto__" an own key, as settings read from D1 would
    const parsed = JSON.parse(JSON.stringify(customWeights)) as Record<string, number>;
    expectWeights(modelWeights('custom', touches, c, context(touches, c, [c], { customWeights: parsed })), weights);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('rejects a custom weight of %s', (w) => {
    expect(() => modelWeights('custom', touches, c, context(touches, c, [c], { customWeights: { webinar: w } }))).toThrow(
      RangeError,
    );
  });
});

describe('modelWeights guards', () => {
  const c = conversion('c', 'closed_won', 0);

  it.each(MODELS)('%s over no touches is []', (model) => {
    expect(modelWeights(model, [], c, context([], c))).toEqual([]);
  });

  it('rejects an unknown model name', () => {
    const touches = [touch('a', 1)];
    expect(() => modelWeights('position' as ModelName, touches, c, context(touches, c))).toThrow(RangeError);
  });
});

describe('allocateCents', () => {
  it.each<[string, number, number[], number[]]>([
    ['zero amount', 0, [0.5, 0.5], [0, 0]],
    ['zero amount over no parts', 0, [], []],
    ['exact split', 100, [0.25, 0.75], [25, 75]],
    ['three-way tie goes to the lowest index', 100_000, [1 / 3, 1 / 3, 1 / 3], [33_334, 33_333, 33_333]],
    ['two spare cents', 2, [1 / 3, 1 / 3, 1 / 3], [1, 1, 0]],
    ['one cent between two', 1, [0.5, 0.5], [1, 0]],
    ['largest remainder wins over index', 10, [0.14, 0.16, 0.7], [1, 2, 7]],
    ['tied remainders after a larger one', 5, [0.1, 0.2, 0.7], [1, 1, 3]],
    ['unnormalised weights', 7, [1, 1, 1], [3, 2, 2]],
    ['a zero weight never gets a cent', 3, [0, 1, 1, 0], [0, 2, 1, 0]],
    ['float noise between equal weights is a tie', 1, [0.3, 0.1 + 0.2], [1, 0]],
    ['large amounts stay exact', 9_007_199_254_740, [1, 2, 3], [1_501_199_875_790, 3_002_399_751_580, 4_503_599_627_370]],
  ])('%s', (_, amount, weights, cents) => {
    const parts = allocateCents(amount, weights);
    expect(parts).toEqual(cents);
    expect(sum(parts)).toBe(amount);
  });

  it.each<[string, number, number[]]>([
    ['a negative amount', -1, [1]],
    ['a fractional amount', 1.5, [1]],
    ['a negative weight', 10, [2, -1]],
    ['a NaN weight', 10, [Number.NaN]],
    ['weights summing to 0', 10, [0, 0]],
    ['no parts for a positive amount', 10, []],
  ])('rejects %s', (_, amount, weights) => {
    expect(() => allocateCents(amount, weights)).toThrow(RangeError);
  });
});

describe('creditConversion', () => {
  const touches = [touch('a', 3), touch('b', 2)];

  it.each(MODELS)('%s never credits closed_lost', (model) => {
    const lost = conversion('lost', 'closed_lost', 0, { amountCents: 50_000, opportunityId: 'o' });
    expect(creditConversion(model, touches, lost, context(touches, lost))).toEqual([]);
  });

  it.each<[string, number | null | undefined]>([
    ['null', null],
    ['absent', undefined],
  ])('an %s amount credits weight but no revenue', (_, amountCents) => {
    const mql = conversion('m', 'mql', 0, { amountCents });
    expect(creditConversion('linear', touches, mql, context(touches, mql))).toEqual([
      { touchId: 'a', weight: 0.5, units: 500_000_000, revenueCents: 0 },
      { touchId: 'b', weight: 0.5, units: 500_000_000, revenueCents: 0 },
    ]);
  });

  it('no touches, no rows', () => {
    const won = conversion('w', 'closed_won', 0, { amountCents: 100 });
    expect(creditConversion('linear', [], won, context([], won))).toEqual([]);
  });
});

/** Tiny seeded PRNG (mulberry32) so the invariant runs are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RandomCase {
  window: CreditTouch[];
  conversion: CreditConversion;
  ctx: ModelContext;
}

const CHANNELS = ['Direct', 'Organic Search', 'Paid Search', 'Email', 'Referral', 'Events'];
const TOUCH_TYPES = ['web_visit', 'form_fill', 'webinar', 'meeting', 'constructor'];
const STAGES = ['lead', 'mql', 'sql', 'opportunity', 'closed_won', 'closed_won'];

function randomCase(rand: () => number): RandomCase {
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const windowDays = 1 + Math.floor(rand() * 120);
  const count = Math.floor(rand() * 25);
  // coarse times make equal timestamps common; some land outside the window or after T
  const touches = Array.from({ length: count }, (_, i) => ({
    id: `t${Math.floor(rand() * 1000)}_${i}`,
    at: T - Math.floor(rand() * (windowDays + 10) * 4) * (DAY / 4) + (rand() < 0.1 ? DAY : 0),
    channel: pick(CHANNELS),
    touchType: pick(TOUCH_TYPES),
  }));
  const conv: CreditConversion = {
    id: 'c',
    stage: pick(STAGES),
    at: T,
    opportunityId: rand() < 0.5 ? `o${Math.floor(rand() * 3)}` : null,
    amountCents: rand() < 0.1 ? null : Math.floor(rand() * 10 ** (1 + Math.floor(rand() * 9))),
  };
  const account = Array.from({ length: Math.floor(rand() * 5) }, (_, i) => ({
    id: `a${i}`,
    stage: pick(['lead', 'opportunity', 'mql']),
    at: T - Math.floor(rand() * (windowDays + 20)) * DAY + (rand() < 0.1 ? DAY : 0),
    opportunityId: `o${Math.floor(rand() * 3)}`,
  }));
  const customWeights: Record<string, number> = {};
  for (const type of TOUCH_TYPES) if (rand() < 0.6) customWeights[type] = rand() < 0.4 ? 0 : rand() * 5;
  const window = selectWindowTouches(touches, T, windowDays);
  return {
    window,
    conversion: conv,
    ctx: {
      milestones: findMilestones(window, conv, account),
      halfLifeDays: 0.5 + rand() * 30,
      customWeights,
    },
  };
}

const RANDOM_CASES = (() => {
  const rand = mulberry32(0x7c1e);
  return Array.from({ length: 500 }, () => randomCase(rand));
})();

describe('invariants over 500 seeded random touch sets', () => {
  it('the random sets cover empty, single, tied and milestone-rich cases', () => {
    expect(RANDOM_CASES.some((c) => c.window.length === 0)).toBe(true);
    expect(RANDOM_CASES.some((c) => c.window.length === 1)).toBe(true);
    expect(RANDOM_CASES.some((c) => c.window.some((t, i) => i > 0 && c.window[i - 1].at === t.at))).toBe(true);
    expect(RANDOM_CASES.some((c) => Object.keys(c.ctx.milestones).length === 4)).toBe(true);
    expect(RANDOM_CASES.some((c) => c.ctx.milestones.lc === undefined && c.window.length > 2)).toBe(true);
  });

  it.each(MODELS)('%s: weights ≥ 0 sum to 1, cents sum to the amount', (model) => {
    for (const { window, conversion: conv, ctx } of RANDOM_CASES) {
      const weights = modelWeights(model, window, conv, ctx);
      expect(weights).toHaveLength(window.length);
      if (window.length === 0) continue;
      for (const w of weights) expect(w).toBeGreaterThanOrEqual(0);
      expect(Math.abs(sum(weights) - 1)).toBeLessThan(1e-9);

      const amount = conv.amountCents ?? 0;
      // Stored credit splits cents by integer weight units (schemas/credit.ts), as creditConversion does.
      const units = allocateCents(1_000_000_000, weights);
      expect(sum(units)).toBe(1_000_000_000);
      const cents = allocateCents(amount, units);
      expect(sum(cents)).toBe(amount);
      cents.forEach((c, i) => {
        expect(Number.isInteger(c) && c >= 0).toBe(true);
        // largest remainder never moves a part more than one cent from its exact share (plus the
        // rounding of its weight to whole units: at most one unit's worth of the amount)
        expect(Math.abs(c - amount * weights[i])).toBeLessThan(1 + amount / 1e9 + 1e-6);
      });

      const rows = creditConversion(model, window, conv, ctx);
      if (conv.stage === 'closed_lost') expect(rows).toEqual([]);
      else expect(rows.map((r) => r.revenueCents)).toEqual(cents);
    }
  });

  it.each<ModelName>(['w_shaped', 'full_path'])('%s: every existing milestone touch earns credit', (model) => {
    for (const { window, conversion: conv, ctx } of RANDOM_CASES) {
      const weights = modelWeights(model, window, conv, ctx);
      const keys: (keyof Milestones)[] = model === 'w_shaped' ? ['ft', 'lc', 'oc'] : ['ft', 'lc', 'oc', 'cw'];
      for (const key of keys) {
        const index = ctx.milestones[key];
        if (index !== undefined) expect(weights[index]).toBeGreaterThan(0);
      }
    }
  });

  it('windowing is independent of input order', () => {
    const rand = mulberry32(42);
    for (const { window } of RANDOM_CASES.slice(0, 100)) {
      const shuffled = [...window].sort(() => rand() - 0.5);
      expect(selectWindowTouches(shuffled, T, 400)).toEqual(window);
    }
  });
});

describe('the contract names the data-driven models', () => {
  it('as exactly the registry models that are fitted', async () => {
    const { DATA_DRIVEN } = await import('../../edge/src/attribution/models');
    const { DATA_DRIVEN_MODELS } = await import('../../schemas/models');
    expect([...DATA_DRIVEN].sort()).toEqual([...DATA_DRIVEN_MODELS].sort());
  });
});
