/**
 * Dense linear-algebra kernels on batches of square matrices, in float64: LU factorization
 * with partial pivoting (for inverses, determinants and solves) and Cholesky factorization.
 * Each works on one `n×n` matrix at `offset` of a row-major batch.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";

/**
 * Factors `a` (copied into `lu`, n×n) in place as `P·A = L·U`; `perm[i]` is the source row of
 * row `i`. Returns the sign of the permutation, or 0 when a pivot is exactly zero (singular).
 */
export function luFactor(
  a: Storage,
  offset: number,
  n: number,
  lu: Float64Array,
  perm: Int32Array,
): number {
  for (let i = 0; i < n * n; i++) lu[i] = a[offset + i];
  for (let i = 0; i < n; i++) perm[i] = i;
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    if (best === 0 || !Number.isFinite(best)) return best === 0 ? 0 : NaN;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j];
        lu[k * n + j] = lu[p * n + j];
        lu[p * n + j] = t;
      }
      const t = perm[k];
      perm[k] = perm[p];
      perm[p] = t;
      sign = -sign;
    }
    const pivot = lu[k * n + k];
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k] /= pivot);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j] -= f * lu[k * n + j];
    }
  }
  return sign;
}

/**
 * Solves `A·X = B` given the LU factors of `A`; `b` holds `m` right-hand columns (n×m,
 * row-major at `bOffset`), the solution goes to `out` at `outOffset`.
 */
export function luSolve(
  lu: Float64Array,
  perm: Int32Array,
  n: number,
  b: Storage,
  bOffset: number,
  m: number,
  out: Storage,
  outOffset: number,
): void {
  const y = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) y[i * m + j] = b[bOffset + perm[i] * m + j];
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = lu[i * n + k];
      if (f !== 0) { for (let j = 0; j < m; j++) y[i * m + j] -= f * y[k * m + j]; }
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = lu[i * n + k];
      if (f !== 0) { for (let j = 0; j < m; j++) y[i * m + j] -= f * y[k * m + j]; }
    }
    const d = lu[i * n + i];
    for (let j = 0; j < m; j++) y[i * m + j] /= d;
  }
  for (let i = 0; i < n * m; i++) out[outOffset + i] = y[i];
}

/**
 * The lower Cholesky factor `L` of a symmetric positive-definite `A` (only its lower triangle
 * is read), written to `out` with zeros above the diagonal. Returns the index of the first
 * non-positive pivot, or -1 on success.
 */
export function choleskyFactor(a: Storage, offset: number, n: number, out: Storage): number {
  for (let i = 0; i < n * n; i++) out[offset + i] = 0;
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j];
    for (let k = 0; k < j; k++) {
      const v = out[offset + j * n + k];
      d -= v * v;
    }
    if (!(d > 0)) return j;
    const ljj = Math.sqrt(d);
    out[offset + j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[offset + i * n + j];
      for (let k = 0; k < j; k++) s -= out[offset + i * n + k] * out[offset + j * n + k];
      out[offset + i * n + j] = s / ljj;
    }
  }
  return -1;
}
