// The funnel's record of one key (table key_funnel, migration 0012): what GET /v1/funnel needs of the
// key's conversions, kept by the job, built and read here. Stage names are [a-z_]{1,40}.
//
// The funnel asks two things of a key (CONTRACT §10): its first conversion of the first stage F (t0),
// and, for each other stage X, its earliest conversion of X at or after t0. Since F can be any stage,
// t0 is always one of the key's per-stage first times; so for each stage X it is enough to keep, for
// every stage's first time q, the earliest time of X at or after q. That is at most one time per
// stage for each stage, however many conversions the key has, and a stage's first time is always
// among them (q = that stage's own first time) and, the list being sorted, its first element.

/** stage → sorted distinct times (epoch ms): each stage's first time first. */
export type KeyFunnelRecord = Record<string, number[]>;

/** Some conversions' times by stage, each stage's sorted (a key's conversions, for its funnel record and its stored journey). */
export function stageTimes(conversions: Iterable<{ stage: string; at: number }>): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const c of conversions) {
    const list = times.get(c.stage);
    if (list) list.push(c.at);
    else times.set(c.stage, [c.at]);
  }
  for (const list of times.values()) list.sort((a, b) => a - b);
  return times;
}

/** The record of a key's conversions, as the JSON text stored (stages in name order); null when it has none. */
export function keyFunnelRecord(conversions: readonly { stage: string; at: number }[]): string | null {
  if (!conversions.length) return null;
  const times = stageTimes(conversions);
  const firsts = [...times.values()].map((list) => list[0]);
  const record: KeyFunnelRecord = {};
  for (const stage of [...times.keys()].sort()) {
    const list = times.get(stage)!;
    const kept = new Set<number>();
    for (const q of firsts) {
      const at = earliestFrom(list, q);
      if (at !== undefined) kept.add(at);
    }
    record[stage] = [...kept].sort((a, b) => a - b);
  }
  return JSON.stringify(record);
}

/** The earliest time in a sorted list at or after `from`. */
export function earliestFrom(sorted: readonly number[] | undefined, from: number): number | undefined {
  if (!sorted) return undefined;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length ? sorted[lo] : undefined;
}

/**
 * A key's funnel times for a first stage: that stage's first time (t0), and the earliest time of
 * each other stage at or after t0; undefined when the key has no conversion of the first stage.
 */
export function funnelTimes(record: KeyFunnelRecord, firstStage: string): Record<string, number> | undefined {
  const t0 = record[firstStage]?.[0];
  if (t0 === undefined) return undefined;
  const at: Record<string, number> = {};
  for (const [stage, list] of Object.entries(record)) {
    const found = stage === firstStage ? t0 : earliestFrom(list, t0);
    if (found !== undefined) at[stage] = found;
  }
  return at;
}

/** The JSON path of a stage's first time in a stored record (a bound parameter, never spliced). */
export const firstTimePath = (stage: string): string => `$."${stage}"[0]`;
