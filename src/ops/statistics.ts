/**
 * More reductions: `prod`, `max`/`min` (with indices over a dimension), `amax`/`amin`,
 * `argmax`/`argmin`, `variance`/`std` with `correction`, `logsumexp`, and the cumulative
 * `cumsum` and `cumprod`. Each differentiates to any order; at ties and zeros the derivatives
 * follow PyTorch (documented per function).
 *
 * @module
 */

import { getDefaultDtype, isFloating } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import { fmtShape, normalizeDim, normalizeDims } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, checkTensor, constant, div, mul, sub } from "./arithmetic.ts";
import { ADD } from "../primitives/factories.ts";
import { abs, exp, log, sqrt } from "./math.ts";
import { eq, select, where } from "./compare.ts";
import { type Dims, reduce } from "./reduce.ts";
import { cast, identity, reshape, reshapeAs } from "./shape.ts";
import { gather, slice } from "./indexing.ts";
import { cat } from "./manipulation.ts";

function floatOf(x: Tensor): Tensor {
  return isFloating(x.dtype) ? x : cast(x, getDefaultDtype());
}

function dropDims(x: Tensor, dims: readonly number[], name?: string): Tensor {
  const shape = x.shape.filter((_, i) => !dims.includes(i));
  return name === undefined ? reshape(x, shape) : reshapeAs(x, shape, name);
}

/** The product along `d`, keeping it with size 1, as a balanced tree of multiplications. */
function prodAlong(x: Tensor, d: number): Tensor {
  let y = x;
  while (y.shape[d] > 1) {
    const n = y.shape[d];
    const h = Math.floor(n / 2);
    const pairs = mul(slice(y, d, 0, h), slice(y, d, h, 2 * h));
    y = n % 2 === 0 ? pairs : cat([pairs, slice(y, d, 2 * h, n)], d);
  }
  if (y.shape[d] === 0) {
    y = reshape(
      apply("sum", [mul(y, 0)], { dims: [d], keepdim: true }),
      y.shape.map((s, i) => (i === d ? 1 : s)),
    );
    return add(y, 1);
  }
  return y;
}

/**
 * The product of all elements, or over `dim`. Built as a balanced tree of multiplications,
 * so its derivatives are exact to any order even where elements are zero.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce (all when omitted)
 * @param keepdim keep reduced dimensions with size 1
 * @returns the product (gradFn `ProdBackward0` for all elements, `ProdBackward1` over `dim`;
 *   bools multiply to int64)
 * @throws {ShapeError} for a dimension out of range
 * @example The gradient of a product with a zero in it
 * ```ts
 * import { grad, prod, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(prod(tensor([2, 3, 4])).item(), 24);
 * const g = grad((x: Tensor) => prod(x))(tensor([2, 0, 4]));
 * assert.deepEqual(g.toArray(), [0, 8, 0]);
 * ```
 */
export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor(x, "prod");
  const dims = normalizeDims(dim, x.ndim, "prod");
  const name = dim === undefined || dim === null ? "ProdBackward0" : "ProdBackward1";
  let y = x.dtype === "bool" ? cast(x, "int64") : x; // as PyTorch: bools multiply to int64
  for (const d of dims) y = prodAlong(y, d);
  // products along each dimension, then the reshape: one node named for the whole op
  return keepdim ? identity(y, name) : dropDims(y, dims, name);
}

/** The values and int64 indices of a reduction over one dimension. */
export interface ValuesIndices {
  /** The extreme values. */
  readonly values: Tensor;
  /** Where they are along the dimension (the first one, at ties). */
  readonly indices: Tensor;
}

function extremeAlong(
  op: "max" | "min",
  x: Tensor,
  dim: number,
  keepdim: boolean,
): ValuesIndices {
  checkTensor(x, op);
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim > 0 && x.shape[d] === 0) {
    throw new ShapeError(`${op}() over dimension ${d} of size 0 of ${fmtShape(x.shape)}`);
  }
  const idx = apply(op === "max" ? "argmax" : "argmin", [x], { dim: d, keepdim: true });
  if (x.ndim === 0) {
    return {
      values: identity(x, op === "max" ? "MaxBackward0" : "MinBackward0"),
      indices: reshape(idx, []),
    };
  }
  const name = op === "max" ? "MaxBackward0" : "MinBackward0";
  if (keepdim) return { values: apply("gather", [x, idx], { dim: d }, name), indices: idx };
  return { values: dropDims(gather(x, d, idx), [d], name), indices: dropDims(idx, [d]) };
}

/**
 * The largest element; or, over `dim`, the largest values and their indices (PyTorch's
 * `torch.max`). Without `dim` the gradient is split evenly among tied maxima (as PyTorch's
 * `max()`); with `dim` it goes to the returned index (the first maximum).
 *
 * @param x a tensor
 * @param dim the dimension to reduce
 * @param keepdim keep it with size 1
 * @returns a 0-d tensor (gradFn `MaxBackward1`), or `{ values, indices }` with `dim`
 * @throws {ShapeError} for `dim` out of range or an empty input
 * @example Calling max
 * ```ts
 * import { max, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 5, 2], [7, 0, 7]]);
 * assert.equal(max(x).item(), 7);
 * const { values, indices } = max(x, 1);
 * assert.deepEqual(values.toArray(), [5, 7]);
 * assert.deepEqual(indices.toArray(), [1, 0]);
 * ```
 */
export function max(x: Tensor): Tensor;
/**
 * The largest values over `dim` and their int64 indices; the gradient goes to the index.
 *
 * @param x a tensor
 * @param dim the dimension to reduce
 * @param keepdim keep it with size 1
 * @returns `{ values, indices }` (values' gradFn `MaxBackward0`)
 */
export function max(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) {
    return checkedExtreme("amax", x, null, false, "max", "MaxBackward1");
  }
  return extremeAlong("max", x, dim, keepdim);
}

/**
 * The smallest element; or, over `dim`, the smallest values and their indices (PyTorch's
 * `torch.min`). Ties behave as in {@linkcode max}.
 *
 * @param x a tensor
 * @param dim the dimension to reduce
 * @param keepdim keep it with size 1
 * @returns a 0-d tensor (gradFn `MinBackward1`), or `{ values, indices }` with `dim`
 * @throws {ShapeError} for `dim` out of range or an empty input
 * @example Calling min
 * ```ts
 * import { min, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(min(tensor([3, -1, 2])).item(), -1);
 * assert.deepEqual(min(tensor([[3, -1], [0, 2]]), 0).indices.toArray(), [1, 0]);
 * ```
 */
export function min(x: Tensor): Tensor;
/**
 * The smallest values over `dim` and their int64 indices; the gradient goes to the index.
 *
 * @param x a tensor
 * @param dim the dimension to reduce
 * @param keepdim keep it with size 1
 * @returns `{ values, indices }` (values' gradFn `MinBackward0`)
 */
export function min(x: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(x: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  if (dim === undefined) {
    return checkedExtreme("amin", x, null, false, "min", "MinBackward1");
  }
  return extremeAlong("min", x, dim, keepdim);
}

function checkedExtreme(
  prim: "amax" | "amin",
  x: Tensor,
  dim: Dims,
  keepdim: boolean,
  op: string,
  name?: string,
): Tensor {
  return reduce(prim, x, dim, keepdim, op, name, true);
}

/**
 * The largest values over `dim` (all when omitted). The gradient is split evenly among ties,
 * as PyTorch's `amax`.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce
 * @param keepdim keep reduced dimensions with size 1
 * @returns the maxima (gradFn `AmaxBackward0`)
 * @throws {ShapeError} for a dimension out of range or an empty reduction
 * @example Ties share the gradient
 * ```ts
 * import { amax, grad, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const g = grad((x: Tensor) => amax(x))(tensor([1, 3, 3]));
 * assert.deepEqual(g.toArray(), [0, 0.5, 0.5]);
 * ```
 */
export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return checkedExtreme("amax", x, dim, keepdim, "amax");
}

/**
 * The smallest values over `dim` (all when omitted), ties sharing the gradient.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce
 * @param keepdim keep reduced dimensions with size 1
 * @returns the minima (gradFn `AminBackward0`)
 * @throws {ShapeError} for a dimension out of range or an empty reduction
 * @example Calling amin
 * ```ts
 * import { amin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(amin(tensor([[1, 4], [3, 2]]), 1).toArray(), [1, 2]);
 * ```
 */
export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return checkedExtreme("amin", x, dim, keepdim, "amin");
}

function argExtreme(op: "argmax" | "argmin", x: Tensor, dim?: number, keepdim = false): Tensor {
  checkTensor(x, op);
  if (x.numel === 0) throw new ShapeError(`${op}() of an empty tensor ${fmtShape(x.shape)}`);
  if (dim === undefined) {
    const flat = reshape(x, [x.numel]);
    const r = apply(op, [flat], { dim: 0, keepdim: false });
    return keepdim ? reshape(r, x.shape.map(() => 1)) : r;
  }
  const d = normalizeDim(dim, x.ndim, op);
  if (x.ndim === 0) return reshape(apply(op, [reshape(x, [1])], { dim: 0, keepdim }), []);
  return apply(op, [x], { dim: d, keepdim });
}

/**
 * The int64 index of the largest element (of the flattened tensor, or along `dim`); the
 * first one at ties.
 *
 * @param x a tensor
 * @param dim the dimension to reduce (the flattened tensor when omitted)
 * @param keepdim keep the dimension with size 1
 * @returns an int64 tensor, with no gradient
 * @throws {ShapeError} for an empty tensor or `dim` out of range
 * @example Calling argmax
 * ```ts
 * import { argmax, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 5], [7, 0]]);
 * assert.equal(argmax(x).item(), 2);
 * assert.deepEqual(argmax(x, 1).toArray(), [1, 0]);
 * ```
 */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme("argmax", x, dim, keepdim);
}

/**
 * The int64 index of the smallest element (of the flattened tensor, or along `dim`); the
 * first one at ties.
 *
 * @param x a tensor
 * @param dim the dimension to reduce (the flattened tensor when omitted)
 * @param keepdim keep the dimension with size 1
 * @returns an int64 tensor, with no gradient
 * @throws {ShapeError} for an empty tensor or `dim` out of range
 * @example Calling argmin
 * ```ts
 * import { argmin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(argmin(tensor([[1, 5], [7, 0]]), 0).toArray(), [0, 1]);
 * ```
 */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argExtreme("argmin", x, dim, keepdim);
}

/** Options of {@linkcode variance} and {@linkcode std}. */
export interface VarianceOptions {
  /** Subtracted from the count in the denominator (default 1: Bessel's correction). */
  readonly correction?: number;
  /** Keep reduced dimensions with size 1 (default false). */
  readonly keepdim?: boolean;
}

/**
 * The variance over `dim` (all when omitted): `Σ(x − mean)² / (N − correction)`, PyTorch's
 * `torch.var` (named `variance` here because `var` is a reserved word; the Tensor method is
 * `var`).
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce
 * @param options `correction` (default 1) and `keepdim`
 * @returns the variance (gradFn `VarBackward0`)
 * @throws {ShapeError} for a dimension out of range
 * @example Calling variance
 * ```ts
 * import { tensor, variance } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(variance(tensor([1, 2, 3, 4], { dtype: "float64" })).item(), 5 / 3);
 * assert.equal(variance(tensor([1, 2, 3, 4], { dtype: "float64" }), 0, { correction: 0 }).item(), 1.25);
 * ```
 */
export function variance(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  checkTensor(x, "var");
  const { correction = 1, keepdim = false } = options;
  const xf = floatOf(x);
  const dims = normalizeDims(dim, x.ndim, "var");
  let n = 1;
  for (const d of dims) n *= x.shape[d];
  const centered = sub(xf, div(apply("sum", [xf], { dims, keepdim: true }), n));
  const ss = apply("sum", [mul(centered, centered)], { dims, keepdim });
  const dof = constant(Math.max(0, n - correction), ss.dtype);
  return apply("div", [ss, dof], null, "VarBackward0");
}

/**
 * The standard deviation over `dim` (all when omitted): the square root of
 * {@linkcode variance}.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce
 * @param options `correction` (default 1) and `keepdim`
 * @returns the standard deviation (gradFn `StdBackward0`)
 * @throws {ShapeError} for a dimension out of range
 * @example Calling std
 * ```ts
 * import { std, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(std(tensor([2, 4, 4, 4, 5, 5, 7, 9], { dtype: "float64" }), null, { correction: 0 }).item(), 2);
 * ```
 */
export function std(x: Tensor, dim?: Dims, options: VarianceOptions = {}): Tensor {
  // √v with derivative 0 where v = 0 (constant data), as PyTorch, rather than ∞ · 0 = NaN
  const v = variance(x, dim, options);
  const zero = eq(v, 0);
  return select(zero, 0, sqrt(where(zero, 1, v)), "StdBackward0");
}

/**
 * Cumulative sum along `dim`. Its derivative is the cumulative sum from the other end.
 *
 * @param x a tensor
 * @param dim the dimension
 * @returns a tensor of `x`'s shape (gradFn `CumsumBackward0`; integers sum to int64)
 * @throws {ShapeError} for `dim` out of range
 * @example Calling cumsum
 * ```ts
 * import { cumsum, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cumsum(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(), [[1, 3, 6], [4, 9, 15]]);
 * ```
 */
export function cumsum(x: Tensor, dim: number): Tensor {
  checkTensor(x, "cumsum");
  const d = normalizeDim(dim, x.ndim, "cumsum");
  if (x.ndim === 0) {
    return apply("cumsum", [reshape(x, [1])], { dim: 0, reverse: false }).reshape([]);
  }
  return apply("cumsum", [x], { dim: d, reverse: false });
}

/**
 * Cumulative product along `dim`: `out[k] = x[0] · x[1] · … · x[k]`. Built as a parallel
 * prefix scan of multiplications (⌈log₂ n⌉ rounds), with no division anywhere, so its
 * derivatives are exact to any order even where elements are zero.
 *
 * @param x a tensor
 * @param dim the dimension
 * @returns a tensor of `x`'s shape (gradFn `CumprodBackward0`; integers multiply to int64)
 * @throws {ShapeError} for `dim` out of range
 * @example Products so far, and the gradient through a zero
 * ```ts
 * import { cumprod, grad, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cumprod(tensor([[1, 2, 3], [4, 5, 6]]), 1).toArray(), [[1, 2, 6], [4, 20, 120]]);
 * const g = grad((x: Tensor) => cumprod(x, 0).sum())(tensor([2, 0, 3]));
 * assert.deepEqual(g.toArray(), [1, 8, 0]);
 * ```
 */
export function cumprod(x: Tensor, dim: number): Tensor {
  checkTensor(x, "cumprod");
  const d = normalizeDim(dim, x.ndim, "cumprod");
  const xs = isFloating(x.dtype) || x.dtype === "int64" ? x : cast(x, "int64");
  if (x.ndim === 0) return reshapeAs(cumprod(reshape(xs, [1]), 0), [], "CumprodBackward0");
  // Hillis–Steele scan: after the round with stride s, y[k] is the product of x[k-2s+1..k]
  let y = xs;
  const n = x.shape[d];
  const name = "CumprodBackward0";
  if (n <= 1) return identity(xs, name);
  for (let s = 1; s < n; s *= 2) {
    const parts = [slice(y, d, 0, s), mul(slice(y, d, s), slice(y, d, 0, n - s))];
    y = apply("cat", parts, { dim: d }, 2 * s >= n ? name : undefined); // the last round is named
  }
  return y;
}

/**
 * `log(Σ exp(x))` over `dim` (all when omitted), computed stably: the maximum is subtracted
 * first (as a constant), so logits of ±1e3 give finite results and gradients.
 *
 * @param x a tensor
 * @param dim the dimension(s) to reduce
 * @param keepdim keep reduced dimensions with size 1
 * @returns the log-sum-exp (gradFn `LogsumexpBackward0`)
 * @throws {ShapeError} for a dimension out of range
 * @example Finite at extreme logits
 * ```ts
 * import { logsumexp, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1000, 1000], { dtype: "float64" });
 * assert.equal(logsumexp(x).item(), 1000 + Math.log(2));
 * ```
 */
export function logsumexp(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  checkTensor(x, "logsumexp");
  const xf = floatOf(x);
  const dims = normalizeDims(dim, x.ndim, "logsumexp");
  if (xf.numel === 0) {
    const s = apply("sum", [exp(xf)], { dims, keepdim });
    return apply("log", [s], null, "LogsumexpBackward0");
  }
  // one dimension: a single-pass primitive; several: the max-shifted composite
  if (dims.length === 1) return apply("logsumexp", [xf], { dim: dims[0], keepdim });
  const m0 = apply("amax", [xf.detach()], { dims, keepdim: true });
  const m = where(eq(abs(m0), Infinity), 0, m0);
  const s = apply("sum", [exp(sub(xf, m))], { dims, keepdim: true });
  if (keepdim) return apply("add", [log(s), m], ADD, "LogsumexpBackward0");
  return dropDims(add(log(s), m), dims, "LogsumexpBackward0");
}
