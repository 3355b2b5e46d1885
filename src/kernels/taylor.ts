/**
 * Plain-loop kernels for Taylor-mode recurrences on normalized coefficients, used when no
 * outer transform watches the series (the Tensor-operation forms in `src/taylor/` are the
 * differentiable reference). Series are `[K, N]` row-major: row `k − 1` holds `x_k` for all
 * N elements. Every kernel computes in float64.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";

/**
 * `y = f(x)` with `y' = (a + b·y + c·y²)·x'` (exp, tanh, sigmoid, tan, reciprocal, …):
 * `y_k = (1/k) Σ_{j=1..k} j x_j p_{k−j}` with `p` the series of `a + b y + c y²`.
 */
export function riccatiKernel(
  y0: Storage,
  xs: Storage,
  k: number,
  n: number,
  a: number,
  b: number,
  c: number,
): Float64Array {
  const out = new Float64Array(k * n);
  const y = new Float64Array(k + 1);
  const p = new Float64Array(k + 1);
  const xw = new Float64Array(k + 1);
  for (let e = 0; e < n; e++) {
    const v = y0[e];
    y[0] = v;
    p[0] = a + b * v + c * v * v;
    for (let j = 1; j <= k; j++) xw[j] = j * xs[(j - 1) * n + e];
    for (let m = 1; m <= k; m++) {
      let acc = 0;
      for (let j = 1; j <= m; j++) acc += xw[j] * p[m - j];
      const ym = acc / m;
      y[m] = ym;
      out[(m - 1) * n + e] = ym;
      if (m === k) break;
      let conv = 0;
      if (c !== 0) { for (let i = 0; i <= m; i++) conv += y[i] * y[m - i]; }
      p[m] = b * ym + c * conv;
    }
  }
  return out;
}

/**
 * `s = sin x, c = cos x` together (`sigma = −1`) or `sinh, cosh` (`sigma = 1`):
 * `s' = c x'`, `c' = σ s x'`. Returns the series of `s` (or of `c` when `wantCos`).
 */
export function pairKernel(
  s0: Storage,
  c0: Storage,
  xs: Storage,
  k: number,
  n: number,
  sigma: number,
  wantCos: boolean,
): Float64Array {
  const out = new Float64Array(k * n);
  const s = new Float64Array(k + 1);
  const c = new Float64Array(k + 1);
  const xw = new Float64Array(k + 1);
  for (let e = 0; e < n; e++) {
    s[0] = s0[e];
    c[0] = c0[e];
    for (let j = 1; j <= k; j++) xw[j] = j * xs[(j - 1) * n + e];
    for (let m = 1; m <= k; m++) {
      let as = 0, ac = 0;
      for (let j = 1; j <= m; j++) {
        as += xw[j] * c[m - j];
        ac += xw[j] * s[m - j];
      }
      s[m] = as / m;
      c[m] = (sigma * ac) / m;
      out[(m - 1) * n + e] = wantCos ? c[m] : s[m];
    }
  }
  return out;
}

/** `y = x^p` for a number `p`: `x_0 k y_k = Σ_{j=1..k} ((p + 1) j − k) x_j y_{k−j}`. */
export function powerKernel(
  x0: Storage,
  y0: Storage,
  xs: Storage,
  k: number,
  n: number,
  p: number,
): Float64Array {
  const out = new Float64Array(k * n);
  const y = new Float64Array(k + 1);
  for (let e = 0; e < n; e++) {
    y[0] = y0[e];
    const x = x0[e];
    for (let m = 1; m <= k; m++) {
      let acc = 0;
      for (let j = 1; j <= m; j++) acc += ((p + 1) * j - m) * xs[(j - 1) * n + e] * y[m - j];
      y[m] = acc / (m * x);
      out[(m - 1) * n + e] = y[m];
    }
  }
  return out;
}

/**
 * The truncated Cauchy product of two full series `[R, N]` (row 0 the value):
 * `c_m = Σ_{j=0..m} a_j b_{m−j}` for `m = from..R−1`, as `[R − from, N]`.
 */
export function cauchyKernel(
  a: Storage,
  b: Storage,
  r: number,
  n: number,
  from: number,
): Float64Array {
  const out = new Float64Array((r - from) * n);
  for (let m = from; m < r; m++) {
    const o = (m - from) * n;
    for (let j = 0; j <= m; j++) {
      const ao = j * n, bo = (m - j) * n;
      for (let e = 0; e < n; e++) out[o + e] += a[ao + e] * b[bo + e];
    }
  }
  return out;
}

/**
 * The collapsed second-order series of an elementwise `y = f(x)` from `s` (`[D + 1, N]`:
 * D directions, then the summed second order) and `f'`, `f''` per element:
 * `y_d = f' x_d`, `Δy = f' Δx + f'' Σ_d x_d²`.
 */
export function lapUnaryKernel(
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
): Float64Array {
  const out = new Float64Array((d + 1) * n);
  const sq = new Float64Array(n);
  for (let r = 0; r < d; r++) {
    const o = r * n;
    for (let e = 0; e < n; e++) {
      const v = s[o + e];
      out[o + e] = v * d1[e];
      sq[e] += v * v;
    }
  }
  const o = d * n;
  for (let e = 0; e < n; e++) out[o + e] = s[o + e] * d1[e] + sq[e] * d2[e];
  return out;
}

/**
 * The VJP of {@linkcode lapUnaryKernel}: given the output's gradient `g` (`[d + 1, n]`),
 * the gradients of the series `s` (`[d + 1, n]`) and of the derivatives `d1` and `d2` (`[n]`)
 * at the point, each computed only when `needs` asks for it (else null).
 */
export function lapUnaryVjpKernel(
  g: Storage,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  needs: readonly boolean[],
): [Float64Array | null, Float64Array | null, Float64Array | null] {
  const gs = needs[0] ? new Float64Array((d + 1) * n) : null;
  const g1 = needs[1] ? new Float64Array(n) : null;
  const g2 = needs[2] ? new Float64Array(n) : null;
  const o = d * n;
  // row by row (contiguous): b = 2 f'' g_last, Σ_d g_d s_d and Σ_d s_d² per element
  const b = new Float64Array(n), gsum = new Float64Array(n), sq = new Float64Array(n);
  for (let e = 0; e < n; e++) b[e] = 2 * d2[e] * g[o + e];
  for (let r = 0; r < d; r++) {
    const q = r * n;
    if (gs !== null) {
      for (let e = 0; e < n; e++) {
        const v = s[q + e], w = g[q + e];
        gs[q + e] = d1[e] * w + b[e] * v;
        gsum[e] += w * v;
        sq[e] += v * v;
      }
    } else {
      for (let e = 0; e < n; e++) {
        const v = s[q + e];
        gsum[e] += g[q + e] * v;
        sq[e] += v * v;
      }
    }
  }
  for (let e = 0; e < n; e++) {
    const gl = g[o + e];
    if (gs !== null) gs[o + e] = d1[e] * gl;
    if (g1 !== null) g1[e] = gsum[e] + gl * s[o + e];
    if (g2 !== null) g2[e] = gl * sq[e];
  }
  return [gs, g1, g2];
}
