// Journeys of a stage for the data-driven fits (docs/attribution.md): hand-made keys at the 365-day and window edges.
import { describe, expect, it } from 'vitest';
import { FIT_LOOKBACK_MS, journeySpans, keyJourneys, tailSpan, type JourneyConversion, type JourneyTouch, type KeyHistory } from '../../edge/src/attribution/models/journeys';
import { selectWindowTouches } from '../../edge/src/attribution/models';
import { fitMarkov } from '../../edge/src/attribution/models/markov';
import { fitShapley } from '../../edge/src/attribution/models/shapley';
import { counted, pick, prng, randomJourneys } from './helpers/journeys';
import { decodeJourney, encodeJourney } from '../../schemas/credit';

const DAY = 86_400_000;
const F = Date.UTC(2025, 5, 1, 12);
const opts = { stage: 'lead', windowDays: 30, fittedAt: F };

const touch = (id: string, at: number, channel = id): JourneyTouch => ({ id, at, channel });
const conversion = (id: string, at: number, stage = 'lead'): JourneyConversion => ({ id, at, stage });
const key = (touches: JourneyTouch[], conversions: JourneyConversion[] = []): KeyHistory => ({ touches, conversions });
const paths = (k: KeyHistory, o = opts) => keyJourneys(k, o).map((j) => `${j.channels.join('>')} ${j.converted ? 'converts' : 'does not'}`);

describe('converting journeys', () => {
  it('give the channels of each conversion’s window touches, in time then id order', () => {
    const T = F - 10 * DAY;
    const k = key([touch('c', T - DAY, 'Email'), touch('b', T - 2 * DAY, 'Direct'), touch('a', T - DAY, 'Paid Search')], [conversion('x', T)]);
    expect(keyJourneys(k, opts)).toEqual([{ stage: 'lead', channels: ['Direct', 'Paid Search', 'Email'], converted: true }]);
  });

  it('window bounds are inclusive: T − window_days and T itself are in, a millisecond outside is not', () => {
    const T = F - 100 * DAY;
    const k = key([touch('early', T - 30 * DAY - 1), touch('edge', T - 30 * DAY), touch('at', T), touch('late', T + 1)], [conversion('x', T)]);
    expect(paths(k)[0]).toBe('edge>at converts');
  });

  it('F − 365 d ≤ T ≤ F, both inclusive', () => {
    const oldest = F - FIT_LOOKBACK_MS;
    // A window of 0 days: each conversion's journey is the one touch at its instant.
    const k = key(
      [touch('a', oldest - 1), touch('b', oldest), touch('c', F), touch('d', F + 1)],
      [conversion('too-old', oldest - 1), conversion('oldest', oldest), conversion('now', F), conversion('future', F + 1)],
    );
    expect(paths(k, { ...opts, windowDays: 0 })).toEqual(['b converts', 'c converts']);
  });

  it('only conversions of the stage; a conversion without window touches gives no journey', () => {
    const k = key([touch('a', F - 50 * DAY)], [conversion('opp', F - 49 * DAY, 'opportunity'), conversion('lead', F - 49 * DAY), conversion('bare', F - DAY)]);
    expect(paths(k)).toEqual(['a converts']);
  });

  it('takes exactly the touches selectWindowTouches gives every model', () => {
    const rand = prng(3);
    for (let round = 0; round < 50; round++) {
      const touches = Array.from({ length: 30 }, (_, i) => touch(`t${Math.floor(rand() * 10)}${i}`, F - Math.floor(rand() * 60) * DAY * 0.5, pick(rand, ['A', 'B', 'C'])));
      const conversions = Array.from({ length: 3 }, (_, i) => conversion(`c${i}`, F - Math.floor(rand() * 60) * DAY * 0.5));
      const windowDays = pick(rand, [0, 1, 7, 14]);
      const got = keyJourneys(key(touches, conversions), { ...opts, windowDays }).filter((j) => j.converted);
      const expected = [...conversions]
        .sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1))
        .map((c) => selectWindowTouches(touches.map((t) => ({ ...t, touchType: 'web_visit' })), c.at, windowDays).map((t) => t.channel))
        .filter((channels) => channels.length > 0);
      expect(got.map((j) => j.channels)).toEqual(expected);
    }
  });
});

describe('the non-converting journey', () => {
  it('a key without conversions: its touches within window_days before its latest touch, both ends inclusive', () => {
    const last = F - 5 * DAY;
    const k = key([touch('out', last - 30 * DAY - 1), touch('edge', last - 30 * DAY), touch('mid', last - DAY), touch('last', last)]);
    expect(paths(k)).toEqual(['edge>mid>last does not']);
  });

  it('only touches strictly after the latest stage conversion (a touch at its instant has converted)', () => {
    const T = F - 20 * DAY;
    const k = key(
      [touch('before', T - DAY), touch('at', T), touch('after', T + 1), touch('later', T + DAY)],
      [conversion('first', T - 2 * DAY), conversion('latest', T), conversion('other-stage', T + 2 * DAY, 'opportunity')],
    );
    // `first` has no touch in its window; `latest` has `before` and `at`.
    expect(paths(k)).toEqual(['before>at converts', 'after>later does not']);
  });

  it('none when no touch follows the latest conversion', () => {
    const T = F - 20 * DAY;
    expect(paths(key([touch('a', T - DAY), touch('b', T)], [conversion('x', T)]))).toEqual(['a>b converts']);
  });

  it('when the latest such touch is at or after F − 365 d, and not a millisecond before', () => {
    const oldest = F - FIT_LOOKBACK_MS;
    expect(paths(key([touch('a', oldest - DAY), touch('b', oldest)]))).toEqual(['a>b does not']);
    expect(paths(key([touch('a', oldest - DAY), touch('b', oldest - 1)]))).toEqual([]);
  });

  it('a conversion older than 365 days still ends what came before it', () => {
    const old = F - 400 * DAY;
    expect(paths(key([touch('a', old - DAY), touch('b', F - DAY)], [conversion('x', old)]))).toEqual(['b does not']);
  });

  it('no touches, no journeys', () => {
    expect(keyJourneys(key([], [conversion('x', F - DAY)]), opts)).toEqual([]);
  });
});

describe('options', () => {
  it('refuses closed_lost and a negative window', () => {
    expect(() => keyJourneys(key([]), { ...opts, stage: 'closed_lost' })).toThrow(RangeError);
    expect(() => keyJourneys(key([]), { ...opts, windowDays: -1 })).toThrow(RangeError);
  });

  it('a window of 0 days keeps only touches at the same instant', () => {
    const T = F - DAY;
    expect(paths(key([touch('a', T - 1), touch('b', T), touch('c', T + 5)], [conversion('x', T)]), { ...opts, windowDays: 0 })).toEqual(['b converts', 'c does not']);
  });
});

describe('keys fed one at a time into a fit', () => {
  it('six keys make the docs/attribution.md example: P = 0.5', () => {
    const T = F - 10 * DAY;
    const keyOf = (path: string, converts: boolean) =>
      key(
        path.split('>').map((c, i) => touch(`${path}${i}`, T - (5 - i) * DAY, c)),
        converts ? [conversion(`${path}-won`, T)] : [],
      );
    const keys = [keyOf('A>B>C', true), keyOf('A>C', true), keyOf('A>C', false), keyOf('B', false), keyOf('C', true), keyOf('C', false)];
    const journeys = keys.flatMap((k) => keyJourneys(k, opts));
    expect(journeys.map((j) => `${j.channels.join('>')} ${j.converted}`)).toEqual(['A>B>C true', 'A>C true', 'A>C false', 'B false', 'C true', 'C false']);
    expect(fitMarkov(journeys).p_conversion).toBeCloseTo(0.5, 12);
  });
});

describe('counted journeys', () => {
  it('given once with their count, fit exactly as the same journeys listed one by one, for both models', () => {
    for (let seed = 200; seed < 210; seed++) {
      const rand = prng(seed);
      // Few channels and short paths, so that journeys repeat.
      const journeys = randomJourneys(rand, { channels: ['Direct', 'Email', 'Paid Search', 'Events'], count: 300, maxLength: 3 });
      const grouped = counted(journeys);
      expect(grouped.length).toBeLessThan(journeys.length);
      for (const fit of [fitMarkov, fitShapley]) expect(JSON.stringify(fit(grouped))).toBe(JSON.stringify(fit(journeys)));
    }
  });
});

describe('the non-converting journey over a key’s last window only (what a fit loads)', () => {
  it('is the same span of the same touches as over the whole history, on random keys', () => {
    const rand = prng(5);
    const windowMs = 30 * DAY;
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(rand() * 40);
      // Whole days over ~500 days: ties, touches before F − 365 d, and keys last touched before it.
      const times = Array.from({ length: n }, () => F - Math.floor(rand() * 500) * DAY).sort((a, b) => a - b);
      const conversions = Array.from({ length: Math.floor(rand() * 3) }, () => F - Math.floor(rand() * 500) * DAY).sort((a, b) => a - b);
      const whole: [number, number][] = [];
      tailSpan(times, conversions, windowMs, F, (start, end) => whole.push([start, end]));
      // The touches from (latest − window) on: each span shifts by what was left off before it.
      const skip = times.findIndex((t) => t >= times[n - 1] - windowMs);
      const last: [number, number][] = [];
      tailSpan(times.slice(skip), conversions, windowMs, F, (start, end) => last.push([start + skip, end + skip]));
      expect(last).toEqual(whole);
      // And journeySpans' non-converting span is the same one.
      const spans: [number, number][] = [];
      journeySpans(times, conversions, windowMs, F, (start, end, converted) => !converted && spans.push([start, end]));
      expect(spans).toEqual(whole);
    }
  });
});

describe('a journey as credit stores it (encodeJourney)', () => {
  it('reads back exactly, whatever characters channel names hold', () => {
    const names = ['Direct', 'a,b', '"quoted"', '[0]', '', 'Événements', '😀 emoji', 'x\u0000y'];
    const rand = prng(9);
    for (let round = 0; round < 200; round++) {
      const channels = Array.from({ length: Math.floor(rand() * 20) }, () => pick(rand, names));
      expect(decodeJourney(encodeJourney(channels))).toEqual(channels);
    }
  });

  it('gives equal sequences equal strings, and lists each name once (a long name repeated stays short)', () => {
    expect(encodeJourney(['B', 'A', 'B'])).toBe(encodeJourney(['B', 'A', 'B']));
    expect(encodeJourney(['B', 'A', 'B'])).not.toBe(encodeJourney(['A', 'B', 'A']));
    const long = 'Y'.repeat(1000);
    expect(encodeJourney(Array(2200).fill(long)).length).toBeLessThan(1000 + 2 * 2200 + 20);
  });
});
