/**
 * Plain-loop kernels for Taylor-mode recurrences on normalized coefficients, used when no
 * outer transform watches the series (the Tensor-operation forms in `src/taylor/` are the
 * differentiable reference). Series are `[K, N]` row-major: row `k − 1` holds `x_k` for all
 * N elements. Every kernel computes in float64.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { lapLastWasm, lapStepWasm, lapVjpWasm, type Riccati } from "./lap.ts";

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
 * `f'` and `f''` of a Riccati function (`f' = a + b y + c y²`, `f'' = (b + 2 c y) f'`) from its
 * values `y`, for the collapsed second order.
 */
export function riccatiDerivsKernel(
  y: Storage,
  a: number,
  b: number,
  c: number,
): [Float64Array, Float64Array] {
  const n = y.length;
  const d1 = new Float64Array(n), d2 = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const v = y[e];
    const p = a + (b + c * v) * v;
    d1[e] = p;
    d2[e] = (b + 2 * c * v) * p;
  }
  return [d1, d2];
}

/**
 * The gradient of `y` through `f'` and `f''` of a Riccati function, given theirs (`g1`, `g2`):
 * `g1 q + g2 (2 c f' + q²)` with `q = b + 2 c y = df'/dy`.
 */
export function riccatiChainKernel(
  y: Storage,
  g1: Storage,
  g2: Storage,
  a: number,
  b: number,
  c: number,
): Float64Array {
  const n = y.length;
  const gy = new Float64Array(n);
  for (let e = 0; e < n; e++) {
    const v = y[e];
    const q = b + 2 * c * v, p = a + (b + c * v) * v;
    gy[e] = g1[e] * q + g2[e] * (2 * c * p + q * q);
  }
  return gy;
}

/** Scratch for the per-element sums of the collapsed kernels (grown on demand, never shared). */
let scratch = new Float64Array(1024);
function sums(count: number, m: number): Float64Array {
  if (scratch.length < count * m) {
    scratch = new Float64Array(Math.max(count * m, 2 * scratch.length));
  }
  const t = scratch.subarray(0, count * m);
  t.fill(0);
  return t;
}

/**
 * The collapsed second-order series of an elementwise `y = f(x)` from `s` (D directions,
 * then the summed second order) and `f'`, `f''` per element (`n` of them):
 * `y_d = f' x_d`, `Δy = f' Δx + f'' Σ_d x_d²`. Each row of `s` holds `m` elements, repeated
 * `n / m` times (a series shared along leading dims; `m = n` for a full one); the result is
 * `[D + 1, n]`. Float64 steps run in WebAssembly SIMD (`lap.ts`) where they can. With `abc`
 * (a Riccati function's coefficients), `d1` holds the values `y` and `f'`, `f''` follow from
 * them (`riccatiDerivsKernel`; `d2` is not read).
 */
export function lapUnaryKernel(
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number = n,
  abc?: Riccati,
): Float64Array {
  return wasmOrLoops(lapStepWasm, lapUnaryLoops, s, d1, d2, d, n, m, abc);
}

/** @ignore {@linkcode lapUnaryKernel} in JavaScript loops (exported for its tests). */
export function lapUnaryLoops(
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number,
): Float64Array {
  const out = new Float64Array((d + 1) * n);
  if (m === n) {
    // one pass over each row: the direction row and the sums of squares together
    const sq = sums(1, m);
    for (let r = 0; r < d; r++) {
      const o = r * n;
      for (let e = 0; e < n; e++) {
        const v = s[o + e];
        out[o + e] = v * d1[e];
        sq[e] += v * v;
      }
    }
    summedRow(out, d * n, s, d1, d2, sq, d, n, m);
    return out;
  }
  for (let r = 0; r < d; r++) {
    const o = r * m, q = r * n;
    for (let p = 0; p < n; p += m) {
      for (let e = 0; e < m; e++) out[q + p + e] = s[o + e] * d1[p + e];
    }
  }
  summedRow(out, d * n, s, d1, d2, squares(s, d, m), d, n, m);
  return out;
}

/**
 * The last row alone of {@linkcode lapUnaryKernel}'s step (`[n]`: `f' Δx + f'' Σ_d x_d²`),
 * with the same bits, for a consumer that never reads the direction rows (`abc` as there).
 */
export function lapLastKernel(
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number = n,
  abc?: Riccati,
): Float64Array {
  return wasmOrLoops(lapLastWasm, lapLastLoops, s, d1, d2, d, n, m, abc);
}

/** @ignore {@linkcode lapLastKernel} in JavaScript loops (exported for its tests). */
export function lapLastLoops(
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number,
): Float64Array {
  const out = new Float64Array(n);
  summedRow(out, 0, s, d1, d2, squares(s, d, m), d, n, m);
  return out;
}

/**
 * A collapsed step run by its WebAssembly form where that is used, else by its loops (for
 * a Riccati `abc`, on `f'`, `f''` derived from the values in `d1`).
 */
function wasmOrLoops(
  wasm: typeof lapStepWasm | typeof lapLastWasm,
  loops: typeof lapUnaryLoops | typeof lapLastLoops,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number,
  abc?: Riccati,
): Float64Array {
  const fast = wasm(s, d1, d2, d, n, m, abc);
  if (fast !== null) return fast;
  const [e1, e2] = abc === undefined ? [d1, d2] : riccatiDerivsKernel(d1, ...abc);
  return loops(s, e1, e2, d, n, m);
}

/** `Σ_{r<d} s_r²` per stored element of a series of `m` elements a row (in the scratch). */
function squares(s: Storage, d: number, m: number): Float64Array {
  const sq = sums(1, m);
  for (let r = 0; r < d; r++) {
    const o = r * m;
    for (let e = 0; e < m; e++) sq[e] += s[o + e] * s[o + e];
  }
  return sq;
}

/**
 * Writes the summed row `s_d f' + sq f''` (`n` elements, the series' `m` repeated) into `out`
 * from index `at`.
 */
function summedRow(
  out: Float64Array,
  at: number,
  s: Storage,
  d1: Storage,
  d2: Storage,
  sq: Float64Array,
  d: number,
  n: number,
  m: number,
): void {
  const o = d * m;
  for (let p = 0; p < n; p += m) {
    for (let e = 0; e < m; e++) out[at + p + e] = s[o + e] * d1[p + e] + sq[e] * d2[p + e];
  }
}

/**
 * The VJP of {@linkcode lapUnaryKernel}: given the output's gradient `g` (`[d + 1, n]`),
 * the gradients of the series `s` (`[d + 1, m]`, summed over the repeats) and of the
 * derivatives `d1` and `d2` (`[n]`) at the point, each computed only when `needs` asks for
 * it (else null). Float64 in WebAssembly SIMD (`lap.ts`) where it can.
 */
export function lapUnaryVjpKernel(
  g: Storage,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  needs: readonly boolean[],
  m: number = n,
): Grads {
  const fast = lapVjpWasm(g, s, d1, d2, d, n, m);
  if (fast !== null) return [0, 1, 2].map((i) => (needs[i] ? fast[i] : null)) as Grads;
  return lapUnaryVjpLoops(g, s, d1, d2, d, n, needs, m);
}

/** @ignore {@linkcode lapUnaryVjpKernel} in JavaScript loops (exported for its tests). */
export function lapUnaryVjpLoops(
  g: Storage,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  needs: readonly boolean[],
  m: number,
): Grads {
  const gs = needs[0] ? new Float64Array((d + 1) * m) : null;
  const g1 = needs[1] ? new Float64Array(n) : null;
  const g2 = needs[2] ? new Float64Array(n) : null;
  if (m === n) fullVjp(g, s, d1, d2, d, n, gs, g1, g2);
  else sharedVjp(g, s, d1, d2, d, n, m, gs, g1, g2);
  return [gs, g1, g2];
}

type Out = Float64Array | null;
type Grads = [Out, Out, Out];

/** {@linkcode lapUnaryVjpKernel} for a full series: one pass per row. */
function fullVjp(
  g: Storage,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  gs: Out,
  g1: Out,
  g2: Out,
): void {
  const o = d * n;
  // row by row (contiguous): b = 2 f'' g_last, Σ_d g_d s_d and Σ_d s_d² per element
  const t = sums(3, n), b = t.subarray(0, n), gsum = t.subarray(n, 2 * n), sq = t.subarray(2 * n);
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
}

/** {@linkcode lapUnaryVjpKernel} for a series of `m` elements per row shared `n / m` times. */
function sharedVjp(
  g: Storage,
  s: Storage,
  d1: Storage,
  d2: Storage,
  d: number,
  n: number,
  m: number,
  gs: Out,
  g1: Out,
  g2: Out,
): void {
  const gl = d * n;
  // per stored element: b = Σ_p 2 f'' g_last (over the repeats p) and Σ_d s_d²
  const bq = sums(2, m), b = bq.subarray(0, m), sq = bq.subarray(m);
  for (let p = 0; p < n; p += m) {
    for (let e = 0; e < m; e++) b[e] += 2 * d2[p + e] * g[gl + p + e];
  }
  for (let r = 0; r <= d; r++) {
    const o = r * m, q = r * n;
    // gs_r = Σ_p f' g_r (+ b s_r below for r < d);  g1 = Σ_r g_r s_r (the last row: g_last Δs)
    for (let p = 0; p < n; p += m) {
      if (gs !== null && g1 !== null) {
        for (let e = 0; e < m; e++) {
          const w = g[q + p + e];
          gs[o + e] += d1[p + e] * w;
          g1[p + e] += w * s[o + e];
        }
      } else if (gs !== null) {
        for (let e = 0; e < m; e++) gs[o + e] += d1[p + e] * g[q + p + e];
      } else if (g1 !== null) {
        for (let e = 0; e < m; e++) g1[p + e] += g[q + p + e] * s[o + e];
      }
    }
    if (r === d) break;
    for (let e = 0; e < m; e++) {
      const v = s[o + e];
      if (gs !== null) gs[o + e] += b[e] * v;
      sq[e] += v * v;
    }
  }
  if (g2 !== null) {
    for (let p = 0; p < n; p += m) {
      for (let e = 0; e < m; e++) g2[p + e] = g[gl + p + e] * sq[e];
    }
  }
}
