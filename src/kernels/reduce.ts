/**
 * Reductions over dimensions, accumulated in float64 whatever the storage type.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { outRows, parallelRows, ROW_COUNT, rowsOf } from "./parallel.ts";
import { registerKernels } from "./registry.ts";
import { columnSums } from "./rows.ts";

/** Associative reductions. */
export type ReduceOp = "sum" | "prod" | "max" | "min";

function identity(op: ReduceOp): number {
  switch (op) {
    case "sum":
      return 0;
    case "prod":
      return 1;
    case "max":
      return -Infinity;
    case "min":
      return Infinity;
  }
}

/**
 * Reduces `x` viewed as `[outer, n, inner]` over the middle axis into `acc[outer * inner]`;
 * with `transient`, the result may be a view of the kernels' memory, to be read before the
 * next kernel runs.
 */
function reduceMiddle(
  op: ReduceOp,
  x: ArrayLike<number>,
  outer: number,
  n: number,
  inner: number,
  transient: boolean,
): Float64Array {
  if (op === "sum" && inner > 1) {
    const sums = columnSums(x, outer, n, inner); // WebAssembly SIMD, same order, same bits
    if (sums !== null) return transient ? sums : sums.slice();
  }
  const acc = new Float64Array(outer * inner).fill(identity(op));
  if (inner === 1) {
    // the reduced axis is the last one: one scalar accumulator per row, contiguous reads
    for (let o = 0; o < outer; o++) {
      const src = o * n;
      let a = identity(op);
      switch (op) {
        case "sum":
          for (let k = 0; k < n; k++) a += x[src + k];
          break;
        case "prod":
          for (let k = 0; k < n; k++) a *= x[src + k];
          break;
        case "max":
          for (let k = 0; k < n; k++) {
            const v = x[src + k];
            if (v > a || v !== v) a = v;
          }
          break;
        case "min":
          for (let k = 0; k < n; k++) {
            const v = x[src + k];
            if (v < a || v !== v) a = v;
          }
          break;
      }
      acc[o] = a;
    }
    return acc;
  }
  for (let o = 0; o < outer; o++) {
    const base = o * inner;
    for (let k = 0; k < n; k++) {
      const src = (o * n + k) * inner;
      switch (op) {
        case "sum":
          for (let i = 0; i < inner; i++) acc[base + i] += x[src + i];
          break;
        case "prod":
          for (let i = 0; i < inner; i++) acc[base + i] *= x[src + i];
          break;
        case "max":
          for (let i = 0; i < inner; i++) {
            const v = x[src + i];
            // NaN propagates, as in PyTorch.
            if (v > acc[base + i] || v !== v) acc[base + i] = v;
          }
          break;
        case "min":
          for (let i = 0; i < inner; i++) {
            const v = x[src + i];
            if (v < acc[base + i] || v !== v) acc[base + i] = v;
          }
          break;
      }
    }
  }
  return acc;
}

/**
 * Reduces `x` of `shape` over the sorted distinct dimensions `dims` and writes the result
 * (the shape without those dimensions, row-major) into `out`. Reductions stay on the calling
 * thread: they are memory-bound, so copying to the worker pool would cost more than it saves.
 */
export function reduceKernel(
  op: ReduceOp,
  x: Storage,
  shape: readonly number[],
  dims: readonly number[],
  out: Storage,
): void {
  let cur: ArrayLike<number> = x;
  let curShape = shape.slice();
  if (dims.length === shape.length) {
    // Reduce everything: one pass.
    const n = x.length;
    let acc = identity(op);
    switch (op) {
      case "sum":
        for (let i = 0; i < n; i++) acc += x[i];
        break;
      case "prod":
        for (let i = 0; i < n; i++) acc *= x[i];
        break;
      case "max":
        for (let i = 0; i < n; i++) {
          const v = x[i];
          if (v > acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
      case "min":
        for (let i = 0; i < n; i++) {
          const v = x[i];
          if (v < acc || v !== v) acc = v;
          if (acc !== acc) break;
        }
        break;
    }
    out[0] = acc;
    return;
  }
  // Contiguous runs of dims, processed from the last so earlier indices stay valid.
  const runs: [number, number][] = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }

  for (let r = runs.length - 1; r >= 0; r--) {
    const [s, e] = runs[r];
    let outer = 1, n = 1, inner = 1;
    for (let i = 0; i < s; i++) outer *= curShape[i];
    for (let i = s; i <= e; i++) n *= curShape[i];
    for (let i = e + 1; i < curShape.length; i++) inner *= curShape[i];
    cur = reduceMiddle(op, cur, outer, n, inner, r === 0); // the last run is copied out below
    curShape = [...curShape.slice(0, s), ...curShape.slice(e + 1)];
  }
  for (let i = 0; i < out.length; i++) out[i] = cur[i];
}

/**
 * Index of the largest (`argmax`) or smallest (`argmin`) element along `dim`, the first one
 * on ties; NaN counts as the extreme, as in PyTorch.
 */
export function argReduceKernel(
  op: "argmax" | "argmin",
  x: Storage,
  outer: number,
  n: number,
  inner: number,
  out: Storage,
): void {
  const better = op === "argmax"
    ? (v: number, best: number) => v > best || (v !== v && best === best)
    : (v: number, best: number) => v < best || (v !== v && best === best);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let bestK = 0;
      let best = x[o * n * inner + i];
      for (let k = 1; k < n; k++) {
        const v = x[(o * n + k) * inner + i];
        if (better(v, best)) {
          best = v;
          bestK = k;
        }
      }
      out[o * inner + i] = bestK;
    }
  }
}

/**
 * Cumulative sum or product along the middle axis of `[outer, n, inner]` (accumulated in
 * float64), from the end when `reverse`.
 */
export function cumulativeKernel(
  op: "sum" | "prod",
  x: Storage,
  outer: number,
  n: number,
  inner: number,
  out: Storage,
  reverse = false,
): void {
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    acc.fill(op === "sum" ? 0 : 1);
    for (let j = 0; j < n; j++) {
      const base = (o * n + (reverse ? n - 1 - j : j)) * inner;
      if (op === "sum") {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] += x[base + i];
      } else {
        for (let i = 0; i < inner; i++) out[base + i] = acc[i] *= x[base + i];
      }
    }
  }
}

/** The softmax family along the middle axis of `[outer, n, inner]`. */
export type Normalizer = "logsumexp" | "softmax" | "logSoftmax";

/**
 * The stable softmax family along the middle axis of `[outer, n, inner]`: per lane, the max
 * `m` and `s = Σ exp(x − m)`; then `m + log s` (into `out` of `[outer, inner]`),
 * `exp(x − m) / s` or `x − m − log s`. A lane whose max is ±∞ uses a shift of 0, as PyTorch.
 */
export function normalizerKernel(
  kind: Normalizer,
  src: Storage,
  outer: number,
  n: number,
  inner: number,
  dst: Storage,
): void {
  if (src.length >= 4096) {
    const out = outRows(dst, kind === "logsumexp" ? inner : n * inner);
    const args = [kind, rowsOf(src, n * inner), ROW_COUNT, n, inner, out];
    if (parallelRows(normalizerKernel, outer, src.length * 10, args)) return;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) {
        const v = src[base + k * inner];
        if (v > m || v !== v) m = v;
      }
      if (m === Infinity || m === -Infinity) m = 0;
      let sum = 0;
      if (kind === "softmax") {
        // one exp per element: store the exponentials, then divide by their sum
        for (let k = 0; k < n; k++) {
          const e = Math.exp(src[base + k * inner] - m);
          dst[base + k * inner] = e;
          sum += e;
        }
        for (let k = 0; k < n; k++) dst[base + k * inner] /= sum;
        continue;
      }
      for (let k = 0; k < n; k++) sum += Math.exp(src[base + k * inner] - m);
      if (kind === "logsumexp") dst[o * inner + i] = m + Math.log(sum);
      else {
        const shift = m + Math.log(sum);
        for (let k = 0; k < n; k++) dst[base + k * inner] = src[base + k * inner] - shift;
      }
    }
  }
}

/** The Euclidean norm over `dims`, with the squares summed in float64. */
export function norm2Kernel(
  x: Storage,
  shape: readonly number[],
  dims: readonly number[],
  out: Storage,
): void {
  const sq = new Float64Array(x.length);
  for (let i = 0; i < sq.length; i++) sq[i] = x[i] * x[i];
  reduceKernel("sum", sq, shape, dims, out);
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]);
}

registerKernels(normalizerKernel);
