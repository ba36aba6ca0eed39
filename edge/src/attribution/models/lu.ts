// Dense float64 linear solves, for the Markov chain's absorbing system: LU with partial pivoting.

/** A square matrix factorised in place as PA = LU (L unit lower, U upper); row i of LU is row perm[i] of A. */
export interface LU {
  readonly n: number;
  readonly lu: Float64Array;
  readonly perm: Int32Array;
}

/**
 * Factorises the n×n row-major matrix `a`, overwriting it. Partial pivoting keeps the elimination
 * stable; skipping zero multipliers keeps it cheap on the sparse matrices journeys make (most
 * channels lead to few others). Deterministic: the same matrix gives the same bits.
 */
export function factorLU(a: Float64Array, n: number): LU {
  if (a.length !== n * n) throw new RangeError(`expected ${n * n} entries, got ${a.length}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let k = 0; k < n; k++) {
    let p = k;
    let max = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > max) {
        max = v;
        p = i;
      }
    }
    if (max === 0) throw new RangeError(`singular matrix (column ${k})`);
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
    }
    const pivot = a[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k] / pivot;
      a[i * n + k] = f;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return { n, lu: a, perm };
}

/** x with A x = b, for the A that `factorLU` factorised. */
export function solveLU({ n, lu, perm }: LU, b: ArrayLike<number>): Float64Array {
  if (b.length !== n) throw new RangeError(`expected ${n} entries, got ${b.length}`);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[perm[i]];
    for (let j = 0; j < i; j++) s -= lu[i * n + j] * x[j];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let j = i + 1; j < n; j++) s -= lu[i * n + j] * x[j];
    x[i] = s / lu[i * n + i];
  }
  return x;
}
