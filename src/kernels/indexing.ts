/**
 * Index kernels along one dimension: gather and scatter-add. Tensors are contiguous and
 * row-major; the index tensor (int64, stored as float64) has the same rank as the data and
 * may be smaller than it in every dimension but `dim`.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { stridesOf } from "../shape.ts";

/**
 * Visits every position of `shape` and calls `visit(flatIndex, offsetA, offsetB)` where the
 * offsets are positions in two other tensors with strides `sa` and `sb` (entry `dim` of both
 * is ignored: set to 0 by the caller).
 */
function walk(
  shape: readonly number[],
  sa: readonly number[],
  sb: readonly number[],
  visit: (i: number, a: number, b: number) => void,
): void {
  const nd = shape.length;
  let n = 1;
  for (const d of shape) n *= d;
  if (n === 0) return;
  const idx = new Array<number>(nd).fill(0);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    visit(i, a, b);
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      a += sa[d];
      b += sb[d];
      if (idx[d] < shape[d]) break;
      a -= sa[d] * shape[d];
      b -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** `out[..., i, ...] = x[..., index[..., i, ...], ...]` along `dim`; `out` has index's shape. */
export function gatherKernel(
  x: Storage,
  xShape: readonly number[],
  dim: number,
  index: Storage,
  indexShape: readonly number[],
  out: Storage,
): void {
  const xs = stridesOf(xShape).slice();
  const step = xs[dim];
  xs[dim] = 0;
  const zero = indexShape.map(() => 0);
  walk(indexShape, xs, zero, (i, a) => {
    out[i] = x[a + index[i] * step];
  });
}

/** `out[..., index[..., i, ...], ...] += src[..., i, ...]` along `dim` (out starts as a copy). */
export function scatterAddKernel(
  out: Storage,
  outShape: readonly number[],
  dim: number,
  index: Storage,
  indexShape: readonly number[],
  src: Storage,
  srcShape: readonly number[],
): void {
  const os = stridesOf(outShape).slice();
  const step = os[dim];
  os[dim] = 0;
  const ss = stridesOf(srcShape);
  walk(indexShape, os, ss, (i, a, b) => {
    out[a + index[i] * step] += src[b];
  });
}
