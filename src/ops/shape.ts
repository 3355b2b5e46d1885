/**
 * Shape operations: reshape, permute and transpose, expand, casts, and the helpers the
 * engine uses to sum a gradient back to an input's shape.
 *
 * @module
 */

import { allocate, checkDtype, type DType } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import {
  broadcastsTo,
  checkShape,
  fmtShape,
  normalizeDim,
  type Shape,
  shapesEqual,
  sizeOf,
} from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { bandKernel } from "../kernels/layout.ts";

/** @ignore A fresh tensor of `shape` filled with `value` (no autograd). */
export function filled(shape: Shape, dtype: DType, value: number): Tensor {
  const buf = allocate(dtype, sizeOf(shape));
  if (value !== 0) buf.fill(value);
  return new Tensor(buf, shape, dtype, TRUSTED);
}

/**
 * @ignore The constant `rows × cols` matrix with `value` on the band `lo ≤ j − i ≤ hi` (of
 * rows `from ≤ i < to`) and 0 elsewhere: `band(n, n, 0, 0)` is the identity,
 * `band(n, n, -Infinity, 0)` the lower triangle.
 */
export function band(
  rows: number,
  cols: number,
  lo: number,
  hi: number,
  dtype: DType,
  value = 1,
  from = 0,
  to = rows,
): Tensor {
  const out = filled([rows, cols], dtype, 0);
  bandKernel(out._buf, rows, cols, lo, hi, value, from, to);
  return out;
}

/** @ignore Zeros of `shape` and `dtype`. */
export function zerosOf(shape: Shape, dtype: DType): Tensor {
  return filled(shape, dtype, 0);
}

/**
 * Returns `x` converted to `dtype`; differentiable between floating dtypes.
 *
 * @param x the tensor
 * @param dtype the target dtype
 * @returns `x` itself when it already has `dtype`, else a converted copy
 */
export function cast(x: Tensor, dtype: DType): Tensor {
  checkDtype(dtype, "to");
  if (x.dtype === dtype) return x;
  return apply("cast", [x], { dtype });
}

/**
 * Returns a tensor with the same values as `x` in a new shape (row-major order). One entry
 * of `shape` may be `-1`, inferred from the others.
 *
 * @param x the tensor
 * @param shape the new shape
 * @returns the reshaped tensor (sharing storage)
 * @throws {ShapeError} when the number of elements differs
 * @example Flatten a matrix
 * ```ts
 * import { ones, reshape } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(reshape(ones([2, 3]), [-1]).shape, [6]);
 * ```
 */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape(shape, x.numel, x.shape, "reshape");
  return apply("reshape", [x], { shape: target });
}

/** @ignore `shape` with its one `-1` inferred for `numel` elements, checked (naming `op`). */
export function inferShape(
  shape: readonly number[],
  numel: number,
  from: Shape,
  op: string,
): Shape {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}() expects a shape as an array of integers; got ${String(shape)}`);
  }
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1 && infer < 0) infer = i;
    else if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `Invalid shape ${fmtShape(shape)} in ${op}(): sizes must be non-negative integers ` +
          `and at most one may be -1`,
      );
    } else known *= d;
  }
  const out = shape.slice();
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) {
      throw new ShapeError(
        `Cannot ${op} a tensor of shape ${fmtShape(from)} (${numel} elements) to ` +
          fmtShape(shape),
      );
    }
    out[infer] = numel / known;
  } else if (known !== numel) {
    throw new ShapeError(
      `Cannot ${op} a tensor of shape ${fmtShape(from)} (${numel} elements) to ` +
        `${fmtShape(shape)} (${known} elements)`,
    );
  }
  return out;
}

/**
 * Reorders the dimensions of `x`: output dimension `i` is input dimension `dims[i]`.
 *
 * @param x the tensor
 * @param dims a permutation of `0..ndim-1` (negative dims count from the end)
 * @returns the permuted tensor
 * @throws {ShapeError} when `dims` is not a permutation
 * @example Move the channel dimension first
 * ```ts
 * import { permute, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(permute(zeros([2, 3, 4]), [2, 0, 1]).shape, [4, 2, 3]);
 * ```
 */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (!Array.isArray(dims) || dims.length !== x.ndim) {
    throw new ShapeError(
      `permute() needs one entry per dimension of the shape ${fmtShape(x.shape)}; got ` +
        `${Array.isArray(dims) ? fmtShape(dims) : String(dims)}`,
    );
  }
  const perm = dims.map((d) => normalizeDim(d, x.ndim, "permute"));
  if (new Set(perm).size !== perm.length) {
    throw new ShapeError(`permute() got repeated dimensions ${fmtShape(dims)}`);
  }
  return apply("permute", [x], { perm });
}

/**
 * Swaps two dimensions of `x`.
 *
 * @param x the tensor
 * @param dim0 first dimension
 * @param dim1 second dimension
 * @returns the transposed tensor (gradFn `TransposeBackward0`)
 * @throws {ShapeError} for a dimension out of range
 * @example Transpose the last two dimensions
 * ```ts
 * import { transpose, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(transpose(zeros([5, 2, 3]), -1, -2).shape, [5, 3, 2]);
 * ```
 */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.ndim === 0) {
    normalizeDim(dim0, 0, "transpose");
    normalizeDim(dim1, 0, "transpose");
    return identity(x, "TransposeBackward0");
  }
  const a = normalizeDim(dim0, x.ndim, "transpose");
  const b = normalizeDim(dim1, x.ndim, "transpose");
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return apply("permute", [x], { perm }, "TransposeBackward0");
}

/**
 * The transpose of a tensor with at most two dimensions (PyTorch's `t()`); 0-d and 1-d
 * tensors are returned as they are.
 *
 * @param x a tensor with at most 2 dimensions
 * @returns the transpose (gradFn `TBackward0`)
 * @throws {ShapeError} for more than 2 dimensions
 * @example Transpose a 2×3 matrix
 * ```ts
 * import { t, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(t(tensor([[1, 2, 3], [4, 5, 6]])).toArray(), [[1, 4], [2, 5], [3, 6]]);
 * ```
 */
export function t(x: Tensor): Tensor {
  if (x.ndim > 2) {
    throw new ShapeError(
      `t() expects a tensor with at most 2 dimensions; got shape ${fmtShape(x.shape)}. ` +
        `Use transpose(x, dim0, dim1) or permute() instead`,
    );
  }
  if (x.ndim < 2) return identity(x, "TBackward0");
  return apply("permute", [x], { perm: [1, 0] }, "TBackward0");
}

/**
 * Broadcasts `x` to `shape` (PyTorch's `expand`; `-1` keeps a size).
 *
 * @param x the tensor
 * @param shape the target shape
 * @returns the broadcast tensor
 * @throws {ShapeError} when `x` does not broadcast to `shape`
 * @example Repeat a row
 * ```ts
 * import { expand, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(expand(tensor([1, 2]), [2, 2]).toArray(), [[1, 2], [1, 2]]);
 * ```
 */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const off = shape.length - x.ndim;
  const target = shape.map((d, i) => (d === -1 && i >= off ? x.shape[i - off] : d));
  checkShape(target, "expand");
  if (!broadcastsTo(x.shape, target)) {
    throw new ShapeError(
      `Cannot expand a tensor of shape ${fmtShape(x.shape)} to ${fmtShape(shape)}`,
    );
  }
  return apply("expand", [x], { shape: target });
}

/**
 * Broadcasts `x` to `shape` (NumPy's `broadcast_to`). Same as {@linkcode expand}.
 *
 * @param x the tensor
 * @param shape the target shape
 * @returns the broadcast tensor
 * @throws {ShapeError} when `x` does not broadcast to `shape`
 * @example Broadcast a scalar
 * ```ts
 * import { broadcastTo, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(broadcastTo(tensor(7), [3]).toArray(), [7, 7, 7]);
 * ```
 */
export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  return expand(x, shape);
}

/**
 * @ignore Sums `g` over the dimensions that broadcasting added or stretched, so that the
 * result has `shape`. The single place where gradients are un-broadcast.
 */
export function sumToShape(g: Tensor, shape: Shape): Tensor {
  if (shapesEqual(g.shape, shape)) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  }
  let r = dims.length > 0 ? apply("sum", [g], { dims, keepdim: true }) : g;
  if (!shapesEqual(r.shape, shape)) r = apply("reshape", [r], { shape });
  return r;
}

/**
 * @ignore `x` in `shape` (a valid shape of its size: nothing is inferred) as a node named
 * `name`: the views PyTorch names after themselves (`ViewBackward0`, `SqueezeBackward0`, ...).
 */
export function reshapeAs(x: Tensor, shape: readonly number[], name: string): Tensor {
  return apply("reshape", [x], { shape }, name);
}

/**
 * @ignore The identity as a recorded operation (a fresh tensor object on the tape): a
 * reshape to the same shape, named `name` (PyTorch's name for the op that it stands for).
 */
export function identity(x: Tensor, name = "AliasBackward0"): Tensor {
  return apply("reshape", [x], { shape: x.shape }, name);
}
