// shapley (docs/attribution.md): the worked example, φ against all orderings and all subsets, and properties.
import { describe, expect, it } from 'vitest';
import { fitShapley, shapley, TOP_SETS, type ShapleyFit } from '../../edge/src/attribution/models/shapley';
import { shapleyValues, sparseGame } from '../../edge/src/attribution/models/shapley-values';
import type { ModelInput } from '../../edge/src/attribution/models';
import { journey, pick, prng, randomJourneys, shuffled, sum, touchesOf } from './helpers/journeys';

const input = (channels: readonly string[]): ModelInput => ({
  touches: touchesOf(channels),
  conversion: { id: 'c', stage: 'lead', at: Date.UTC(2024, 1, 1) },
  ctx: { milestones: {}, halfLifeDays: 7, customWeights: {} },
});

type Sets = { channels: string[]; v: number }[];
const keyOf = (s: Iterable<string>) => JSON.stringify([...s].sort());
const lookup = (sets: Sets) => {
  const v = new Map(sets.map((s) => [keyOf(s.channels), s.v]));
  return (s: Iterable<string>) => v.get(keyOf(s)) ?? 0;
};

function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest]));
}

/** The definition over orderings: φ(c) = average over all n! orders of c's marginal contribution. */
function phiByOrderings(players: readonly string[], sets: Sets): number[] {
  const v = lookup(sets);
  const phi = new Map(players.map((p) => [p, 0]));
  const orders = permutations(players);
  for (const order of orders) {
    const before: string[] = [];
    for (const p of order) {
      phi.set(p, phi.get(p)! + v([...before, p]) - v(before));
      before.push(p);
    }
  }
  return players.map((p) => phi.get(p)! / orders.length);
}

/** The definition over subsets: φ(c) = Σ_{T ⊆ N∖{c}} |T|!(n−|T|−1)!⁄n! · (v(T ∪ {c}) − v(T)), all 2^(n−1) of them. */
function phiBySubsets(players: readonly string[], sets: Sets): number[] {
  const v = lookup(sets);
  const n = players.length;
  const factorial = (k: number): number => (k <= 1 ? 1 : k * factorial(k - 1));
  return players.map((c) => {
    const others = players.filter((p) => p !== c);
    let phi = 0;
    for (let mask = 0; mask < 2 ** others.length; mask++) {
      const t = others.filter((_, bit) => mask & (1 << bit));
      phi += ((factorial(t.length) * factorial(n - t.length - 1)) / factorial(n)) * (v([...t, c]) - v(t));
    }
    return phi;
  });
}

/** A random game over `universe`: `count` distinct non-empty sets with v in [0, 1] (some exactly 0). */
function randomGame(rand: () => number, universe: readonly string[], count: number): Sets {
  const byKey = new Map<string, Sets[number]>();
  while (byKey.size < Math.min(count, 2 ** universe.length - 1)) {
    const channels = universe.filter(() => rand() < 0.4);
    if (channels.length) byKey.set(keyOf(channels), { channels, v: rand() < 0.2 ? 0 : rand() });
  }
  return [...byKey.values()];
}

describe('docs/attribution.md worked example', () => {
  const journeys = [journey('A>B>C', true), journey('A>C', true), journey('A>C', false), journey('B', false), journey('C', true), journey('C', false)];
  const fit = fitShapley(journeys);

  it('v({A,B,C}) = 1, v({A,C}) = 0.5, v({C}) = 0.5, v({B}) = 0', () => {
    expect(fit.sets).toEqual([
      { channels: ['A', 'C'], journeys: 2, conversions: 1, rate: 0.5 },
      { channels: ['C'], journeys: 2, conversions: 1, rate: 0.5 },
      { channels: ['A', 'B', 'C'], journeys: 1, conversions: 1, rate: 1 },
      { channels: ['B'], journeys: 1, conversions: 0, rate: 0 },
    ]);
    expect(fit.game).toEqual([[[0, 1, 2], 1], [[0, 2], 0.5], [[2], 0.5]]);
  });

  it('A>B>C gives A ⅓, B 1⁄12, C 7⁄12; A>C gives A 0, C 1; C gives C 1', () => {
    expect(shapley.weights(input(['A', 'B', 'C']), fit)).toEqual([expect.closeTo(1 / 3, 12), expect.closeTo(1 / 12, 12), expect.closeTo(7 / 12, 12)]);
    expect(shapley.weights(input(['A', 'B', 'C']), fit).map((w) => w.toFixed(4))).toEqual(['0.3333', '0.0833', '0.5833']);
    expect(shapley.weights(input(['A', 'C']), fit)).toEqual([0, 1]);
    expect(shapley.weights(input(['C']), fit)).toEqual([1]);
  });

  it('value = Σ over converting journeys of the channel’s share: A ⅓, B 1⁄12, C 7⁄12 + 1 + 1', () => {
    expect(fit.channels).toEqual([
      { channel: 'A', value: expect.closeTo(1 / 3, 12) },
      { channel: 'B', value: expect.closeTo(1 / 12, 12) },
      { channel: 'C', value: expect.closeTo(31 / 12, 12) },
    ]);
  });

  it('splits a channel’s share equally among its touches, and survives JSON', () => {
    const parsed = JSON.parse(JSON.stringify(fit)) as unknown;
    expect(shapley.weights(input(['C', 'A', 'C', 'B']), parsed)).toEqual([7 / 24, 1 / 3, 7 / 24, 1 / 12].map((x) => expect.closeTo(x, 12)));
  });
});

describe('φ against the definitions', () => {
  const universe = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
  for (let seed = 1; seed <= 40; seed++) {
    it(`seed ${seed}: equals the average over all n! orderings (n ≤ 6) to 1e-9`, () => {
      const rand = prng(seed);
      // From a handful of sets (the scan path) to most of the 255 (the subset-lookup path).
      const sets = randomGame(rand, universe, 1 + Math.floor(rand() * 200));
      const players = shuffled(rand, universe).slice(0, 1 + Math.floor(rand() * 6));
      const phi = shapleyValues(players, sparseGame(sets));
      phiByOrderings(players, sets).forEach((expected, i) => expect(Math.abs(phi[i] - expected)).toBeLessThan(1e-9));
    });
  }

  it('equals the subset definition for up to 12 players, some never observed', () => {
    const rand = prng(99);
    const universe12 = Array.from({ length: 14 }, (_, i) => `c${i}`);
    for (let round = 0; round < 20; round++) {
      const sets = randomGame(rand, universe12.slice(0, 12), 1 + Math.floor(rand() * 400));
      const players = shuffled(rand, universe12).slice(0, 4 + Math.floor(rand() * 9));
      const phi = shapleyValues(players, sparseGame(sets));
      phiBySubsets(players, sets).forEach((expected, i) => expect(Math.abs(phi[i] - expected)).toBeLessThan(1e-9));
    }
  });
});

describe('properties', () => {
  it('efficiency: Σφ = v(N), for N of up to 40 players', () => {
    const rand = prng(5);
    const universe = Array.from({ length: 60 }, (_, i) => `ch${i}`);
    for (let round = 0; round < 30; round++) {
      const players = shuffled(rand, universe).slice(0, 1 + Math.floor(rand() * 40));
      const sets = [
        ...Array.from({ length: 300 }, () => ({ channels: [...new Set(Array.from({ length: 1 + Math.floor(rand() * 6) }, () => pick(rand, players)))], v: rand() })),
        { channels: players, v: rand() },
      ];
      const game = sparseGame([...new Map(sets.map((s) => [keyOf(s.channels), s])).values()]);
      const vN = lookup([...new Map(sets.map((s) => [keyOf(s.channels), s])).values()])(players);
      expect(Math.abs(sum(shapleyValues(players, game)) - vN)).toBeLessThan(1e-9);
    }
  });

  it('symmetry: two channels always together get equal φ and equal value', () => {
    const rand = prng(11);
    const journeys = randomJourneys(rand, { channels: ['A', 'B', 'C', 'X'], count: 300, maxLength: 5 }).map((j) => ({
      ...j,
      channels: j.channels.flatMap((c) => (c === 'X' ? ['X', 'Y'] : [c])),
    }));
    const fit = fitShapley(journeys);
    const value = (c: string) => fit.channels.find((x) => x.channel === c)!.value;
    expect(value('X')).toBe(value('Y'));
    const w = shapley.weights(input(['A', 'X', 'Y', 'C']), fit);
    expect(w[1]).toBe(w[2]);
  });

  it('a channel on no converting journey: φ ≤ 0, so it gets 0 beside a channel with φ > 0, and value 0', () => {
    const rand = prng(12);
    const journeys = [...randomJourneys(rand, { channels: ['A', 'B', 'C', 'Z'], count: 300, maxLength: 5 }).filter((j) => !j.converted || !j.channels.includes('Z')), journey('Z', false)];
    const fit = fitShapley(journeys);
    expect(fit.channels.find((c) => c.channel === 'Z')!.value).toBe(0);
    const game = sparseGame(fit.game.map(([ids, v]) => ({ channels: ids.map((i) => fit.channels[i].channel), v })));
    for (const players of [['Z', 'A'], ['A', 'B', 'Z'], ['C', 'Z', 'B', 'A']]) {
      const phi = shapleyValues(players, game);
      expect(phi[players.indexOf('Z')]).toBeLessThanOrEqual(0);
      const w = shapley.weights(input(players), fit);
      expect(w[players.indexOf('Z')]).toBe(0);
      expect(sum(w)).toBeCloseTo(1, 12);
    }
    // Only when no channel of N has φ > 0 does it share, equally: N = {Z} alone.
    expect(shapley.weights(input(['Z', 'Z']), fit)).toEqual([0.5, 0.5]);
  });

  it('weights are ≥ 0 and sum to 1 per conversion; Σ value = converting journeys', () => {
    const rand = prng(13);
    const channels = Array.from({ length: 10 }, (_, i) => `ch${i}`);
    const journeys = randomJourneys(rand, { channels, count: 400, maxLength: 6 });
    const fit = fitShapley(journeys);
    expect(sum(fit.channels.map((c) => c.value))).toBeCloseTo(journeys.filter((j) => j.converted).length, 9);
    for (let i = 0; i < 200; i++) {
      const path = randomJourneys(rand, { channels: [...channels, 'unseen'], count: 1, maxLength: 10 })[0].channels;
      const w = shapley.weights(input(path), fit);
      for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
      expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
    }
  });

  it('shuffled journeys give the identical fit, bit for bit', () => {
    for (let seed = 200; seed < 210; seed++) {
      const rand = prng(seed);
      const journeys = randomJourneys(rand, { channels: ['Direct', 'Email', 'Paid Search', 'Organic Search', 'Referral', 'Events'], count: 300, maxLength: 8 });
      expect(JSON.stringify(fitShapley(shuffled(rand, journeys)))).toBe(JSON.stringify(fitShapley(journeys)));
    }
  });
});

describe('the fit', () => {
  it('no journeys; empty journeys ignored; several stages refused', () => {
    expect(fitShapley([])).toEqual({ channels: [], sets: [], game: [] });
    expect(fitShapley([journey('A', true), { stage: 'lead', channels: [], converted: true }])).toEqual(fitShapley([journey('A', true)]));
    expect(() => fitShapley([journey('A', true), journey('A', true, 'opportunity')])).toThrow(RangeError);
  });

  it(`lists the ${TOP_SETS} most frequent sets, most journeys first, ties by channel list`, () => {
    const journeys = Array.from({ length: 80 }, (_, i) => Array.from({ length: 1 + (i % 4) }, () => journey(`s${String(i).padStart(2, '0')}`, i % 3 === 0))).flat();
    const { sets } = fitShapley(journeys);
    expect(sets).toHaveLength(TOP_SETS);
    expect(sets.map((s) => s.journeys)).toEqual([...sets.map((s) => s.journeys)].sort((a, b) => b - a));
    expect(sets.slice(0, 3).map((s) => s.channels[0])).toEqual(['s03', 's07', 's11']);
  });

  it('channel names holding separators never merge sets', () => {
    const fit = fitShapley([journey('a\u0001b', true), { stage: 'lead', channels: ['a', 'b'], converted: false }, journey('a,b', true)]);
    expect(fit.sets.map((s) => s.channels)).toEqual([['a', 'b'], ['a\u0001b'], ['a,b']]);
    expect(shapley.weights(input(['a', 'b']), fit)).toEqual([0.5, 0.5]);
  });

  it('without a fit each distinct channel shares equally; a malformed fit is refused', () => {
    expect(shapley.weights(input(['A', 'B', 'A']), undefined)).toEqual([0.25, 0.5, 0.25]);
    expect(() => shapley.weights(input(['A']), { channels: [], game: [[[0], 1]] })).toThrow(TypeError);
    expect(() => shapley.weights(input(['A']), { channels: [{ channel: 'A' }] } as unknown as ShapleyFit)).toThrow(TypeError);
  });
});

describe('scale', () => {
  it('a 300-channel fit, a conversion with 40 distinct channels, and 1,500 players', () => {
    const rand = prng(21);
    const channels = Array.from({ length: 300 }, (_, i) => `channel ${String(i).padStart(3, '0')}`);
    const journeys = randomJourneys(rand, { channels: channels.slice(0, 60), count: 3000, maxLength: 40, conversionRate: 0.3 });
    journeys.push(...randomJourneys(rand, { channels, count: 2000, maxLength: 6, conversionRate: 0.2 }));
    const fit = fitShapley(journeys);
    expect(fit.channels).toHaveLength(300);
    const w = shapley.weights(input(channels.slice(0, 40)), fit);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);

    const many = Array.from({ length: 1500 }, (_, i) => `p${i}`);
    const phi = shapleyValues(many, sparseGame([{ channels: many, v: 1 }, { channels: ['p0'], v: 0.5 }]));
    expect(phi.every(Number.isFinite)).toBe(true);
    expect(sum(phi)).toBeCloseTo(1, 9);
  });
});
