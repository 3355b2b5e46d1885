/**
 * Reductions: `sum`, `mean`, `norm`, over all elements or over `dim` (a number or a list),
 * with `keepdim`.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { normalizeDims } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, div, pow } from "./arithmetic.ts";
import { abs } from "./math.ts";
import { cast, named } from "./shape.ts";
import { getDefaultDtype } from "../dtype.ts";

/** The dimensions a reduction may take: one, several, or all (`undefined`/`null`). */
export type Dims = number | readonly number[] | null | undefined;

/** @ignore Runs reduction primitive `prim` over `dim`. */
export function reduce(
  prim: "sum" | "amax" | "amin" | "norm2",
  x: Tensor,
  dim: Dims,
  keepdim: boolean,
  op: string,
): Tensor {
  checkTensor(x, op);
  return apply(prim, [x], { dims: normalizeDims(dim, x.ndim, op), keepdim });
}

/**
 * Sum of all elements, or over `dim`. Integer and bool tensors sum to int64.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the sum (gradFn `SumBackward0` for all elements, `SumBackward1` over `dim`)
 * @throws {ShapeError} for a dimension out of range
 * @example Sum everything, and sum rows
 * ```ts
 * import { sum, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2], [3, 4]]);
 * assert.equal(sum(x).item(), 10);
 * assert.deepEqual(sum(x, 1).toArray(), [3, 7]);
 * assert.deepEqual(sum(x, 0, true).toArray(), [[4, 6]]);
 * ```
 */
export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const r = reduce("sum", x, dim, keepdim, "sum");
  return dim === undefined || dim === null ? named(r, "SumBackward0") : r;
}

/**
 * Mean of all elements, or over `dim`. Integer tensors give the default floating dtype.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the mean (gradFn `MeanBackward0` for all elements, `MeanBackward1` over `dim`)
 * @throws {ShapeError} for a dimension out of range
 * @example Mean of columns
 * ```ts
 * import { mean, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mean(tensor([[1, 2], [3, 4]]), 0).toArray(), [2, 3]);
 * ```
 */
export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor(x, "mean");
  const xf = isFloating(x.dtype) ? x : cast(x, getDefaultDtype());
  const dims = normalizeDims(dim, x.ndim, "mean");
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const s = apply("sum", [xf], { dims, keepdim });
  const all = dim === undefined || dim === null;
  return named(div(s, count), all ? "MeanBackward0" : "MeanBackward1");
}

/**
 * Vector norm of all elements, or over `dim`: `p = 2` (default, also `"fro"`), `1`,
 * `Infinity`, `-Infinity`, or any other positive `p` as `(Σ|x|^p)^(1/p)`. The gradient of
 * the 2-norm at zero is zero, as in PyTorch.
 *
 * @param x a tensor
 * @param p the order of the norm
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the norm (gradFn `NormBackward1`)
 * @throws {ShapeError} for a dimension out of range
 * @example The 2-norm and the 1-norm of (3, 4)
 * ```ts
 * import { norm, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const v = tensor([3, -4]);
 * assert.equal(norm(v).item(), 5);
 * assert.equal(norm(v, 1).item(), 7);
 * assert.equal(norm(v, Infinity).item(), 4);
 * ```
 */
export function norm(x: Tensor, p: number | "fro" = 2, dim?: Dims, keepdim = false): Tensor {
  checkTensor(x, "norm");
  const xf = isFloating(x.dtype) ? x : cast(x, getDefaultDtype());
  let r: Tensor;
  if (p === 2 || p === "fro") r = reduce("norm2", xf, dim, keepdim, "norm");
  else if (p === 1) r = reduce("sum", abs(xf), dim, keepdim, "norm");
  else if (p === Infinity) r = reduce("amax", abs(xf), dim, keepdim, "norm");
  else if (p === -Infinity) r = reduce("amin", abs(xf), dim, keepdim, "norm");
  else r = pow(reduce("sum", pow(abs(xf), p), dim, keepdim, "norm"), 1 / p);
  return named(r, "NormBackward1");
}
