/**
 * Activation functions and elementwise two-argument functions: `logSigmoid`, `softplus`,
 * `leakyRelu`, `elu`, `gelu`, `silu`, `clamp`, `maximum`, `minimum`, `atan2`. Each is
 * stable at extreme inputs and takes PyTorch's derivative at its kinks (documented below).
 *
 * @module
 */

import type { Tensor, TensorLike } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, checkTensor, checkTensorLike, constant, mul, neg, scalar } from "./arithmetic.ts";
import { erf, expm1, sigmoid, tanh } from "./math.ts";
import { gt, lt, select, where } from "./compare.ts";
import { cast } from "./shape.ts";
import { isFloating, promoteShaped } from "../dtype.ts";
import { DtypeError } from "../errors.ts";

function checkFloat(x: Tensor, op: string): void {
  checkTensor(x, op);
  if (!isFloating(x.dtype)) {
    throw new DtypeError(`${op}() expects a floating-point tensor; got ${x.dtype}`);
  }
}

/**
 * `softplus(x) = log(1 + exp(βx)) / β`, linear (`x`) where `βx > threshold`, as PyTorch.
 * Stable for any `x`; its derivative is `sigmoid(βx)`.
 *
 * @param x a floating tensor
 * @param beta the sharpness β (default 1)
 * @param threshold above which `βx` the function is taken as linear (default 20)
 * @returns `softplus(x)` (gradFn `SoftplusBackward0`)
 * @throws {DtypeError} for integer input
 * @example Calling softplus
 * ```ts
 * import { softplus, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const y = softplus(tensor([0, 1000, -1000], { dtype: "float64" }));
 * assert.deepEqual(y.toArray(), [Math.LN2, 1000, 0]);
 * ```
 */
export function softplus(x: Tensor, beta = 1, threshold = 20): Tensor {
  checkFloat(x, "softplus");
  const bx = beta === 1 ? x : mul(x, beta);
  // the last step takes PyTorch's name for the whole op
  const name = "SoftplusBackward0";
  const linearAbove = Number.isFinite(threshold);
  let y = apply("softplus", [bx], null);
  if (beta !== 1) {
    y = apply("div", [y, constant(beta, y.dtype)], null, linearAbove ? undefined : name);
  }
  return linearAbove ? select(gt(bx, threshold), x, y, name) : y;
}

/**
 * `log(sigmoid(x)) = −softplus(−x)`, stable at ±1e3; its derivative is `sigmoid(−x)`.
 *
 * @param x a floating tensor
 * @returns `logSigmoid(x)` (gradFn `LogSigmoidBackward0`)
 * @throws {DtypeError} for integer input
 * @example Calling logSigmoid
 * ```ts
 * import { logSigmoid, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(logSigmoid(tensor([0, -1000], { dtype: "float64" })).toArray(), [-Math.LN2, -1000]);
 * ```
 */
export function logSigmoid(x: Tensor): Tensor {
  checkFloat(x, "logSigmoid");
  // −softplus(−x), the negation named as PyTorch's single op
  const s = apply("softplus", [neg(x)], null);
  return apply("mul", [s, constant(-1, s.dtype)], null, "LogSigmoidBackward0");
}

/**
 * `x` where `x > 0`, `negativeSlope · x` elsewhere. At 0 the derivative is `negativeSlope`,
 * as PyTorch.
 *
 * @param x a tensor
 * @param negativeSlope the slope for negative inputs (default 0.01)
 * @returns `leakyRelu(x)` (gradFn `LeakyReluBackward0`)
 * @example Calling leakyRelu
 * ```ts
 * import { leakyRelu, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(leakyRelu(tensor([-2, 3], { dtype: "float64" }), 0.5).toArray(), [-1, 3]);
 * ```
 */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  checkFloat(x, "leakyRelu");
  return select(gt(x, 0), x, mul(x, negativeSlope), "LeakyReluBackward0");
}

/**
 * `x` where `x > 0`, `α(eˣ − 1)` elsewhere. At 0 the derivative is `α`, as PyTorch.
 *
 * @param x a floating tensor
 * @param alpha the scale α of the negative part (default 1)
 * @returns `elu(x)` (gradFn `EluBackward0`)
 * @throws {DtypeError} for integer input
 * @example Calling elu
 * ```ts
 * import { elu, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(elu(tensor([2, -1000], { dtype: "float64" })).toArray(), [2, -1]);
 * ```
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkFloat(x, "elu");
  // expm1 sees min(x, 0), so that large x cannot overflow into a NaN gradient
  const positive = gt(x, 0);
  return select(positive, x, mul(expm1(where(positive, 0, x)), alpha), "EluBackward0");
}

/**
 * The Gaussian error linear unit `x·Φ(x) = x·(1 + erf(x/√2))/2`, or with
 * `approximate: "tanh"`, `x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2` (PyTorch's `gelu`).
 *
 * @param x a floating tensor
 * @param approximate `"none"` (default) or `"tanh"`
 * @returns `gelu(x)` (gradFn `GeluBackward0`)
 * @throws {DtypeError} for integer input
 * @throws {TypeError} for an `approximate` other than `"none"` or `"tanh"`
 * @example Calling gelu
 * ```ts
 * import { gelu, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(gelu(tensor([0, 1000], { dtype: "float64" })).toArray(), [0, 1000]);
 * ```
 */
export function gelu(x: Tensor, approximate: "none" | "tanh" = "none"): Tensor {
  checkFloat(x, "gelu");
  if (approximate !== "none" && approximate !== "tanh") {
    throw new TypeError(`gelu() expects approximate "none" or "tanh"; got ${String(approximate)}`);
  }
  const half = mul(x, 0.5);
  const inner = approximate === "tanh"
    ? tanh(mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI)))
    : erf(mul(x, Math.SQRT1_2));
  return apply("mul", [half, add(inner, 1)], null, "GeluBackward0");
}

/**
 * The sigmoid linear unit (swish) `x·sigmoid(x)`.
 *
 * @param x a floating tensor
 * @returns `silu(x)` (gradFn `SiluBackward0`)
 * @throws {DtypeError} for integer input
 * @example Calling silu
 * ```ts
 * import { silu, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(silu(tensor([0, -1000, 1000], { dtype: "float64" })).toArray(), [0, -0, 1000]);
 * ```
 */
export function silu(x: Tensor): Tensor {
  checkFloat(x, "silu");
  return apply("mul", [x, sigmoid(x)], null, "SiluBackward0");
}

/**
 * Clamps `x` into `[min, max]` (either bound may be omitted; numbers or tensors that
 * broadcast). As PyTorch, the gradient passes to `x` where `min ≤ x ≤ max` (bounds included),
 * and to a tensor bound where it is the one taken; if `min > max` every value is `max`.
 *
 * @param x a tensor
 * @param min the lower bound, or null/undefined for none
 * @param max the upper bound, or null/undefined for none
 * @returns the clamped tensor (gradFn `ClampBackward1`, or `ClampBackward0` with tensor bounds)
 * @throws {TypeError} when neither bound is given
 * @example Calling clamp
 * ```ts
 * import { clamp, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(clamp(tensor([-2, 0.5, 3]), 0, 1).toArray(), [0, 0.5, 1]);
 * assert.deepEqual(clamp(tensor([-2, 0.5, 3]), null, 1).toArray(), [-2, 0.5, 1]);
 * ```
 */
export function clamp(x: Tensor, min?: TensorLike | null, max?: TensorLike | null): Tensor {
  checkTensor(x, "clamp");
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new TypeError(`clamp() needs at least one of min and max`);
  }
  const hasMin = min !== undefined && min !== null;
  const hasMax = max !== undefined && max !== null;
  const tensorBound = (hasMin && typeof min !== "number") || (hasMax && typeof max !== "number");
  const name = tensorBound ? "ClampBackward0" : "ClampBackward1";
  let y = x;
  if (hasMin) {
    checkTensorLike(min, "clamp", "min");
    y = select(lt(y, min), min, y, hasMax ? undefined : name);
  }
  if (hasMax) {
    checkTensorLike(max, "clamp", "max");
    y = select(gt(y, max), max, y, name);
  }
  return y;
}

function binaryPrim(op: "maximum" | "minimum" | "atan2", a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, op, "a");
  checkTensorLike(b, op, "b");
  if (typeof a === "number" && typeof b === "number") {
    throw new TypeError(`${op}() needs at least one tensor argument`);
  }
  const dtype = typeof a === "number"
    ? (b as Tensor).dtype
    : typeof b === "number"
    ? a.dtype
    : promoteShaped(a.dtype, a.ndim === 0, b.dtype, b.ndim === 0);
  const ta = typeof a === "number" ? scalar(a, dtype) : cast(a, dtype);
  const tb = typeof b === "number" ? scalar(b, dtype) : cast(b, dtype);
  return apply(op, [ta, tb], null);
}

/**
 * The elementwise larger of `a` and `b` (broadcasting). At ties the gradient is split in half
 * between the two, as PyTorch.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns `max(a, b)` elementwise (gradFn `MaximumBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Calling maximum
 * ```ts
 * import { maximum, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(maximum(tensor([1, 5]), tensor([3, 2])).toArray(), [3, 5]);
 * ```
 */
export function maximum(a: TensorLike, b: TensorLike): Tensor {
  return binaryPrim("maximum", a, b);
}

/**
 * The elementwise smaller of `a` and `b` (broadcasting); ties split the gradient in half.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns `min(a, b)` elementwise (gradFn `MinimumBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Calling minimum
 * ```ts
 * import { minimum, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(minimum(tensor([1, 5]), 2).toArray(), [1, 2]);
 * ```
 */
export function minimum(a: TensorLike, b: TensorLike): Tensor {
  return binaryPrim("minimum", a, b);
}

/**
 * The angle of the point `(b, a)`: `atan(a / b)` in the right quadrant, in `(−π, π]`.
 *
 * @param a the y coordinates
 * @param b the x coordinates
 * @returns `atan2(a, b)` elementwise (gradFn `Atan2Backward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Calling atan2
 * ```ts
 * import { atan2, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(atan2(tensor([1, 1], { dtype: "float64" }), tensor([1, -1], { dtype: "float64" })).toArray(), [Math.PI / 4, 3 * Math.PI / 4]);
 * ```
 */
export function atan2(a: TensorLike, b: TensorLike): Tensor {
  return binaryPrim("atan2", a, b);
}
