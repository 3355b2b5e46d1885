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
 * is read), written to `out` with zeros above the diagonal; computed in float64 whatever
 * `out`'s type. Returns the index of the first non-positive pivot, or -1 on success.
 */
export function choleskyFactor(a: Storage, offset: number, n: number, out: Storage): number {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[offset + j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) return j;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[offset + i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  for (let i = 0; i < n * n; i++) out[offset + i] = l[i];
  return -1;
}

/**
 * Solves `M·X = B` for a triangular `M`: `T` (n×n at `tOffset`) when `trans` is false, `Tᵀ`
 * otherwise; `lower` says which triangle of `T` holds it (the other is not read). `b` holds
 * `m` right-hand columns; the solution goes to `out`. Returns false when a diagonal entry is
 * zero (then `out` is left unwritten).
 */
export function triangularSolve(
  t: Storage,
  tOffset: number,
  n: number,
  lower: boolean,
  trans: boolean,
  b: Storage,
  bOffset: number,
  m: number,
  out: Storage,
  outOffset: number,
): boolean {
  for (let i = 0; i < n; i++) if (t[tOffset + i * n + i] === 0) return false;
  const y = new Float64Array(n * m);
  for (let i = 0; i < n * m; i++) y[i] = b[bOffset + i];
  // M[i][k] = trans ? T[k][i] : T[i][k]; M is lower triangular when lower !== trans
  const rowStride = trans ? 1 : n;
  const colStride = trans ? n : 1;
  const forward = lower !== trans;
  for (let s = 0; s < n; s++) {
    const i = forward ? s : n - 1 - s;
    const from = forward ? 0 : i + 1;
    const to = forward ? i : n;
    for (let k = from; k < to; k++) {
      const f = t[tOffset + i * rowStride + k * colStride];
      if (f !== 0) { for (let j = 0; j < m; j++) y[i * m + j] -= f * y[k * m + j]; }
    }
    const d = t[tOffset + i * n + i];
    for (let j = 0; j < m; j++) y[i * m + j] /= d;
  }
  for (let i = 0; i < n * m; i++) out[outOffset + i] = y[i];
  return true;
}

/**
 * Per n×n matrix of a batch of `count` (row-major, one after another), from one LU
 * factorization each: the determinant (`"det"`), `log |det|` (`"logabsdet"`, −∞ when
 * singular) or the determinant's sign (`"sign"`); NaN when an entry is not finite. An empty
 * matrix (n = 0) has determinant 1.
 */
export function determinantKernel(
  kind: "det" | "logabsdet" | "sign",
  a: Storage,
  count: number,
  n: number,
  out: Storage,
): void {
  if (n === 0) {
    out.fill(kind === "logabsdet" ? 0 : 1);
    return;
  }
  const lu = new Float64Array(n * n);
  const perm = new Int32Array(n);
  for (let k = 0; k < count; k++) {
    const sign = luFactor(a, k * n * n, n, lu, perm);
    if (Number.isNaN(sign)) {
      out[k] = NaN;
      continue;
    }
    if (kind === "logabsdet") {
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.log(Math.abs(lu[i * n + i]));
      out[k] = sign === 0 ? -Infinity : s;
    } else if (kind === "det") {
      let d = sign;
      for (let i = 0; i < n && d !== 0; i++) d *= lu[i * n + i];
      out[k] = d;
    } else {
      // a completed factorization's diagonal is its pivots, each checked finite and non-zero
      let s = sign;
      for (let i = 0; i < n && s !== 0; i++) if (lu[i * n + i] < 0) s = -s;
      out[k] = s;
    }
  }
}

/**
 * Solves `A·X = B` (or `Aᵀ·X = B` when `adjoint`) for each of `count` n×n matrices `A` (one
 * after another in `a`) and n×m right-hand sides (in `b`), into `out`. Returns `null`, or
 * the first matrix whose factorization fails and whether it failed for a non-finite entry
 * rather than a zero pivot.
 */
export function solveKernel(
  a: Storage,
  count: number,
  n: number,
  adjoint: boolean,
  b: Storage,
  m: number,
  out: Storage,
): { readonly batch: number; readonly notFinite: boolean } | null {
  const lu = new Float64Array(n * n);
  const perm = new Int32Array(n);
  const at = adjoint ? new Float64Array(n * n) : null;
  for (let k = 0; k < count; k++) {
    let src = a;
    let off = k * n * n;
    if (at !== null) {
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) at[i * n + j] = a[off + j * n + i];
      src = at;
      off = 0;
    }
    const sign = luFactor(src, off, n, lu, perm);
    if (sign === 0 || Number.isNaN(sign)) return { batch: k, notFinite: sign !== 0 };
    luSolve(lu, perm, n, b, k * n * m, m, out, k * n * m);
  }
  return null;
}

/**
 * Whether `‖A‖·‖B‖ ≤ max` (Frobenius norms) for each pair of the `count` n×n matrices in `a`
 * and `b`: with `B = A⁻ᵀ`, whether every matrix's condition number is at most `max`.
 */
export function conditionAtMost(
  a: Storage,
  b: Storage,
  count: number,
  n: number,
  max: number,
): boolean {
  for (let k = 0; k < count; k++) {
    let na = 0, nb = 0;
    for (let i = k * n * n; i < (k + 1) * n * n; i++) {
      na += a[i] ** 2;
      nb += b[i] ** 2;
    }
    if (!(Math.sqrt(na * nb) <= max)) return false;
  }
  return true;
}
