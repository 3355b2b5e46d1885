/**
 * Matrix products. The 2-D kernel computes `C = A · B` for row-major `A` (m×k) and `B` (k×n)
 * given at offsets into their storage, accumulating in float64.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";

/**
 * `out[outOff + i*n + j] = Σ_p A[i, p] · B[p, j]`, where `A[i, p]` is `a[aOff + i*k + p]`
 * (or `a[aOff + p*m + i]` when `transA`) and `B[p, j]` is `b[bOff + p*n + j]`
 * (or `b[bOff + j*k + p]` when `transB`).
 */
export function matmul2d(
  a: Storage,
  aOff: number,
  b: Storage,
  bOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): void {
  const acc = new Float64Array(n);
  const sAi = transA ? 1 : k; // stride of A along i
  const sAp = transA ? m : 1; // stride of A along p
  if (!transB) {
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      const ai = aOff + i * sAi;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * sAp];
        const bp = bOff + p * n;
        for (let j = 0; j < n; j++) acc[j] += av * b[bp + j];
      }
      const o = outOff + i * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j];
    }
    return;
  }
  // B transposed: each output element is a dot product of two contiguous rows.
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * sAi;
    const o = outOff + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p * sAp] * b[bj + p];
      out[o + j] = s;
    }
  }
}
