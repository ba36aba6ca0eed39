// Data-driven credit derived on read (edge/src/attribution/derived-credit.ts) against the models
// applied to the conversion's window directly (creditConversion, as the job credited before credit
// was derived): the same units to the unit, across stored parts, ties, repeats and missing fits.
import { describe, expect, it } from 'vitest';
import { decodeParts, encodeCredit, readParts, WEIGHT_UNITS } from '../../schemas/credit';
import { creditKey, type KeyTouch } from '../../edge/src/attribution/credit-key';
import { DERIVED_MODELS, STORED_MODELS, withDerivedCredit } from '../../edge/src/attribution/derived-credit';
import { creditConversion, findMilestones, REGISTRY, selectWindowTouches, type CreditConversion } from '../../edge/src/attribution/models';
import { pick, prng, randomJourneys } from '../unit/helpers/journeys';

const DAY = 86_400_000;
const T = Date.UTC(2025, 5, 1);
const SETTINGS = { window_days: 30, half_life_days: 7, custom_weights: {}, currency: 'USD' };
const CHANNELS = ['Paid Search', 'Organic Search', 'Email', 'Events', 'Direct', 'Referral'];

function randomTouches(rand: () => number, n: number): KeyTouch[] {
  return Array.from({ length: n }, (_, i) => {
    const channel = pick(rand, CHANNELS);
    // Whole days only, so touches tie in time and their order falls to the id.
    const at = T - Math.floor(rand() * 40) * DAY;
    const campaign = rand() < 0.5 ? `c${Math.floor(rand() * 3)}` : null;
    return {
      id: `t${Math.floor(rand() * 1e6).toString(36)}_${i}`,
      at,
      channel,
      touchType: 'web_visit',
      fields: { touch_type: 'web_visit', channel, source: null, medium: null, campaign, content: null, term: null },
    };
  });
}

function fitsFor(rand: () => number, stage: string): Map<string, Map<string, unknown>> {
  const journeys = randomJourneys(rand, { channels: CHANNELS, count: 60, maxLength: 5 }).map((j) => ({ ...j, stage }));
  return new Map([[stage, new Map(DERIVED_MODELS.map((m) => [m.name, m.fit!(journeys)]))]]);
}

describe('data-driven credit derived from stored credit', () => {
  it('stores only the models that need no fit, in registry order', () => {
    expect(STORED_MODELS.map((m) => m.name)).toEqual(REGISTRY.filter((m) => !m.fit).map((m) => m.name));
    expect(DERIVED_MODELS.map((m) => m.name)).toEqual(['markov', 'shapley']);
  });

  it('gives every derived model the units the model gives the window directly, over 300 random conversions', () => {
    const rand = prng(20261201);
    for (let round = 0; round < 300; round++) {
      const touches = randomTouches(rand, 1 + Math.floor(rand() * 25));
      const conversion: CreditConversion = { id: `cv${round}`, stage: 'lead', at: T, amountCents: Math.floor(rand() * 1e6) };
      const fits = round % 10 === 0 ? new Map() : fitsFor(rand, 'lead');
      const [stored] = creditKey('acme.test', [conversion], [conversion], touches, SETTINGS);
      // Small parts now and then: a conversion's units are split over all its parts' touches at once.
      const payload = decodeParts(readParts(stored.parts));
      const parts = round % 3 === 0 ? encodeCredit(payload, 200) : stored.parts;
      const derived = decodeParts(withDerivedCredit(readParts(parts), 'lead', fits));

      const window = selectWindowTouches(touches, conversion.at, SETTINGS.window_days);
      expect(derived.touches.map((t) => t.id)).toEqual(window.map((t) => t.id));
      expect(derived.models).toEqual([...STORED_MODELS, ...DERIVED_MODELS].map((m) => m.name));
      const ctx = { milestones: findMilestones(window, conversion, [conversion]), halfLifeDays: 7, customWeights: {} };
      for (const model of DERIVED_MODELS) {
        const m = derived.models.indexOf(model.name);
        const direct = creditConversion(model.name, window, conversion, ctx, fits.get('lead')?.get(model.name));
        expect(derived.touches.map((t) => t.units[m])).toEqual(direct.map((c) => c.units));
        if (window.length) expect(derived.touches.reduce((n, t) => n + t.units[m], 0)).toBe(WEIGHT_UNITS);
      }
      // The stored models' units are untouched.
      for (const m of STORED_MODELS.keys()) expect(derived.touches.map((t) => t.units[m])).toEqual(payload.touches.map((t) => t.units[m]));
    }
  });

  it('leaves a "(no touch)" conversion without touches, and never derives twice', () => {
    const conversion: CreditConversion = { id: 'none', stage: 'lead', at: T, amountCents: 100 };
    const [stored] = creditKey('acme.test', [conversion], [conversion], [], SETTINGS);
    const derived = withDerivedCredit(readParts(stored.parts), 'lead', new Map());
    expect(decodeParts(derived)).toEqual({ models: [...STORED_MODELS, ...DERIVED_MODELS].map((m) => m.name), touches: [] });
    expect(withDerivedCredit(derived, 'lead', new Map())).toEqual(derived);
  });
});
