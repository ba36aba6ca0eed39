// markov: removal effects of a first-order Markov chain over the site's journeys (docs/attribution.md), solved exactly.
import { distinctSorted, journeysToLearn, perFit, weightsByChannel, type DataDrivenModel } from './data-driven';
import { factorLU, solveLU } from './lu';
import type { Journey } from './types';

export interface MarkovChannel {
  channel: string;
  /** RE(c) = 1 − P₋c ⁄ P, in [0, 1]. */
  removal_effect: number;
  /** RE(c) ⁄ Σ RE over every channel (0 for all when Σ RE = 0). */
  share: number;
}

/** JSON-serialisable, and exactly the `markov` explanation of GET /v1/models. */
export interface MarkovFit {
  /** P: the probability that a walk from (start) ends in (conversion). */
  p_conversion: number;
  /** Every channel of the journeys, sorted by name (UTF-16 code units). */
  channels: MarkovChannel[];
}

/** Transitions counted per state. State 0 is (start); state i ≥ 1 is channel names[i − 1]. */
interface Counts {
  names: string[];
  /** (names.length + 1)², row-major: counts between transient states. */
  between: Float64Array;
  toConversion: Float64Array;
  toNull: Float64Array;
}

function countTransitions(journeys: readonly Journey[]): Counts {
  // Sorted before any matrix is built, so the same journeys give the same matrix, hence the same bits.
  // Collected without one array of every journey's channels: at 1M touches that is millions of entries.
  const seen = new Set<string>();
  for (const j of journeys) for (const c of j.channels) seen.add(c);
  const names = distinctSorted(seen);
  const state = new Map(names.map((c, i) => [c, i + 1]));
  const n = names.length + 1;
  const between = new Float64Array(n * n);
  const toConversion = new Float64Array(n);
  const toNull = new Float64Array(n);
  for (const j of journeys) {
    const count = j.count ?? 1;
    let from = 0;
    for (const c of j.channels) {
      const to = state.get(c)!;
      between[from * n + to] += count;
      from = to;
    }
    (j.converted ? toConversion : toNull)[from] += count;
  }
  return { names, between, toConversion, toNull };
}

/**
 * The absorbing chain's system: A = I − Q over the transient states and r = each state's probability
 * of stepping into (conversion), so that x = A⁻¹ r is each state's probability of ending there.
 * Every state has an outgoing transition ((start) begins each journey, and each channel occurrence
 * is followed by a channel or an end), so every state reaches an end and A is invertible.
 */
function absorbingSystem({ names, between, toConversion, toNull }: Counts): { a: Float64Array; r: Float64Array } {
  const n = names.length + 1;
  const a = new Float64Array(n * n);
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let total = toConversion[i] + toNull[i];
    for (let j = 0; j < n; j++) total += between[i * n + j];
    for (let j = 0; j < n; j++) a[i * n + j] = i === j ? (total - between[i * n + j]) / total : -between[i * n + j] / total;
    r[i] = toConversion[i] / total;
  }
  return { a, r };
}

/**
 * Fits the chain and every channel's removal effect.
 *
 * P solves A x = r (Gaussian elimination with partial pivoting in float64, lu.ts): x[start] = P.
 * Removing c sends every transition into c to (null), so P₋c is the probability of converting
 * without ever visiting c. By the strong Markov property P = P₋c + h(c)·x[c], with h(c) the
 * probability that a walk from (start) visits c; and with G = A⁻¹ (expected visits),
 * G[start][c] = h(c)·G[c][c]. Hence, exactly,
 *   RE(c) = 1 − P₋c ⁄ P = G[start][c] · x[c] ⁄ (G[c][c] · P),
 * from one factorisation and one solve per channel (column c of G): O(m³) for m channels instead of
 * the O(m⁴) of re-solving a removed chain per channel, and free of the cancellation in 1 − P₋c ⁄ P.
 * The tests check it against the removed chains iterated to convergence.
 */
export function fitMarkov(journeys: readonly Journey[]): MarkovFit {
  const learnt = journeysToLearn(journeys);
  if (learnt.length === 0) return { p_conversion: 0, channels: [] };
  const counts = countTransitions(learnt);
  const { a, r } = absorbingSystem(counts);
  const n = counts.names.length + 1;
  const lu = factorLU(a, n);
  const x = solveLU(lu, r);
  // A probability: rounding must not carry it past its bounds.
  const p = Math.min(1, Math.max(0, x[0]));

  const effects = counts.names.map((_, i) => {
    // P = 0 (no journey converts): nothing is lost by removing any channel, so every RE is 0.
    if (p === 0) return 0;
    const c = i + 1;
    const unit = new Float64Array(n);
    unit[c] = 1;
    const column = solveLU(lu, unit);
    const effect = (column[0] * x[c]) / (column[c] * p);
    return Math.min(1, Math.max(0, effect));
  });
  let total = 0;
  for (const e of effects) total += e;
  return {
    p_conversion: p,
    channels: counts.names.map((channel, i) => ({ channel, removal_effect: effects[i], share: total > 0 ? effects[i] / total : 0 })),
  };
}

/** A fit's removal effects by channel; no fit (undefined or null) reads as no channel known. */
const removalEffects = perFit((fit: unknown): ReadonlyMap<string, number> => {
  if (fit === undefined || fit === null) return new Map();
  const channels = (fit as Partial<MarkovFit>).channels;
  if (!Array.isArray(channels)) throw new TypeError('markov fit: expected { p_conversion, channels: [...] }');
  const effects = new Map<string, number>();
  for (const c of channels as unknown[]) {
    const { channel, removal_effect } = (c ?? {}) as Partial<MarkovChannel>;
    if (typeof channel !== 'string' || typeof removal_effect !== 'number') throw new TypeError('markov fit: channel without a name or removal_effect');
    effects.set(channel, removal_effect);
  }
  return effects;
});

/**
 * Channel c of a conversion gets RE(c) ⁄ Σ RE over the conversion's distinct channels, split equally
 * among its touches in c. A channel the fit has not seen (it appeared after the fit) has RE 0; when
 * that sum is 0 (no fit, channels the fit lacks, or P = 0) each distinct channel gets an equal share,
 * split equally among its touches (data-driven.ts).
 */
export const markov: DataDrivenModel<'markov'> = {
  name: 'markov',
  fit: fitMarkov,
  weights: ({ touches }, fit) => {
    const effects = removalEffects(fit);
    return weightsByChannel(touches, (channels) => channels.map((c) => effects.get(c) ?? 0));
  },
};
