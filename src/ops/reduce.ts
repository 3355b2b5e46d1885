/**
 * Reductions: `sum`, `mean`, `norm`, over all elements or over `dim` (a number or a list),
 * with `keepdim`.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, normalizeDims } from "../shape.ts";
import { matrixNorm } from "./linalg_spectral.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, constant, mul, pow } from "./arithmetic.ts";
import { abs } from "./math.ts";
import { eq, ne, select, where } from "./compare.ts";
import { cast, identity } from "./shape.ts";
import { getDefaultDtype } from "../dtype.ts";

/** The dimensions a reduction may take: one, several, or all (`undefined`/`null`). */
export type Dims = number | readonly number[] | null | undefined;

/**
 * @ignore Runs reduction primitive `prim` over `dim` as a node named `name` (by default the
 * primitive's). With `nonEmpty`, reducing no elements is a ShapeError (a max has no identity).
 */
export function reduce(
  prim: "sum" | "amax" | "amin" | "norm2",
  x: Tensor,
  dim: Dims,
  keepdim: boolean,
  op: string,
  name?: string,
  nonEmpty = false,
): Tensor {
  checkTensor(x, op);
  const dims = normalizeDims(dim, x.ndim, op);
  if (
    nonEmpty && (dims.some((d) => x.shape[d] === 0) || (x.numel === 0 && dims.length === x.ndim))
  ) {
    throw new ShapeError(`${op}() of an empty reduction over ${fmtShape(x.shape)}`);
  }
  return apply(prim, [x], { dims, keepdim }, name);
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
  const all = dim === undefined || dim === null;
  return reduce("sum", x, dim, keepdim, "sum", all ? "SumBackward0" : undefined);
}

/**
 * Mean of all elements, or over `dim`. The input must be floating, as in PyTorch.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the mean (gradFn `MeanBackward0` for all elements, `MeanBackward1` over `dim`)
 * @throws {ShapeError} for a dimension out of range
 * @throws {DtypeError} for an integer or bool input
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
  if (!isFloating(x.dtype)) {
    throw new DtypeError(
      `mean() could not infer the output dtype from input dtype ${x.dtype}: the input must ` +
        `be floating (as PyTorch); cast it first, e.g. x.float()`,
    );
  }
  const xf = x;
  const dims = normalizeDims(dim, x.ndim, "mean");
  let count = 1;
  for (const d of dims) count *= x.shape[d];
  const s = apply("sum", [xf], { dims, keepdim });
  const all = dim === undefined || dim === null;
  const c = constant(count, s.dtype);
  return apply("div", [s, c], null, all ? "MeanBackward0" : "MeanBackward1", false);
}

/**
 * Vector norm of all elements, or over `dim`: `p = 2` (default, also `"fro"`), `1`,
 * `Infinity`, `-Infinity`, `0` (the number of non-zero elements, as PyTorch), `"nuc"` (the
 * nuclear norm of a matrix, or of the two dimensions in `dim`: its singular values' sum), or any other
 * `p` as `(Σ|x|^p)^(1/p)`. The gradient at zero is zero, as in PyTorch, for every `p`; so are
 * the higher derivatives there (PyTorch gives NaN for `p < 2` from the second order on).
 *
 * @param x a tensor
 * @param p the order of the norm
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the norm (gradFn `NormBackward1`)
 * @throws {ShapeError} for a dimension out of range, or `"nuc"` without a matrix
 * @throws {RangeError} for a `p` that is neither a number nor `"fro"` or `"nuc"`
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
export function norm(
  x: Tensor,
  p: number | "fro" | "nuc" = 2,
  dim?: Dims,
  keepdim = false,
): Tensor {
  checkTensor(x, "norm");
  if (p === "nuc") {
    // the nuclear norm of a matrix (or of the two dims in `dim`), as torch.norm
    const dims = dim === undefined || dim === null ? null : typeof dim === "number" ? [dim] : dim;
    if ((dims === null && x.ndim !== 2) || (dims !== null && dims.length !== 2)) {
      throw new ShapeError(
        `norm() with p = "nuc" needs a matrix, or two dimensions in dim; got shape ` +
          `${fmtShape(x.shape)}${dims === null ? "" : ` and dim [${dims.join(", ")}]`}`,
      );
    }
    const pair = (dims ?? [-2, -1]) as unknown as readonly [number, number];
    return identity(matrixNorm(x, "nuc", pair, keepdim), "NormBackward1");
  }
  if (p !== "fro" && (typeof p !== "number" || Number.isNaN(p))) {
    throw new RangeError(
      `norm() supports p = "fro", "nuc" or a number (0, 1, 2, ±Infinity or any other); got ${
        String(p)
      }`,
    );
  }
  const xf = isFloating(x.dtype) ? x : cast(x, getDefaultDtype());
  const name = "NormBackward1";
  if (p === 0) {
    // the number of non-zero elements, as PyTorch: piecewise constant, with gradient 0 (the
    // `0 · x` at the zeros keeps the result on the tape, and is 0 there even for ∞ elsewhere)
    return reduce("sum", where(ne(xf, 0), 1, mul(xf, 0)), dim, keepdim, "norm", name);
  }
  if (p === 2 || p === "fro") return reduce("norm2", xf, dim, keepdim, "norm", name);
  if (p === 1) return reduce("sum", abs(xf), dim, keepdim, "norm", name);
  if (p === Infinity) return reduce("amax", abs(xf), dim, keepdim, "norm", name);
  if (p === -Infinity) return reduce("amin", abs(xf), dim, keepdim, "norm", name);
  const sumOfPowers = reduce("sum", powAwayFromZero(abs(xf), p), dim, keepdim, "norm");
  return powAwayFromZero(sumOfPowers, 1 / p, name);
}

/**
 * `x^c` for `x ≥ 0` with every derivative 0 where `x = 0`: PyTorch's norm gradient, which
 * masks zero elements (for `p < 1`) and zero norms, instead of `0 · ∞ = NaN`.
 */
function powAwayFromZero(x: Tensor, c: number, name?: string): Tensor {
  const zero = eq(x, 0);
  return select(zero, 0, pow(where(zero, 1, x), c), name);
}
