// shapley: Shapley values of the site's conversion-rate game over each conversion's own channels (docs/attribution.md).
import { compareNames, distinctSorted, journeysToLearn, normaliseShares, perFit, weightsByChannel, type DataDrivenModel } from './data-driven';
import { shapleyValues, sparseGame, type SparseGame } from './shapley-values';
import type { Journey } from './types';

/** How many of the most frequent channel sets the explanation lists. */
export const TOP_SETS = 50;

export interface ShapleySet {
  /** Distinct channels, sorted by name (UTF-16 code units). */
  channels: string[];
  journeys: number;
  conversions: number;
  /** conversions ⁄ journeys: v(S). */
  rate: number;
}

export interface ShapleyChannel {
  channel: string;
  /** Σ over converting journeys of the channel's share in that journey (so Σ value = converting journeys). */
  value: number;
}

/** JSON-serialisable. `channels` and `sets` are the `shapley` explanation of GET /v1/models; `game` is what `weights` reads. */
export interface ShapleyFit {
  /** Every channel of the journeys, sorted by name. */
  channels: ShapleyChannel[];
  /** The TOP_SETS most frequent sets: most journeys first, ties by channel list in name order. */
  sets: ShapleySet[];
  /**
   * v(S) of every observed set with v(S) > 0, as [indices into `channels`, ascending; v(S)], in that
   * index order. Observed sets with no conversion are left out: v = 0 there, as on unobserved sets,
   * and such a set adds nothing to any φ. Indices, not joined names, because a channel name may hold
   * any character, so no separator is safe.
   */
  game: [number[], number][];
}

function compareNameLists(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = compareNames(a[i], b[i]);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/**
 * Shares of a conversion's distinct channels (sorted): max(φ(c), 0) ⁄ Σ max(φ, 0), equal shares when
 * that sum is 0 (normaliseShares). A channel on no converting journey is in no set with v > 0, so
 * φ(c) = −Σ v(S)·w(|S|) ≤ 0 and it gets 0 — unless every channel of N gets 0, when all share equally.
 */
export function shapleyShares(channels: readonly string[], game: SparseGame): number[] {
  return normaliseShares(shapleyValues(channels, game).map((phi) => Math.max(phi, 0)));
}

/** Fits the conversion-rate game: v(S) = converting ⁄ all journeys whose set of distinct channels is exactly S. */
export function fitShapley(journeys: readonly Journey[]): ShapleyFit {
  const bySet = new Map<string, ShapleySet>();
  for (const j of journeysToLearn(journeys)) {
    const channels = distinctSorted(j.channels);
    // JSON of the sorted list: an unambiguous key whatever characters channel names hold.
    const key = JSON.stringify(channels);
    const set = bySet.get(key) ?? { channels, journeys: 0, conversions: 0, rate: 0 };
    const count = j.count ?? 1;
    set.journeys += count;
    if (j.converted) set.conversions += count;
    bySet.set(key, set);
  }
  // Name order throughout, so shuffled journeys give the same fit bit for bit.
  const observed = [...bySet.values()].sort((a, b) => compareNameLists(a.channels, b.channels));
  for (const s of observed) s.rate = s.conversions / s.journeys;
  const names = distinctSorted(observed.flatMap((s) => s.channels));
  const index = new Map(names.map((c, i) => [c, i]));
  const converting = observed.filter((s) => s.conversions > 0);
  const game = sparseGame(converting.map((s) => ({ channels: s.channels, v: s.rate })));

  // Every converting journey with set S gets the same shares, so sum them per set.
  const value = new Float64Array(names.length);
  for (const s of converting) {
    const shares = shapleyShares(s.channels, game);
    s.channels.forEach((c, i) => (value[index.get(c)!] += s.conversions * shares[i]));
  }
  const frequent = [...observed].sort((a, b) => b.journeys - a.journeys || compareNameLists(a.channels, b.channels));
  return {
    channels: names.map((channel, i) => ({ channel, value: value[i] })),
    sets: frequent.slice(0, TOP_SETS),
    game: converting.map((s) => [s.channels.map((c) => index.get(c)!), s.rate]),
  };
}

interface ParsedShapley {
  game: SparseGame;
  /** Raw scores max(φ, 0) by the conversion's channel list: conversions share channel sets often. */
  scores: Map<string, number[]>;
}

/** The fit's game; no fit (undefined or null) is the game worth 0 everywhere, so every channel shares equally. */
const parsedFit = perFit((fit: unknown): ParsedShapley => {
  if (fit === undefined || fit === null) return { game: sparseGame([]), scores: new Map() };
  const { channels, game } = fit as Partial<ShapleyFit>;
  if (!Array.isArray(channels) || !Array.isArray(game)) throw new TypeError('shapley fit: expected { channels: [...], game: [...] }');
  const names = channels.map((c) => {
    if (typeof c?.channel !== 'string') throw new TypeError('shapley fit: channel without a name');
    return c.channel;
  });
  const sets = game.map((entry) => {
    const [members, v] = Array.isArray(entry) ? entry : [];
    if (!Array.isArray(members) || typeof v !== 'number' || !members.every((i) => Number.isInteger(i) && i >= 0 && i < names.length)) {
      throw new TypeError('shapley fit: game entries are [channel indices, v]');
    }
    return { channels: members.map((i) => names[i]), v };
  });
  return { game: sparseGame(sets), scores: new Map() };
});

/**
 * Channel c of a conversion whose distinct channels are N gets max(φ(c), 0) ⁄ Σ max(φ, 0) over N,
 * φ the Shapley value of the fitted game restricted to N; equal shares per distinct channel when that
 * sum is 0; a channel's share is split equally among its touches in c (data-driven.ts).
 */
export const shapley: DataDrivenModel<'shapley'> = {
  name: 'shapley',
  fit: fitShapley,
  weights: ({ touches }, fit) => {
    const { game, scores } = parsedFit(fit);
    return weightsByChannel(touches, (channels) => {
      const key = JSON.stringify(channels);
      let raw = scores.get(key);
      if (!raw) {
        raw = shapleyValues(channels, game).map((phi) => Math.max(phi, 0));
        scores.set(key, raw);
      }
      return raw;
    });
  },
};
