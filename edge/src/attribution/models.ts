// Attribution models of CONTRACT §7 as pure functions: window, milestones, weights and cents per touch.

export const MODELS = [
  'first_touch',
  'last_touch',
  'last_non_direct',
  'linear',
  'time_decay',
  'u_shaped',
  'w_shaped',
  'full_path',
  'custom',
] as const;
export type ModelName = (typeof MODELS)[number];

export interface CreditTouch {
  id: string;
  /** epoch ms */
  at: number;
  channel: string;
  touchType: string;
}

export interface CreditConversion {
  id: string;
  stage: string;
  /** epoch ms */
  at: number;
  opportunityId?: string | null;
  /** null or absent: the conversion carries no revenue, so every touch earns 0 cents. */
  amountCents?: number | null;
}

/** Indexes into the windowed, ordered touch array; an absent key is a milestone C does not have. */
export interface Milestones {
  ft?: number;
  lc?: number;
  oc?: number;
  cw?: number;
}

export interface ModelContext {
  milestones: Milestones;
  halfLifeDays: number;
  customWeights: Record<string, number>;
}

export interface TouchCredit {
  touchId: string;
  weight: number;
  revenueCents: number;
}

const DAY_MS = 86_400_000;

/** Time, then id by plain string comparison, so that equal timestamps order the same everywhere. */
export function compareTouches(a: CreditTouch, b: CreditTouch): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Generic so the job gets its own richer touch rows back. */
export function selectWindowTouches<T extends CreditTouch>(
  touches: readonly T[],
  conversionAt: number,
  windowDays: number,
): T[] {
  if (!(windowDays >= 0)) throw new RangeError(`windowDays must be >= 0, got ${windowDays}`);
  const start = conversionAt - windowDays * DAY_MS;
  return touches.filter((t) => t.at >= start && t.at <= conversionAt).sort(compareTouches);
}

function compareConversions(a: CreditConversion, b: CreditConversion): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function lastTouchAtOrBefore(touches: readonly CreditTouch[], time: number): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < touches.length && touches[i].at <= time; i++) found = i;
  return found;
}

/**
 * Milestones of C over its windowed touches. C itself counts among the account's conversions
 * even when the caller leaves it out, so an `opportunity` or `lead` conversion is its own
 * OC or LC. Where several conversions carry C's opportunity id, the earliest marks the
 * opportunity's creation; a matching conversion after T is ignored, as is every other
 * conversion after T.
 */
export function findMilestones(
  touches: readonly CreditTouch[],
  conversion: CreditConversion,
  accountConversions: readonly CreditConversion[],
): Milestones {
  const milestones: Milestones = {};
  if (touches.length === 0) return milestones;
  const t = conversion.at;
  milestones.ft = 0;

  const known = accountConversions.some((c) => c.id === conversion.id)
    ? accountConversions
    : [...accountConversions, conversion];
  const upToT = known.filter((c) => c.at <= t).sort(compareConversions);

  const firstLead = upToT.find((c) => c.stage === 'lead');
  if (firstLead) setIfFound(milestones, 'lc', lastTouchAtOrBefore(touches, firstLead.at));

  const opportunities = upToT.filter((c) => c.stage === 'opportunity');
  const ownId = conversion.opportunityId;
  const own = ownId ? opportunities.find((c) => c.opportunityId === ownId) : undefined;
  const opportunity = own ?? opportunities[opportunities.length - 1];
  if (opportunity) setIfFound(milestones, 'oc', lastTouchAtOrBefore(touches, opportunity.at));

  if (conversion.stage === 'closed_won') setIfFound(milestones, 'cw', lastTouchAtOrBefore(touches, t));
  return milestones;
}

function setIfFound(milestones: Milestones, key: keyof Milestones, index: number | undefined): void {
  if (index !== undefined) milestones[key] = index;
}

/**
 * Shares in tenths of a percent, so that their sums are exact integers before the one division
 * that turns them into weights.
 */
interface MilestoneShape {
  shares: Partial<Record<keyof Milestones, number>>;
  pool: number;
  poolEnd: keyof Milestones;
}
const W_SHAPED: MilestoneShape = { shares: { ft: 300, lc: 300, oc: 300 }, pool: 100, poolEnd: 'oc' };
const FULL_PATH: MilestoneShape = {
  shares: { ft: 225, lc: 225, oc: 225, cw: 225 },
  pool: 100,
  poolEnd: 'cw',
};

/**
 * Weights aligned with `touches` (windowed and ordered), summing to 1; [] for no touches.
 *
 * Milestone models (w_shaped, full_path): a missing milestone's share drops out and every
 * remaining share, the pool's included, is scaled by the same factor (w_shaped without OC:
 * FT 3/7, LC 3/7, pool 1/7). The pool runs from FT to the model's end milestone (OC, resp. CW)
 * inclusive, minus the touches holding any of the model's milestones. When the end milestone is
 * missing the pool runs to the last touch: the end milestone exists to keep touches that belong
 * to a later stage out of this conversion's credit, and when C has no such stage every touch up
 * to T led to C. FT defaults to the first touch, since it exists whenever a touch does.
 *
 * custom: a touch type absent from customWeights weighs 1 (own keys only, so a type named
 * `constructor` is not read off Object.prototype). When every touch weighs 0 the model falls back
 * to linear: the weights must still sum to 1, and an operator who zeroed every type present has
 * expressed no preference among these touches.
 */
export function modelWeights(
  model: ModelName,
  touches: readonly CreditTouch[],
  conversion: CreditConversion,
  ctx: ModelContext,
): number[] {
  const n = touches.length;
  if (n === 0) return [];
  switch (model) {
    case 'first_touch':
      return oneHot(n, 0);
    case 'last_touch':
      return oneHot(n, n - 1);
    case 'last_non_direct': {
      let i = n - 1;
      while (i >= 0 && touches[i].channel === 'Direct') i--;
      return oneHot(n, i < 0 ? n - 1 : i);
    }
    case 'linear':
      return linear(n);
    case 'time_decay':
      return timeDecay(touches, conversion.at, ctx.halfLifeDays);
    case 'u_shaped':
      if (n <= 2) return linear(n);
      return normalise(touches.map((_, i) => (i === 0 || i === n - 1 ? 400 : 200 / (n - 2))));
    case 'w_shaped':
      return milestoneWeights(n, ctx.milestones, W_SHAPED);
    case 'full_path':
      return milestoneWeights(n, ctx.milestones, FULL_PATH);
    case 'custom': {
      const raw = touches.map((t) => customWeight(ctx.customWeights, t.touchType));
      return raw.some((w) => w > 0) ? normalise(raw) : linear(n);
    }
    default: {
      // Model names arrive from stored settings and query strings, not only from typed code.
      const unknown: never = model;
      throw new RangeError(`unknown attribution model: ${String(unknown)}`);
    }
  }
}

function oneHot(n: number, index: number): number[] {
  const weights = new Array<number>(n).fill(0);
  weights[index] = 1;
  return weights;
}

function linear(n: number): number[] {
  return new Array<number>(n).fill(1 / n);
}

function normalise(raw: readonly number[]): number[] {
  let total = 0;
  for (const w of raw) total += w;
  return raw.map((w) => w / total);
}

/**
 * Measured from the newest touch rather than from T: the ratios are the same, and the newest
 * touch weighing 1 keeps long windows with short half-lives from underflowing every weight to 0.
 */
function timeDecay(touches: readonly CreditTouch[], conversionAt: number, halfLifeDays: number): number[] {
  if (!(halfLifeDays > 0)) throw new RangeError(`halfLifeDays must be > 0, got ${halfLifeDays}`);
  const deltas = touches.map((t) => (conversionAt - t.at) / DAY_MS);
  const nearest = deltas.reduce((a, b) => Math.min(a, b));
  return normalise(deltas.map((d) => 2 ** (-(d - nearest) / halfLifeDays)));
}

function customWeight(weights: Record<string, number>, touchType: string): number {
  if (!Object.hasOwn(weights, touchType)) return 1;
  const w = weights[touchType];
  if (!(Number.isFinite(w) && w >= 0)) {
    throw new RangeError(`custom weight for ${touchType} must be a finite number >= 0, got ${w}`);
  }
  return w;
}

function milestoneIndex(milestones: Milestones, key: keyof Milestones, n: number): number | undefined {
  const index = key === 'ft' ? (milestones.ft ?? 0) : milestones[key];
  if (index === undefined) return undefined;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`milestone ${key} = ${index} is not an index into ${n} touches`);
  }
  return index;
}

function milestoneWeights(n: number, milestones: Milestones, shape: MilestoneShape): number[] {
  const raw = new Array<number>(n).fill(0);
  const holders = new Set<number>();
  for (const [key, share] of Object.entries(shape.shares) as [keyof Milestones, number][]) {
    const index = milestoneIndex(milestones, key, n);
    if (index === undefined) continue;
    raw[index] += share;
    holders.add(index);
  }
  const start = milestoneIndex(milestones, 'ft', n) ?? 0;
  const end = milestoneIndex(milestones, shape.poolEnd, n) ?? n - 1;
  const pool: number[] = [];
  for (let i = start; i <= end; i++) if (!holders.has(i)) pool.push(i);
  const takers = pool.length > 0 ? pool : [...holders];
  for (const i of takers) raw[i] += shape.pool / takers.length;
  return normalise(raw);
}

/**
 * Splits whole cents by largest remainder, so the parts sum exactly to amountCents. Weights need
 * not be normalised. Remainders equal to within 1e-9 of a cent are ties, broken by lower index,
 * so that float noise between mathematically equal weights does not pick who gets a spare cent;
 * a zero weight never receives one.
 */
export function allocateCents(amountCents: number, weights: readonly number[]): number[] {
  if (!Number.isSafeInteger(amountCents) || amountCents < 0) {
    throw new RangeError(`amountCents must be a non-negative integer, got ${amountCents}`);
  }
  let total = 0;
  for (const w of weights) {
    if (!(Number.isFinite(w) && w >= 0)) throw new RangeError(`weights must be finite and >= 0, got ${w}`);
    total += w;
  }
  if (amountCents === 0) return weights.map(() => 0);
  if (!(total > 0)) throw new RangeError(`cannot allocate ${amountCents} cents over weights summing to 0`);

  const exact = weights.map((w) => amountCents * (w / total));
  const parts = exact.map(Math.floor);
  let left = amountCents - parts.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => ({ i, key: Math.round((x - parts[i]) * 1e9) }))
    .filter(({ i }) => weights[i] > 0)
    .sort((a, b) => b.key - a.key || a.i - b.i)
    .map(({ i }) => i);
  // Rounding error can leave more than one spare cent per part, or take one too many; cycle.
  for (let k = 0; left > 0; k++, left--) parts[order[k % order.length]]++;
  for (let k = order.length - 1; left < 0; k = (k - 1 + order.length) % order.length) {
    if (parts[order[k]] > 0) {
      parts[order[k]]--;
      left++;
    }
  }
  return parts;
}

/**
 * One row per window touch, in touch order, zero-credit touches included so the caller sees the
 * whole path. `closed_lost` is stored but never credited (§7): it returns [], and the job should
 * skip such conversions before loading their touches at all. A conversion without touches also
 * returns []; how to record "no touch" is the caller's concern.
 */
export function creditConversion(
  model: ModelName,
  windowTouches: readonly CreditTouch[],
  conversion: CreditConversion,
  ctx: ModelContext,
): TouchCredit[] {
  if (conversion.stage === 'closed_lost' || windowTouches.length === 0) return [];
  const weights = modelWeights(model, windowTouches, conversion, ctx);
  const cents = allocateCents(conversion.amountCents ?? 0, weights);
  return windowTouches.map((t, i) => ({ touchId: t.id, weight: weights[i], revenueCents: cents[i] }));
}
