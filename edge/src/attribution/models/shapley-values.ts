// Exact Shapley values of a game that is 0 outside its observed coalitions, without enumerating 2^n subsets.
import { distinctSorted } from './data-driven';

interface Coalition {
  /** Member ids, ascending. */
  readonly members: readonly number[];
  readonly v: number;
}

/** v(S) for the coalitions where it is not 0; every other coalition, ∅ included, is worth 0. */
export interface SparseGame {
  /** Player name → id; ids follow name order, so a game built from the same sets is the same game. */
  readonly ids: ReadonlyMap<string, number>;
  /** Coalitions by their smallest member id: a player set scans only coalitions that start inside it. */
  readonly byFirst: ReadonlyMap<number, readonly Coalition[]>;
  /** `members.join(',')` → v: ids are integers, so this key is unambiguous whatever the names hold. */
  readonly byKey: ReadonlyMap<string, number>;
}

/**
 * The game worth `v` on each listed set and 0 elsewhere. Sets worth 0 are left out, as they add
 * nothing to any Shapley value; the empty set is left out because v(∅) = 0 by definition.
 */
export function sparseGame(sets: Iterable<{ readonly channels: readonly string[]; readonly v: number }>): SparseGame {
  const listed = [...sets];
  const ids = new Map(distinctSorted(listed.flatMap((s) => s.channels)).map((name, i) => [name, i]));
  const byFirst = new Map<number, Coalition[]>();
  const byKey = new Map<string, number>();
  for (const { channels, v } of listed) {
    if (!Number.isFinite(v)) throw new RangeError(`v must be finite, got ${v}`);
    const members = [...new Set(channels.map((c) => ids.get(c)!))].sort((a, b) => a - b);
    if (v === 0 || members.length === 0) continue;
    const key = members.join(',');
    if (byKey.has(key)) throw new RangeError(`set listed twice: ${JSON.stringify(channels)}`);
    byKey.set(key, v);
    const first = byFirst.get(members[0]) ?? [];
    first.push({ members, v });
    byFirst.set(members[0], first);
  }
  // Summation order decides the last bits: fix it, so the same sets in any order give the same values.
  for (const list of byFirst.values()) list.sort((a, b) => compareIds(a.members, b.members));
  return { ids, byFirst, byKey };
}

function compareIds(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const WEIGHT_TABLES = new Map<number, Float64Array>();

/**
 * w(k) = k!(n−k−1)!⁄n! for k = 0…n−1, and w(n) = 0 (see shapleyValues). Built as a running product
 * w(k) = w(k−1)·k⁄(n−k) from w(0) = 1⁄n, never from factorials, so nothing overflows for any n (the
 * middle weights of a huge n underflow towards 0, which is what they are); mirrored by the symmetry
 * w(k) = w(n−1−k), so each entry is at most ~n⁄2 roundings (≲ 1e-13 relative for n ≤ 1000) from exact.
 */
function shapleyWeights(n: number): Float64Array {
  let w = WEIGHT_TABLES.get(n);
  if (w) return w;
  w = new Float64Array(n + 1);
  w[0] = 1 / n;
  for (let k = 1; k <= (n - 1) / 2; k++) w[k] = (w[k - 1] * k) / (n - k);
  for (let k = Math.ceil((n - 1) / 2); k < n; k++) w[k] = w[n - 1 - k];
  WEIGHT_TABLES.set(n, w);
  return w;
}

/**
 * φ(c) for each of `players` (distinct; aligned with it) in the game restricted to them:
 *   φ(c) = Σ over T ⊆ N∖{c} of w(|T|) · (v(T ∪ {c}) − v(T)),  w(k) = k!(n−k−1)!⁄n!, n = |N|.
 * Writing S = T ∪ {c} in the first sum and S = T in the second, both over subsets S of N:
 *   φ(c) = Σ_{S ⊆ N, c ∈ S} v(S)·w(|S|−1) − Σ_{S ⊆ N, c ∉ S} v(S)·w(|S|).
 * v is 0 off the observed coalitions, so only observed S ⊆ N contribute: we enumerate those, never
 * the 2^n subsets of N. With w(n) = 0 (S = N has no player outside it) and
 * base = Σ_S v(S)·w(|S|) subtracted from every player and added back to S's members,
 *   φ(c) = Σ_{S ∋ c} v(S)·(w(|S|−1) + w(|S|)) − base,
 * which costs Σ|S| over the contributing S. Those S are found by whichever is cheaper: looking up
 * every subset of N's players that appear in the game (when 2^k is smaller), or scanning the
 * coalitions whose smallest member is in N. Exact up to float64 rounding; players absent from the
 * game (never observed) are in N, count in n, and get −base.
 */
export function shapleyValues(players: readonly string[], game: SparseGame): number[] {
  const n = players.length;
  if (new Set(players).size !== n) throw new RangeError('players must be distinct');
  if (n === 0) return [];
  const w = shapleyWeights(n);
  const position = new Map<number, number>();
  players.forEach((p, i) => {
    const id = game.ids.get(p);
    if (id !== undefined) position.set(id, i);
  });
  const known = [...position.keys()].sort((a, b) => a - b);

  const credit = new Float64Array(n);
  let base = 0;
  const add = (members: readonly number[], v: number) => {
    const s = members.length;
    base += v * w[s];
    const share = v * (w[s - 1] + w[s]);
    for (const m of members) credit[position.get(m)!] += share;
  };

  let scan = 0;
  for (const id of known) scan += game.byFirst.get(id)?.length ?? 0;
  if (known.length < 31 && 2 ** known.length <= scan) {
    for (let mask = 1; mask < 2 ** known.length; mask++) {
      const members = known.filter((_, bit) => mask & (1 << bit));
      const v = game.byKey.get(members.join(','));
      if (v !== undefined) add(members, v);
    }
  } else {
    for (const id of known) {
      for (const c of game.byFirst.get(id) ?? []) if (c.members.every((m) => position.has(m))) add(c.members, c.v);
    }
  }
  return players.map((_, i) => credit[i] - base);
}
