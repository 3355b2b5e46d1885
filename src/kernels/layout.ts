/**
 * Data movement: permutations, strided windows and concatenation. Each writes a fresh
 * contiguous row-major buffer.
 *
 * @module
 */

import type { DType, Storage } from "../dtype.ts";
import { stridesOf } from "../shape.ts";
import { coalesce, forEachRow } from "./strided.ts";
import { toInt64Values } from "./elementwise.ts";

/** Copies a strided view of `src` (starting at `base`, with `strides` per output dim) into `out`. */
export function gatherStrided(
  src: Storage,
  base: number,
  outShape: readonly number[],
  strides: readonly number[],
  out: Storage,
): void {
  if (out.length === 0) return;
  const plan = coalesce(outShape, [strides.slice()]);
  const last = plan.sizes.length - 1;
  const rowLen = plan.sizes[last];
  const s = plan.strides[0][last];
  forEachRow(plan, (off, o) => {
    let i = base + off[0];
    if (s === 1) out.set(src.subarray(i, i + rowLen), o);
    else for (let k = 0; k < rowLen; k++, i += s) out[o + k] = src[i];
  });
}

/** Writes `src` permuted by `perm` (output dim `d` is input dim `perm[d]`) into `out`. */
export function permuteKernel(
  src: Storage,
  shape: readonly number[],
  perm: readonly number[],
  out: Storage,
): void {
  const srcStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  if (shape.length === 2 && perm[0] === 1 && out.length > 64) {
    transpose2d(src, shape[0], shape[1], out);
    return;
  }
  gatherStrided(src, 0, outShape, perm.map((p) => srcStrides[p]), out);
}

/** Cache-blocked transpose of a rows×cols matrix. */
function transpose2d(src: Storage, rows: number, cols: number, out: Storage): void {
  const B = 32;
  for (let i0 = 0; i0 < rows; i0 += B) {
    const i1 = Math.min(i0 + B, rows);
    for (let j0 = 0; j0 < cols; j0 += B) {
      const j1 = Math.min(j0 + B, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) out[j * rows + i] = src[i * cols + j];
      }
    }
  }
}

/** Writes the window `start + step * i` along each dimension into `out` of `outShape`. */
export function sliceKernel(
  src: Storage,
  shape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  outShape: readonly number[],
  out: Storage,
): void {
  const srcStrides = stridesOf(shape);
  let base = 0;
  for (let d = 0; d < shape.length; d++) base += starts[d] * srcStrides[d];
  gatherStrided(src, base, outShape, srcStrides.map((s, d) => s * steps[d]), out);
}

/** Concatenates `parts` (same shapes but along `dim`) into `out`. */
export function catKernel(
  parts: readonly Storage[],
  shapes: readonly (readonly number[])[],
  dim: number,
  out: Storage,
): void {
  const ref = shapes[0];
  let outer = 1;
  for (let i = 0; i < dim; i++) outer *= ref[i];
  let inner = 1;
  for (let i = dim + 1; i < ref.length; i++) inner *= ref[i];
  const blocks = parts.map((_, k) => shapes[k][dim] * inner);
  const rowLen = blocks.reduce((a, b) => a + b, 0);
  for (let o = 0; o < outer; o++) {
    let dst = o * rowLen;
    for (let k = 0; k < parts.length; k++) {
      const len = blocks[k];
      if (len > 0) out.set(parts[k].subarray(o * len, (o + 1) * len), dst);
      dst += len;
    }
  }
}

/**
 * Writes `src` (of `shape`) into the window `starts[d] + steps[d] · i` of `out` (of
 * `outShape`, which starts as zeros): the transpose of {@linkcode sliceKernel}.
 */
export function scatterWindowKernel(
  src: Storage,
  shape: readonly number[],
  outShape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  out: Storage,
): void {
  if (src.length === 0) return;
  const outStrides = stridesOf(outShape);
  let base = 0;
  for (let d = 0; d < outShape.length; d++) base += starts[d] * outStrides[d];
  const plan = coalesce(shape, [outStrides.map((s, d) => s * steps[d])]);
  const last = plan.sizes.length - 1;
  const rowLen = plan.sizes[last];
  const s = plan.strides[0][last];
  forEachRow(plan, (off, o) => {
    let i = base + off[0];
    if (s === 1) out.set(src.subarray(o, o + rowLen), i);
    else for (let k = 0; k < rowLen; k++, i += s) out[i] = src[o + k];
  });
}

/**
 * Converts `src` into `out` of `dtype`: bool as `x ≠ 0`; int64 truncated, with NaN and ±∞
 * giving −2⁶³ as in PyTorch (see {@linkcode toInt64Values}).
 */
export function castKernel(src: Storage, dtype: DType, out: Storage): void {
  if (dtype === "bool") {
    for (let i = 0; i < out.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else {
    out.set(src);
    if (dtype === "int64") toInt64Values(out);
  }
}

/**
 * Writes `value` into the band `lo ≤ j − i ≤ hi` of rows `from ≤ i < to` of the row-major
 * `rows × cols` matrix `out` (the rest is left as it is): identities, triangles and their
 * masks, and row selections, without a loop anywhere else.
 */
export function bandKernel(
  out: Storage,
  rows: number,
  cols: number,
  lo: number,
  hi: number,
  value: number,
  from = 0,
  to = rows,
): void {
  for (let i = from; i < to; i++) {
    const start = Math.max(0, i + lo);
    const end = Math.min(cols - 1, i + hi);
    for (let j = start; j <= end; j++) out[i * cols + j] = value;
  }
}

/** Whether every element is non-zero. */
export function allNonZero(x: Storage): boolean {
  for (let i = 0; i < x.length; i++) if (x[i] === 0) return false;
  return true;
}
