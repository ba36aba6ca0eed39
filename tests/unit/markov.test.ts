// markov (docs/attribution.md): the worked example, P and removal effects against the chain iterated to convergence, and properties.
import { describe, expect, it } from 'vitest';
import { fitMarkov, markov, type MarkovFit } from '../../edge/src/attribution/models/markov';
import type { Journey, ModelInput } from '../../edge/src/attribution/models';
import { journey, prng, randomJourneys, shuffled, sum, touchesOf } from './helpers/journeys';

const input = (channels: readonly string[]): ModelInput => ({
  touches: touchesOf(channels),
  conversion: { id: 'c', stage: 'lead', at: Date.UTC(2024, 1, 1) },
  ctx: { milestones: {}, halfLifeDays: 7, customWeights: {} },
});

const effectOf = (fit: MarkovFit, channel: string) => fit.channels.find((c) => c.channel === channel)?.removal_effect;

/**
 * Independent of the code under test: the chain as a map of transition counts, and P as the limit of
 * x ← Q x + r from x = 0 (the probability of converting within k steps, rising to the absorption
 * probability). `removed` sends every transition into that channel to (null).
 */
function iteratedP(journeys: readonly Journey[], removed?: string): number {
  const out = new Map<string, Map<string, number>>();
  const add = (from: string, to: string) => {
    const row = out.get(from) ?? new Map<string, number>();
    row.set(to, (row.get(to) ?? 0) + 1);
    out.set(from, row);
  };
  for (const j of journeys) {
    const path = ['(start)', ...j.channels, j.converted ? '(conversion)' : '(null)'];
    for (let i = 1; i < path.length; i++) add(path[i - 1], path[i] === removed ? '(null)' : path[i]);
  }
  let x = new Map<string, number>([['(conversion)', 1]]);
  for (let step = 0; step < 1_000_000; step++) {
    const next = new Map<string, number>([['(conversion)', 1]]);
    let change = 0;
    for (const [from, row] of out) {
      let total = 0;
      let reach = 0;
      for (const [to, n] of row) {
        total += n;
        reach += n * (x.get(to) ?? 0);
      }
      next.set(from, reach / total);
      change = Math.max(change, Math.abs(reach / total - (x.get(from) ?? 0)));
    }
    x = next;
    if (change < 1e-15) break;
  }
  return x.get('(start)') ?? 0;
}

describe('docs/attribution.md worked example', () => {
  const journeys = [journey('A>B>C', true), journey('A>C', true), journey('A>C', false), journey('B', false), journey('C', true), journey('C', false)];
  const fit = fitMarkov(journeys);

  it('P = 0.5; RE(A) = 0.5, RE(B) = 0.2, RE(C) = 1; shares are RE ⁄ Σ RE', () => {
    expect(fit.p_conversion).toBeCloseTo(0.5, 12);
    expect(fit.channels.map((c) => c.channel)).toEqual(['A', 'B', 'C']);
    expect(fit.channels.map((c) => c.removal_effect)).toEqual([expect.closeTo(0.5, 12), expect.closeTo(0.2, 12), expect.closeTo(1, 12)]);
    expect(fit.channels.map((c) => c.share)).toEqual([expect.closeTo(0.5 / 1.7, 12), expect.closeTo(0.2 / 1.7, 12), expect.closeTo(1 / 1.7, 12)]);
  });

  it('A>B>C gives A 0.2941, B 0.1176, C 0.5882; A>C gives A ⅓, C ⅔; C gives C 1', () => {
    expect(markov.weights(input(['A', 'B', 'C']), fit).map((w) => w.toFixed(4))).toEqual(['0.2941', '0.1176', '0.5882']);
    expect(markov.weights(input(['A', 'C']), fit)).toEqual([expect.closeTo(1 / 3, 12), expect.closeTo(2 / 3, 12)]);
    expect(markov.weights(input(['C']), fit)).toEqual([1]);
  });

  it('splits a channel’s share equally among its touches in that channel', () => {
    const w = markov.weights(input(['A', 'C', 'A', 'C', 'C']), fit);
    expect(w).toEqual([1 / 6, 2 / 9, 1 / 6, 2 / 9, 2 / 9].map((x) => expect.closeTo(x, 12)));
  });

  it('the fit survives JSON: weights from the parsed fit are the same', () => {
    const parsed = JSON.parse(JSON.stringify(fit)) as unknown;
    expect(markov.weights(input(['A', 'B', 'C']), parsed)).toEqual(markov.weights(input(['A', 'B', 'C']), fit));
  });
});

describe('against the chain iterated to convergence', () => {
  for (let seed = 1; seed <= 25; seed++) {
    it(`seed ${seed}: P and every RE agree to 1e-9`, () => {
      const rand = prng(seed);
      const channels = ['A', 'B', 'C', 'D', 'E'].slice(0, 1 + Math.floor(rand() * 5));
      const journeys = randomJourneys(rand, { channels, count: 5 + Math.floor(rand() * 40), maxLength: 5, conversionRate: rand() });
      const fit = fitMarkov(journeys);
      const p = iteratedP(journeys);
      expect(Math.abs(fit.p_conversion - p)).toBeLessThan(1e-9);
      for (const c of fit.channels) {
        const expected = p === 0 ? 0 : 1 - iteratedP(journeys, c.channel) / p;
        expect(Math.abs(c.removal_effect - expected), c.channel).toBeLessThan(1e-9);
      }
    });
  }
});

describe('edge cases', () => {
  it('no journeys: P = 0 and no channels', () => {
    expect(fitMarkov([])).toEqual({ p_conversion: 0, channels: [] });
  });

  it('no converting journey: P = 0, every RE and share 0, and a conversion splits equally by channel', () => {
    const fit = fitMarkov([journey('A>B', false), journey('B', false)]);
    expect(fit).toEqual({ p_conversion: 0, channels: [{ channel: 'A', removal_effect: 0, share: 0 }, { channel: 'B', removal_effect: 0, share: 0 }] });
    expect(markov.weights(input(['A', 'B', 'B']), fit)).toEqual([0.5, 0.25, 0.25]);
  });

  it('one channel that converts: RE = 1, share = 1', () => {
    const fit = fitMarkov([journey('A', true), journey('A>A', false), journey('A>A>A', true)]);
    expect(fit.p_conversion).toBeCloseTo(2 / 3, 12);
    expect(fit.channels).toEqual([{ channel: 'A', removal_effect: 1, share: 1 }]);
  });

  it('a channel that cannot reach (conversion) has RE 0 and earns nothing beside one that can', () => {
    const fit = fitMarkov([journey('A>X', false), journey('X', false), journey('A', true)]);
    expect(effectOf(fit, 'X')).toBe(0);
    expect(markov.weights(input(['X', 'A', 'X']), fit)).toEqual([0, 1, 0]);
  });

  it('a channel on no converting journey can still have RE > 0: the first-order chain reaches (conversion) through it', () => {
    // X>D does not convert, D does: X → D → (conversion) with probability ½, so removing X loses ½ of P.
    const fit = fitMarkov([journey('X>D', false), journey('D', true)]);
    expect(fit.p_conversion).toBeCloseTo(0.5, 12);
    expect(effectOf(fit, 'X')).toBeCloseTo(0.5, 12);
    expect(effectOf(fit, 'D')).toBeCloseTo(1, 12);
  });

  it('self-loops and repeats are kept as transitions', () => {
    const journeys = [journey('A>A>B', true), journey('A>B>B>B', false), journey('B>A', true)];
    const fit = fitMarkov(journeys);
    expect(fit.p_conversion).toBeCloseTo(iteratedP(journeys), 12);
  });

  it('ignores empty journeys and refuses a fit over several stages', () => {
    expect(fitMarkov([journey('A', true), { stage: 'lead', channels: [], converted: true }])).toEqual(fitMarkov([journey('A', true)]));
    expect(() => fitMarkov([journey('A', true), journey('A', true, 'opportunity')])).toThrow(RangeError);
  });

  it('without a fit, or with channels the fit lacks, each distinct channel gets an equal share', () => {
    expect(markov.weights(input(['A', 'B', 'A']), undefined)).toEqual([0.25, 0.5, 0.25]);
    const fit = fitMarkov([journey('Z', true)]);
    expect(markov.weights(input(['A', 'B', 'A']), fit)).toEqual([0.25, 0.5, 0.25]);
    expect(markov.weights(input(['A', 'Z', 'A']), fit)).toEqual([0, 1, 0]);
  });

  it('refuses a fit that is not one', () => {
    expect(() => markov.weights(input(['A']), { channels: 'A' })).toThrow(TypeError);
    expect(() => markov.weights(input(['A']), { channels: [{ channel: 'A' }] })).toThrow(TypeError);
  });
});

describe('properties on random journeys', () => {
  it('shuffled journeys give the identical fit, bit for bit', () => {
    for (let seed = 100; seed < 110; seed++) {
      const rand = prng(seed);
      const journeys = randomJourneys(rand, { channels: ['Direct', 'Email', 'Paid Search', 'Organic Search', 'Referral', 'Events'], count: 200, maxLength: 8 });
      expect(JSON.stringify(fitMarkov(shuffled(rand, journeys)))).toBe(JSON.stringify(fitMarkov(journeys)));
    }
  });

  it('weights are ≥ 0 and sum to 1 per conversion; shares sum to 1; RE in [0, 1]', () => {
    const rand = prng(7);
    const channels = Array.from({ length: 12 }, (_, i) => `ch${i}`);
    const fit = fitMarkov(randomJourneys(rand, { channels, count: 300, maxLength: 6 }));
    expect(sum(fit.channels.map((c) => c.share))).toBeCloseTo(1, 12);
    for (const c of fit.channels) {
      expect(c.removal_effect).toBeGreaterThanOrEqual(0);
      expect(c.removal_effect).toBeLessThanOrEqual(1);
    }
    for (let i = 0; i < 200; i++) {
      const path = randomJourneys(rand, { channels: [...channels, 'unseen'], count: 1, maxLength: 10 })[0].channels;
      const w = markov.weights(input(path), fit);
      expect(w).toHaveLength(path.length);
      for (const x of w) expect(x).toBeGreaterThanOrEqual(0);
      expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
    }
  });
});

describe('scale', () => {
  it('fits 300 channels and credits a conversion of 40 distinct channels', () => {
    const rand = prng(42);
    const channels = Array.from({ length: 300 }, (_, i) => `channel ${String(i).padStart(3, '0')}`);
    const fit = fitMarkov(randomJourneys(rand, { channels, count: 5000, maxLength: 12, conversionRate: 0.2 }));
    expect(fit.channels).toHaveLength(300);
    expect(Number.isFinite(fit.p_conversion) && fit.p_conversion > 0).toBe(true);
    for (const c of fit.channels) expect(Number.isFinite(c.removal_effect)).toBe(true);
    const w = markov.weights(input(channels.slice(0, 40)), fit);
    expect(w.every(Number.isFinite)).toBe(true);
    expect(Math.abs(sum(w) - 1)).toBeLessThan(1e-12);
  });
});
