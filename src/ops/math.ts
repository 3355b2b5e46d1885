/**
 * Elementwise mathematical functions. Each is a primitive with its own derivative rule
 * (see `src/primitives/unary.ts`); integer inputs give floating results, except for the
 * integer-preserving `abs`, `sign`, `square`, `relu`, `floor`, `ceil` and `round`.
 *
 * @module
 */

import { DtypeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import type { UnaryOp } from "../kernels/elementwise.ts";
import { apply } from "../autograd/dispatch.ts";
import { floatResult } from "../dtype.ts";
import { checkTensor, constant } from "./arithmetic.ts";

/** Checks that `x` is a tensor of a numeric (non-bool) dtype. */
function checkFloatable(x: Tensor, op: string): void {
  checkTensor(x, op);
  if (x.dtype === "bool") {
    throw new DtypeError(`${op}() is not defined for bool tensors; convert with .to("float32")`);
  }
}

function unaryOp(op: UnaryOp, x: Tensor): Tensor {
  checkFloatable(x, op);
  return apply(op, [x], null);
}

/**
 * Elementwise exponential `e^x`.
 *
 * @param x a tensor
 * @returns `exp(x)` (gradFn `ExpBackward0`)
 * @example Values at a few points
 * ```ts
 * import { exp, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(exp(tensor([0, 1], { dtype: "float64" })).toArray(), [1, Math.E]);
 * ```
 */
export function exp(x: Tensor): Tensor {
  return unaryOp("exp", x);
}

/**
 * Elementwise `e^x - 1`, accurate for small `x`.
 *
 * @param x a tensor
 * @returns `expm1(x)` (gradFn `Expm1Backward0`)
 * @example Values at a few points
 * ```ts
 * import { expm1, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(expm1(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function expm1(x: Tensor): Tensor {
  return unaryOp("expm1", x);
}

/**
 * Elementwise natural logarithm.
 *
 * @param x a tensor
 * @returns `log(x)` (gradFn `LogBackward0`)
 * @example Values at a few points
 * ```ts
 * import { log, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(log(tensor([1, Math.E], { dtype: "float64" })).toArray(), [0, 1]);
 * ```
 */
export function log(x: Tensor): Tensor {
  return unaryOp("log", x);
}

/**
 * Elementwise `log(1 + x)`, accurate for small `x`.
 *
 * @param x a tensor
 * @returns `log1p(x)` (gradFn `Log1PBackward0`)
 * @example Values at a few points
 * ```ts
 * import { log1p, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(log1p(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function log1p(x: Tensor): Tensor {
  return unaryOp("log1p", x);
}

/**
 * Elementwise base-2 logarithm.
 *
 * @param x a tensor
 * @returns `log2(x)` (gradFn `Log2Backward0`)
 * @example Values at a few points
 * ```ts
 * import { log2, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(log2(tensor([1, 8], { dtype: "float64" })).toArray(), [0, 3]);
 * ```
 */
export function log2(x: Tensor): Tensor {
  return unaryOp("log2", x);
}

/**
 * Elementwise square root.
 *
 * @param x a tensor
 * @returns `sqrt(x)` (gradFn `SqrtBackward0`)
 * @example Values at a few points
 * ```ts
 * import { sqrt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sqrt(tensor([4, 9], { dtype: "float64" })).toArray(), [2, 3]);
 * ```
 */
export function sqrt(x: Tensor): Tensor {
  return unaryOp("sqrt", x);
}

/**
 * Elementwise reciprocal square root `1 / √x`.
 *
 * @param x a tensor
 * @returns `rsqrt(x)` (gradFn `RsqrtBackward0`)
 * @example Values at a few points
 * ```ts
 * import { rsqrt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(rsqrt(tensor([4], { dtype: "float64" })).toArray(), [0.5]);
 * ```
 */
export function rsqrt(x: Tensor): Tensor {
  checkFloatable(x, "rsqrt");
  return apply("pow", [x, constant(-0.5, floatResult(x.dtype))], null, "RsqrtBackward0");
}

/**
 * Elementwise square `x²`.
 *
 * @param x a tensor
 * @returns `square(x)` (gradFn `PowBackward0`)
 * @example Values at a few points
 * ```ts
 * import { square, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(square(tensor([-3, 2], { dtype: "float64" })).toArray(), [9, 4]);
 * ```
 */
export function square(x: Tensor): Tensor {
  checkFloatable(x, "square");
  return apply("pow", [x, constant(2, x.dtype)], null, "PowBackward0");
}

/**
 * Elementwise absolute value. Its gradient at 0 is 0, as in PyTorch.
 *
 * @param x a tensor
 * @returns `abs(x)` (gradFn `AbsBackward0`)
 * @example Values at a few points
 * ```ts
 * import { abs, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(abs(tensor([-2, 3], { dtype: "float64" })).toArray(), [2, 3]);
 * ```
 */
export function abs(x: Tensor): Tensor {
  return unaryOp("abs", x);
}

/**
 * Elementwise sign: -1, 0 or 1 (zero gradient).
 *
 * @param x a tensor
 * @returns `sign(x)` (gradFn `SignBackward0`)
 * @example Values at a few points
 * ```ts
 * import { sign, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sign(tensor([-2, 0, 3], { dtype: "float64" })).toArray(), [-1, 0, 1]);
 * ```
 */
export function sign(x: Tensor): Tensor {
  return unaryOp("sign", x);
}

/**
 * Elementwise sine.
 *
 * @param x a tensor
 * @returns `sin(x)` (gradFn `SinBackward0`)
 * @example Values at a few points
 * ```ts
 * import { sin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sin(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function sin(x: Tensor): Tensor {
  return unaryOp("sin", x);
}

/**
 * Elementwise cosine.
 *
 * @param x a tensor
 * @returns `cos(x)` (gradFn `CosBackward0`)
 * @example Values at a few points
 * ```ts
 * import { cos, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cos(tensor([0], { dtype: "float64" })).toArray(), [1]);
 * ```
 */
export function cos(x: Tensor): Tensor {
  return unaryOp("cos", x);
}

/**
 * Elementwise tangent.
 *
 * @param x a tensor
 * @returns `tan(x)` (gradFn `TanBackward0`)
 * @example Values at a few points
 * ```ts
 * import { tan, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tan(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function tan(x: Tensor): Tensor {
  return unaryOp("tan", x);
}

/**
 * Elementwise arcsine.
 *
 * @param x a tensor
 * @returns `asin(x)` (gradFn `AsinBackward0`)
 * @example Values at a few points
 * ```ts
 * import { asin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(asin(tensor([0, 1], { dtype: "float64" })).toArray(), [0, Math.PI / 2]);
 * ```
 */
export function asin(x: Tensor): Tensor {
  return unaryOp("asin", x);
}

/**
 * Elementwise arccosine.
 *
 * @param x a tensor
 * @returns `acos(x)` (gradFn `AcosBackward0`)
 * @example Values at a few points
 * ```ts
 * import { acos, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(acos(tensor([1], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function acos(x: Tensor): Tensor {
  return unaryOp("acos", x);
}

/**
 * Elementwise arctangent.
 *
 * @param x a tensor
 * @returns `atan(x)` (gradFn `AtanBackward0`)
 * @example Values at a few points
 * ```ts
 * import { atan, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(atan(tensor([0, 1], { dtype: "float64" })).toArray(), [0, Math.PI / 4]);
 * ```
 */
export function atan(x: Tensor): Tensor {
  return unaryOp("atan", x);
}

/**
 * Elementwise hyperbolic sine.
 *
 * @param x a tensor
 * @returns `sinh(x)` (gradFn `SinhBackward0`)
 * @example Values at a few points
 * ```ts
 * import { sinh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sinh(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function sinh(x: Tensor): Tensor {
  return unaryOp("sinh", x);
}

/**
 * Elementwise hyperbolic cosine.
 *
 * @param x a tensor
 * @returns `cosh(x)` (gradFn `CoshBackward0`)
 * @example Values at a few points
 * ```ts
 * import { cosh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(cosh(tensor([0], { dtype: "float64" })).toArray(), [1]);
 * ```
 */
export function cosh(x: Tensor): Tensor {
  return unaryOp("cosh", x);
}

/**
 * Elementwise hyperbolic tangent.
 *
 * @param x a tensor
 * @returns `tanh(x)` (gradFn `TanhBackward0`)
 * @example Values at a few points
 * ```ts
 * import { tanh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tanh(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function tanh(x: Tensor): Tensor {
  return unaryOp("tanh", x);
}

/**
 * Elementwise inverse hyperbolic sine.
 *
 * @param x a tensor
 * @returns `asinh(x)` (gradFn `AsinhBackward0`)
 * @example Values at a few points
 * ```ts
 * import { asinh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(asinh(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function asinh(x: Tensor): Tensor {
  return unaryOp("asinh", x);
}

/**
 * Elementwise inverse hyperbolic cosine.
 *
 * @param x a tensor
 * @returns `acosh(x)` (gradFn `AcoshBackward0`)
 * @example Values at a few points
 * ```ts
 * import { acosh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(acosh(tensor([1], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function acosh(x: Tensor): Tensor {
  return unaryOp("acosh", x);
}

/**
 * Elementwise inverse hyperbolic tangent.
 *
 * @param x a tensor
 * @returns `atanh(x)` (gradFn `AtanhBackward0`)
 * @example Values at a few points
 * ```ts
 * import { atanh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(atanh(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function atanh(x: Tensor): Tensor {
  return unaryOp("atanh", x);
}

/**
 * Elementwise logistic sigmoid `1 / (1 + e^-x)`, stable for large `|x|`.
 *
 * @param x a tensor
 * @returns `sigmoid(x)` (gradFn `SigmoidBackward0`)
 * @example Values at a few points
 * ```ts
 * import { sigmoid, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sigmoid(tensor([0], { dtype: "float64" })).toArray(), [0.5]);
 * ```
 */
export function sigmoid(x: Tensor): Tensor {
  return unaryOp("sigmoid", x);
}

/**
 * Elementwise `max(x, 0)`. Its gradient at 0 is 0, as in PyTorch.
 *
 * @param x a tensor
 * @returns `relu(x)` (gradFn `ReluBackward0`)
 * @example Values at a few points
 * ```ts
 * import { relu, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(relu(tensor([-1, 0, 2], { dtype: "float64" })).toArray(), [0, 0, 2]);
 * ```
 */
export function relu(x: Tensor): Tensor {
  return unaryOp("relu", x);
}

/**
 * Elementwise error function, accurate to float64.
 *
 * @param x a tensor
 * @returns `erf(x)` (gradFn `ErfBackward0`)
 * @example Values at a few points
 * ```ts
 * import { erf, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(erf(tensor([0], { dtype: "float64" })).toArray(), [0]);
 * ```
 */
export function erf(x: Tensor): Tensor {
  return unaryOp("erf", x);
}

/**
 * Elementwise floor (zero gradient).
 *
 * @param x a tensor
 * @returns `floor(x)` (gradFn `FloorBackward0`)
 * @example Values at a few points
 * ```ts
 * import { floor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(floor(tensor([1.5, -1.5], { dtype: "float64" })).toArray(), [1, -2]);
 * ```
 */
export function floor(x: Tensor): Tensor {
  return unaryOp("floor", x);
}

/**
 * Elementwise ceiling (zero gradient).
 *
 * @param x a tensor
 * @returns `ceil(x)` (gradFn `CeilBackward0`)
 * @example Values at a few points
 * ```ts
 * import { ceil, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ceil(tensor([1.5, -1.5], { dtype: "float64" })).toArray(), [2, -1]);
 * ```
 */
export function ceil(x: Tensor): Tensor {
  return unaryOp("ceil", x);
}

/**
 * Elementwise rounding to the nearest integer, ties to even as in PyTorch (zero gradient).
 *
 * @param x a tensor
 * @returns `round(x)` (gradFn `RoundBackward0`)
 * @example Values at a few points
 * ```ts
 * import { round, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(round(tensor([0.5, 1.5, 2.5], { dtype: "float64" })).toArray(), [0, 2, 2]);
 * ```
 */
export function round(x: Tensor): Tensor {
  return unaryOp("round", x);
}

/**
 * Elementwise reciprocal `1 / x`.
 *
 * @param x a tensor
 * @returns `reciprocal(x)` (gradFn `ReciprocalBackward0`)
 * @example Values at a few points
 * ```ts
 * import { reciprocal, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(reciprocal(tensor([2, 4], { dtype: "float64" })).toArray(), [0.5, 0.25]);
 * ```
 */
export function reciprocal(x: Tensor): Tensor {
  checkFloatable(x, "reciprocal");
  return apply("div", [constant(1, floatResult(x.dtype)), x], null, "ReciprocalBackward0");
}
