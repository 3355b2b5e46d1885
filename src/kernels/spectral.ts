/**
 * Spectral kernels on batches of row-major matrices, in float64: the symmetric eigenvalue
 * problem by cyclic Jacobi rotations, the singular value decomposition by one-sided
 * (Hestenes) Jacobi, and Householder QR with LAPACK's sign convention. Each loops over the
 * batch itself; inputs are read through `Storage`, outputs are `Float64Array`s.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";

const EPS = 2.220446049250313e-16;

/**
 * Makes the entry of largest magnitude in column `j` of `x` (`rows×cols`) positive; returns
 * whether the column was negated.
 */
function fixSign(x: Storage, off: number, rows: number, cols: number, j: number): boolean {
  let best = 0, at = 0;
  for (let i = 0; i < rows; i++) {
    const v = Math.abs(x[off + i * cols + j]);
    if (v > best * (1 + 1e-12)) {
      best = v;
      at = i;
    }
  }
  if (!(x[off + at * cols + j] < 0)) return false;
  for (let i = 0; i < rows; i++) x[off + i * cols + j] *= -1;
  return true;
}

/**
 * Applies the rotation `(c, s)` to columns `p` and `q` of the row-major `rows×n` matrix `x`:
 * `x_p ← c·x_p − s·x_q`, `x_q ← s·x_p + c·x_q`.
 */
function rotateColumns(
  x: Float64Array,
  rows: number,
  n: number,
  p: number,
  q: number,
  c: number,
  s: number,
): void {
  for (let k = 0; k < rows; k++) {
    const xp = x[k * n + p], xq = x[k * n + q];
    x[k * n + p] = c * xp - s * xq;
    x[k * n + q] = s * xp + c * xq;
  }
}

/** Whether every entry of `a` is finite. */
export function allFinite(a: Storage): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/**
 * The largest `|a_ij − a_ji|` over each symmetric pair, relative to the largest `|a_ij|`, of
 * the worst matrix in the batch (0 for symmetric input, NaN when an entry is not finite).
 */
export function asymmetry(a: Storage, batch: number, n: number): number {
  let worst = 0;
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    let scale = 0, diff = 0;
    for (let i = 0; i < n * n; i++) {
      if (!Number.isFinite(a[o + i])) return NaN;
      scale = Math.max(scale, Math.abs(a[o + i]));
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        diff = Math.max(diff, Math.abs(a[o + i * n + j] - a[o + j * n + i]));
      }
    }
    if (diff > 0) worst = Math.max(worst, scale === 0 ? Infinity : diff / scale);
  }
  return worst;
}

/**
 * Eigenvalues and orthonormal eigenvectors of each symmetric matrix of `a` (`batch×n×n`; the
 * lower triangle is read), by cyclic Jacobi sweeps until the off-diagonal part is
 * negligible. `out` gets `batch×(n+1)×n`: the eigenvalues (ascending) in the first row, the
 * eigenvectors as the columns of the `n×n` block below. Each eigenvector's entry of largest
 * magnitude is made positive.
 */
export function symmetricEigen(a: Storage, batch: number, n: number, out: Storage): void {
  const m = new Float64Array(n * n);
  const order = new Array<number>(n);
  const vt = new Float64Array(n * n);
  for (let b = 0; b < batch; b++) {
    const o = b * n * n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) m[i * n + j] = m[j * n + i] = a[o + i * n + j];
    }
    vt.fill(0);
    for (let i = 0; i < n; i++) vt[i * n + i] = 1;
    let total = 0;
    for (let i = 0; i < n * n; i++) total += m[i] * m[i];
    for (let sweep = 0; sweep < 100; sweep++) {
      let off = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) off += m[i * n + j] ** 2;
      if (!(off > EPS * EPS * total * 1e-4)) break;
      for (let p = 0; p < n - 1; p++) {
        for (let q = p + 1; q < n; q++) {
          const apq = m[p * n + q];
          if (apq === 0) continue;
          // the rotation that zeroes a_pq: t = tan θ with cot 2θ = (a_qq − a_pp) / 2a_pq
          const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
          const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
          const c = 1 / Math.sqrt(t * t + 1), s = t * c;
          rotateColumns(m, n, n, p, q, c, s);
          for (let k = 0; k < n; k++) {
            const mpk = m[p * n + k], mqk = m[q * n + k];
            m[p * n + k] = c * mpk - s * mqk;
            m[q * n + k] = s * mpk + c * mqk;
          }
          rotateColumns(vt, n, n, p, q, c, s);
        }
      }
    }
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((x, y) => m[x * n + x] - m[y * n + y]);
    const ob = b * (n + 1) * n;
    for (let j = 0; j < n; j++) {
      const src = order[j];
      out[ob + j] = m[src * n + src];
      for (let i = 0; i < n; i++) out[ob + n + i * n + j] = vt[i * n + src];
      fixSign(out, ob + n, n, n, j);
    }
  }
}

/**
 * Completes the columns `from..k−1` of `u` (`rows×k`, the first `from` columns orthonormal)
 * to an orthonormal set, by Gram–Schmidt (twice) on the unit vectors.
 */
function complete(u: Storage, off: number, rows: number, k: number, from: number): void {
  const x = new Float64Array(rows);
  let e = 0;
  for (let j = from; j < k; j++) {
    for (; e < rows; e++) {
      x.fill(0);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < j; c++) {
          let d = 0;
          for (let i = 0; i < rows; i++) d += u[off + i * k + c] * x[i];
          for (let i = 0; i < rows; i++) x[i] -= d * u[off + i * k + c];
        }
      }
      let nrm = 0;
      for (let i = 0; i < rows; i++) nrm += x[i] * x[i];
      nrm = Math.sqrt(nrm);
      if (nrm > 1e-8) {
        for (let i = 0; i < rows; i++) u[off + i * k + j] = x[i] / nrm;
        e++;
        break;
      }
    }
  }
}

/**
 * The thin SVD `A = U·diag(S)·Vᵀ` of each `m×n` matrix of `a` with `m ≥ n`. `out` gets
 * `batch×(m+1+n)×n`: U (`m×n`), then S (one row, descending), then V (`n×n`). One-sided
 * Jacobi rotations make the columns of `A·V` orthogonal; their norms are the singular
 * values. Columns of U for zero singular values complete an orthonormal set. Each column of
 * V has its entry of largest magnitude positive.
 */
export function jacobiSvd(
  a: Storage,
  batch: number,
  m: number,
  n: number,
  out: Storage,
): void {
  const w = new Float64Array(m * n);
  const vv = new Float64Array(n * n);
  const norms = new Float64Array(n);
  const order = new Array<number>(n);
  for (let b = 0; b < batch; b++) {
    const ub = b * (m + 1 + n) * n, sb = ub + m * n, vb = sb + n;
    for (let i = 0; i < m * n; i++) w[i] = a[b * m * n + i];
    vv.fill(0);
    for (let i = 0; i < n; i++) vv[i * n + i] = 1;
    for (let sweep = 0; sweep < 100; sweep++) {
      let rotated = false;
      for (let p = 0; p < n - 1; p++) {
        for (let q = p + 1; q < n; q++) {
          let alpha = 0, beta = 0, gamma = 0;
          for (let i = 0; i < m; i++) {
            const x = w[i * n + p], y = w[i * n + q];
            alpha += x * x;
            beta += y * y;
            gamma += x * y;
          }
          if (gamma === 0 || Math.abs(gamma) <= EPS * Math.sqrt(alpha * beta)) continue;
          rotated = true;
          const zeta = (beta - alpha) / (2 * gamma);
          const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          const c = 1 / Math.sqrt(1 + t * t), sn = c * t;
          rotateColumns(w, m, n, p, q, c, sn);
          rotateColumns(vv, n, n, p, q, c, sn);
        }
      }
      if (!rotated) break;
    }
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let i = 0; i < m; i++) d += w[i * n + j] ** 2;
      norms[j] = Math.sqrt(d);
      order[j] = j;
    }
    order.sort((x, y) => norms[y] - norms[x]);
    const tiny = (norms[order[0]] || 0) * EPS * Math.max(m, n);
    let rank = 0;
    for (let j = 0; j < n; j++) {
      const src = order[j];
      const sj = norms[src];
      out[sb + j] = sj;
      for (let i = 0; i < n; i++) out[vb + i * n + j] = vv[i * n + src];
      if (sj > tiny && sj > 0) {
        rank = j + 1;
        for (let i = 0; i < m; i++) out[ub + i * n + j] = w[i * n + src] / sj;
      }
    }
    complete(out, ub, m, n, rank);
    for (let j = 0; j < n; j++) {
      // flip the pair (u_j, v_j) together so that v_j's largest entry is positive
      if (fixSign(out, vb, n, n, j)) { for (let i = 0; i < m; i++) out[ub + i * n + j] *= -1; }
    }
  }
}

/**
 * Householder QR of each `m×n` matrix of `a` with `m ≥ n` (LAPACK's `geqrf` reflectors, so
 * R's diagonal has the signs LAPACK gives). `out` gets `batch×(m+n)×n`: Q (`m×n`, orthonormal
 * columns) above R (`n×n`, upper triangular).
 */
export function householderQr(a: Storage, batch: number, m: number, n: number, out: Storage): void {
  const k = Math.min(m, n);
  const w = new Float64Array(m * n);
  const vs = new Float64Array(k * m);
  const taus = new Float64Array(k);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < m * n; i++) w[i] = a[b * m * n + i];
    vs.fill(0);
    for (let j = 0; j < k; j++) {
      const alpha = w[j * n + j];
      let xn = 0;
      for (let i = j + 1; i < m; i++) xn += w[i * n + j] ** 2;
      xn = Math.sqrt(xn);
      vs[j * m + j] = 1;
      if (xn === 0) {
        taus[j] = 0;
        continue;
      }
      const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xn);
      taus[j] = (beta - alpha) / beta;
      for (let i = j + 1; i < m; i++) vs[j * m + i] = w[i * n + j] / (alpha - beta);
      // apply H = I − τ v vᵀ to the columns j.. of w
      for (let c = j; c < n; c++) {
        let d = 0;
        for (let i = j; i < m; i++) d += vs[j * m + i] * w[i * n + c];
        d *= taus[j];
        for (let i = j; i < m; i++) w[i * n + c] -= d * vs[j * m + i];
      }
    }
    const qo = b * (m + n) * n, ro = qo + m * n;
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < n; c++) out[ro + i * n + c] = c >= i ? w[i * n + c] : 0;
    }
    // Q = H₀H₁⋯H_{k−1} applied to the first n columns of the identity
    for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) out[qo + i * n + c] = i === c ? 1 : 0;
    for (let j = k - 1; j >= 0; j--) {
      if (taus[j] === 0) continue;
      for (let c = 0; c < n; c++) {
        let d = 0;
        for (let i = j; i < m; i++) d += vs[j * m + i] * out[qo + i * n + c];
        d *= taus[j];
        for (let i = j; i < m; i++) out[qo + i * n + c] -= d * vs[j * m + i];
      }
    }
  }
}

/**
 * For each `m×k` matrix of `u` (`batch×m×k`, orthonormal columns, `k ≤ m`), `out` gets
 * `batch×m×(m−k)`: columns that complete them to an orthonormal basis.
 */
export function orthonormalComplement(
  u: Storage,
  batch: number,
  m: number,
  k: number,
  out: Storage,
) {
  const full = new Float64Array(m * m);
  const extra = m - k;
  for (let b = 0; b < batch; b++) {
    full.fill(0);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < k; c++) full[i * m + c] = u[b * m * k + i * k + c];
    }
    complete(full, 0, m, m, k);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < extra; c++) out[b * m * extra + i * extra + c] = full[i * m + k + c];
    }
  }
}
