// What markov and shapley share: their model type, channel-name order, the split of a conversion's
// channel shares over its touches, and a cache of each fit's parsed form.
import type { AttributionModel, CreditTouch, Journey } from './types';

/**
 * `name` narrowed to the model's own literal, so a data-driven model can exist before its name joins
 * ModelName (schemas/models.ts); once it has joined, this type is assignable to AttributionModel.
 */
export type DataDrivenModel<Name extends string> = Omit<AttributionModel, 'name'> & { readonly name: Name };

/** UTF-16 code unit order, not localeCompare: every runtime and locale sorts channels the same. */
export const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const distinctSorted = (names: Iterable<string>): string[] => [...new Set(names)].sort(compareNames);

/**
 * The journeys a fit learns from. An empty journey has no first transition and no channel set, so it
 * teaches neither model anything (journeys.ts never makes one); a fit is of one stage, so journeys of
 * several stages are the caller's bug, refused rather than blended.
 */
export function journeysToLearn(journeys: readonly Journey[]): Journey[] {
  const stage = journeys[0]?.stage;
  for (const j of journeys) {
    if (j.stage !== stage) throw new RangeError(`a fit is of one stage: got ${JSON.stringify(stage)} and ${JSON.stringify(j.stage)}`);
  }
  return journeys.filter((j) => j.channels.length > 0);
}

/**
 * Scores (finite, ≥ 0) as shares summing to 1. When every score is 0 the data says nothing about
 * these channels (no conversion, or channels the fit has never seen), so each gets an equal share:
 * the weights must still sum to 1, and equal is the only split that claims nothing.
 */
export function normaliseShares(scores: readonly number[]): number[] {
  let total = 0;
  for (const s of scores) {
    if (!(Number.isFinite(s) && s >= 0)) throw new RangeError(`channel scores must be finite and >= 0, got ${s}`);
    total += s;
  }
  return scores.map((s) => (total > 0 ? s / total : 1 / scores.length));
}

/**
 * Weights aligned with `touches`: `scoresOf` scores the conversion's distinct channels (sorted by
 * name), the scores become shares (normaliseShares), and a channel's share is split equally among
 * its touches. Both models credit channels, not touches: a first-order chain and a channel-set game
 * cannot tell two touches of one channel apart.
 */
export function weightsByChannel(touches: readonly CreditTouch[], scoresOf: (channels: readonly string[]) => readonly number[]): number[] {
  const counts = new Map<string, number>();
  for (const t of touches) counts.set(t.channel, (counts.get(t.channel) ?? 0) + 1);
  const channels = [...counts.keys()].sort(compareNames);
  const shares = normaliseShares(scoresOf(channels));
  const perTouch = new Map(channels.map((c, i) => [c, shares[i] / counts.get(c)!]));
  return touches.map((t) => perTouch.get(t.channel)!);
}

/**
 * Parses a fit once per fit object: the job hands the same (never mutated) fit to every conversion
 * it credits, and re-reading a fit of hundreds of channels per conversion would dominate the run.
 * Anything that is not an object (no fit yet) is parsed on every call; that parse is trivial.
 */
export function perFit<Parsed>(parse: (fit: unknown) => Parsed): (fit: unknown) => Parsed {
  const cache = new WeakMap<object, Parsed>();
  return (fit) => {
    if (typeof fit !== 'object' || fit === null) return parse(fit);
    let parsed = cache.get(fit);
    if (parsed === undefined) {
      parsed = parse(fit);
      cache.set(fit, parsed);
    }
    return parsed;
  };
}
