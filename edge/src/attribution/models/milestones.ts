// Milestones of a conversion (FT, LC, OC, CW) and the milestone-shaped weights of w_shaped and full_path.
import type { CreditConversion, CreditTouch, Milestones } from './types';
import { normalise } from './weights';

function compareConversions(a: CreditConversion, b: CreditConversion): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function lastTouchAtOrBefore(touches: readonly CreditTouch[], time: number): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < touches.length && touches[i].at <= time; i++) found = i;
  return found;
}

function setIfFound(milestones: Milestones, key: keyof Milestones, index: number | undefined): void {
  if (index !== undefined) milestones[key] = index;
}

/**
 * Milestones of C over its windowed touches: FT = first touch; LC = last touch at or before the key's
 * first `lead` at or before T; OC = last touch at or before the `opportunity` with C's opportunity id
 * (else the key's latest at or before T); CW = last touch at or before T when C is closed_won.
 * C itself counts among the key's conversions even when the caller leaves it out, so an `opportunity`
 * or `lead` conversion is its own OC or LC. Where several conversions carry C's opportunity id, the
 * earliest marks the opportunity's creation; every conversion after T is ignored.
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

  const known = accountConversions.some((c) => c.id === conversion.id) ? accountConversions : [...accountConversions, conversion];
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

/**
 * Shares in tenths of a percent, so that their sums are exact integers before the one division
 * that turns them into weights.
 */
export interface MilestoneShape {
  shares: Partial<Record<keyof Milestones, number>>;
  pool: number;
  poolEnd: keyof Milestones;
}

function milestoneIndex(milestones: Milestones, key: keyof Milestones, n: number): number | undefined {
  const index = key === 'ft' ? (milestones.ft ?? 0) : milestones[key];
  if (index === undefined) return undefined;
  if (!Number.isInteger(index) || index < 0 || index >= n) {
    throw new RangeError(`milestone ${key} = ${index} is not an index into ${n} touches`);
  }
  return index;
}

/**
 * A missing milestone's share drops out and every remaining share, the pool's included, is scaled
 * by the same factor (w_shaped without OC: FT 3/7, LC 3/7, pool 1/7). The pool runs from FT to the
 * shape's end milestone inclusive, minus the touches holding any milestone. When the end milestone
 * is missing the pool runs to the last touch: the end milestone exists to keep touches that belong
 * to a later stage out of this conversion's credit, and when C has no such stage every touch up to
 * T led to C. Where no touch is left for the pool, it is split equally among the milestone touches.
 */
export function milestoneWeights(n: number, milestones: Milestones, shape: MilestoneShape): number[] {
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
