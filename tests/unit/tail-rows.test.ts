// A key's stored non-converting journey brought up to date from its stored row and its touches since
// a mark (attribution/tail-rows.ts mergedTail), against computing it from the key's whole history,
// on random histories: touches added at or after the mark, channels changed there, ties in time.
import { describe, expect, it } from 'vitest';
import { coveredTail, mergedTail, tailRow } from '../../edge/src/attribution/tail-rows';
import { stageTimes } from '../../schemas/key-funnel';
import type { JourneyTouch } from '../../edge/src/attribution/models/journeys';
import { pick, prng } from './helpers/journeys';

const DAY = 86_400_000;
const WINDOW = 30 * DAY;
const CHANNELS = ['Direct', 'Email', 'Events', 'Paid Search'];

describe('a stored tail brought up to date since a mark', () => {
  it('equals the tail of the whole history whenever the stored row can serve', () => {
    const rand = prng(17);
    let merged = 0;
    for (let round = 0; round < 400; round++) {
      const at = () => Math.floor(rand() * 200) * DAY + (rand() < 0.3 ? 0 : Math.floor(rand() * 24) * 3_600_000);
      const before: JourneyTouch[] = Array.from({ length: 1 + Math.floor(rand() * 25) }, (_, i) => ({ id: `b${i}`, at: at(), channel: pick(rand, CHANNELS) }));
      const conversions = new Map(rand() < 0.5 ? [['lead', [at()].sort((a, b) => a - b)]] : []);
      const stored = tailRow('k', before, conversions, WINDOW)!;
      // The mark: touches at or after `since` change (some re-channelled) and new ones arrive there.
      const since = stored.latest - Math.floor(rand() * 40) * DAY;
      const after = [
        ...before.filter((t) => t.at >= since).map((t) => (rand() < 0.3 ? { ...t, channel: pick(rand, CHANNELS) } : t)),
        ...Array.from({ length: Math.floor(rand() * 5) }, (_, i) => ({ id: `a${i}`, at: since + Math.floor(rand() * 20) * DAY, channel: pick(rand, CHANNELS) })),
      ];
      const history = [...before.filter((t) => t.at < since), ...after];
      const newConversions = rand() < 0.3 ? new Map([['lead', [since + DAY]]]) : conversions;
      const row = mergedTail({ akey: 'k', since, marked_at: 1, latest: stored.latest, journey: stored.journey, ages: stored.ages }, after, newConversions, WINDOW);
      if (since < stored.latest - WINDOW) expect(row).toBeUndefined();
      else {
        merged++;
        expect(row).toEqual(tailRow('k', history, newConversions, WINDOW));
      }
    }
    expect(merged).toBeGreaterThan(100);
  });

  it('cannot serve without a stored row, and reads nothing when only conversions changed', () => {
    expect(mergedTail({ akey: 'k', since: 0, marked_at: 1, latest: null, journey: null, ages: null }, [], undefined, WINDOW)).toBeUndefined();
    const touches = [{ id: 'a', at: 10 * DAY, channel: 'Email' }, { id: 'b', at: 20 * DAY, channel: 'Direct' }];
    const stored = tailRow('k', touches, undefined, WINDOW)!;
    const lead = new Map([['lead', [15 * DAY]]]);
    expect(mergedTail({ since: Number.MAX_SAFE_INTEGER, marked_at: 1, ...stored }, [], lead, WINDOW)).toEqual(tailRow('k', touches, lead, WINDOW));
  });
});

describe('a tail from a credit chunk’s load', () => {
  it('is the whole history’s tail when the load holds the last window, and none when it may not', () => {
    const rand = prng(29);
    let covered = 0;
    for (let round = 0; round < 400; round++) {
      const history: JourneyTouch[] = Array.from({ length: Math.floor(rand() * 20) }, (_, i) => ({ id: `t${i}`, at: Math.floor(rand() * 200) * DAY, channel: pick(rand, CHANNELS) }));
      const conversions = stageTimes(Array.from({ length: Math.floor(rand() * 3) }, () => ({ stage: pick(rand, ['lead', 'opportunity']), at: Math.floor(rand() * 200) * DAY })));
      // What a chunk loads: from its first conversion's window (or its first touch's search) on, to the latest touch.
      const loadedFrom = Math.floor(rand() * 220) * DAY - 10 * DAY;
      const loaded = history.filter((t) => t.at >= loadedFrom);
      const row = coveredTail('k', loaded, loadedFrom, conversions, WINDOW);
      const latest = Math.max(...history.map((t) => t.at));
      if (loaded.length && latest - WINDOW >= loadedFrom) {
        covered++;
        expect(row).toEqual(tailRow('k', history, conversions, WINDOW));
      } else expect(row).toBeUndefined();
    }
    expect(covered).toBeGreaterThan(50);
  });

  it('groups a key’s conversions by stage, each stage’s times sorted', () => {
    expect(stageTimes([{ stage: 'lead', at: 3 }, { stage: 'sql', at: 2 }, { stage: 'lead', at: 1 }])).toEqual(new Map([['lead', [1, 3]], ['sql', [2]]]));
  });
});
