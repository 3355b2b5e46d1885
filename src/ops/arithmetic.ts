/**
 * Arithmetic with broadcasting: `add`, `sub`, `mul`, `div`, `neg`, `pow`. Plain numbers are
 * accepted on either side and take the tensor's dtype.
 *
 * @module
 */

import { DtypeError } from "../errors.ts";
import { type DType, getDefaultDtype, isFloating } from "../dtype.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { filled, named } from "./shape.ts";

/** @ignore Checks that `x` is a tensor or a number, naming the op and argument otherwise. */
export function checkTensorLike(x: unknown, op: string, arg: string): void {
  if (x instanceof Tensor || typeof x === "number") return;
  throw new TypeError(
    `${op}() expects a Tensor or a number for ${arg}; got ${describe(x)}. ` +
      `Wrap arrays with tensor(...)`,
  );
}

/** @ignore Checks that `x` is a tensor, naming the op and argument otherwise. */
export function checkTensor(x: unknown, op: string, arg = "its argument"): asserts x is Tensor {
  if (x instanceof Tensor) return;
  throw new TypeError(`${op}() expects a Tensor for ${arg}; got ${describe(x)}`);
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return "an array";
  if (x === null) return "null";
  return typeof x === "object" ? (x.constructor?.name ?? "an object") : typeof x;
}

/** @ignore A 0-d tensor holding `value`, in `dtype` (default: the default dtype). */
export function scalar(value: number, dtype: DType = getDefaultDtype()): Tensor {
  return filled([], dtype, value);
}

/**
 * Elementwise `a + b`, with NumPy/PyTorch broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns the sum (gradFn `AddBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Add a row to every row of a matrix
 * ```ts
 * import { add, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const y = add(tensor([[1, 2], [3, 4]]), tensor([10, 20]));
 * assert.deepEqual(y.toArray(), [[11, 22], [13, 24]]);
 * ```
 */
export function add(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "add", "a");
  checkTensorLike(b, "add", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a + b) : apply("addScalar", [a], b);
  }
  if (typeof a === "number") return apply("addScalar", [b], a);
  // bool + bool stays bool (logical or), as PyTorch
  if (a.dtype === "bool" && b.dtype === "bool") return apply("logicalOr", [a, b], null);
  return apply("add", [a, b], null);
}

/**
 * Elementwise `a - b`, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns the difference (gradFn `SubBackward0`, or `RsubBackward1` for a number minus a tensor)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Subtract a number
 * ```ts
 * import { sub, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(sub(tensor([3, 4]), 1).toArray(), [2, 3]);
 * assert.deepEqual(sub(1, tensor([3, 4])).toArray(), [-2, -3]);
 * ```
 */
export function sub(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "sub", "a");
  checkTensorLike(b, "sub", "b");
  if (typeof b === "number") {
    if (typeof a === "number") return scalar(a - b);
    return named(apply("addScalar", [a], -b), "SubBackward0");
  }
  if (typeof a === "number") return apply("rsubScalar", [b], a);
  if (a.dtype === "bool" && b.dtype === "bool") {
    throw new DtypeError(
      `sub() of two bool tensors is not supported (as in PyTorch); use logicalXor-style ` +
        `logicalAnd(a, logicalNot(b)) or convert with .to("float32")`,
    );
  }
  return apply("sub", [a, b], null);
}

/**
 * Elementwise `a * b`, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns the product (gradFn `MulBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Scale a vector
 * ```ts
 * import { mul, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(mul(tensor([1, 2]), 3).toArray(), [3, 6]);
 * ```
 */
export function mul(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "mul", "a");
  checkTensorLike(b, "mul", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a * b) : apply("mulScalar", [a], b);
  }
  if (typeof a === "number") return apply("mulScalar", [b], a);
  // bool · bool stays bool (logical and), as PyTorch
  if (a.dtype === "bool" && b.dtype === "bool") return apply("logicalAnd", [a, b], null);
  return apply("mul", [a, b], null);
}

/**
 * Elementwise true division `a / b`, with broadcasting. Integer tensors give floats.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns the quotient (gradFn `DivBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Divide by a number and by a tensor
 * ```ts
 * import { div, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(div(tensor([1, 3]), 2).toArray(), [0.5, 1.5]);
 * assert.deepEqual(div(1, tensor([2, 4])).toArray(), [0.5, 0.25]);
 * ```
 */
export function div(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "div", "a");
  checkTensorLike(b, "div", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a / b) : apply("divScalar", [a], b);
  }
  if (typeof a === "number") return named(apply("rdivScalar", [b], a), "MulBackward0");
  return apply("div", [a, b], null);
}

/**
 * Elementwise negation.
 *
 * @param x a tensor
 * @returns `-x` (gradFn `NegBackward0`)
 * @example Negate
 * ```ts
 * import { neg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(neg(tensor([1, -2])).toArray(), [-1, 2]);
 * ```
 */
export function neg(x: Tensor): Tensor {
  checkTensor(x, "neg");
  if (x.dtype === "bool") {
    throw new DtypeError(`neg() is not defined for bool tensors; use logicalNot() instead`);
  }
  return apply("neg", [x], null);
}

/**
 * Elementwise power `base ** exponent`, with broadcasting. A number exponent gives
 * `PowBackward0`, a tensor exponent `PowBackward1`.
 *
 * @param base a tensor or number
 * @param exponent a tensor or number
 * @returns the power
 * @throws {ShapeError} when the shapes do not broadcast
 * @throws {RangeError} for an integer tensor to a negative integer number (as PyTorch)
 * @example Square and exponentiate
 * ```ts
 * import { pow, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pow(tensor([1, 2, 3]), 2).toArray(), [1, 4, 9]);
 * assert.deepEqual(pow(2, tensor([1, 2, 3])).toArray(), [2, 4, 8]);
 * ```
 */
export function pow(base: TensorLike, exponent: TensorLike): Tensor {
  checkTensorLike(base, "pow", "base");
  checkTensorLike(exponent, "pow", "exponent");
  if (typeof exponent === "number") {
    if (typeof base === "number") return scalar(Math.pow(base, exponent));
    if (!isFloating(base.dtype) && Number.isInteger(exponent) && exponent < 0) {
      throw new RangeError(
        `pow(): integers to negative integer powers are not allowed (base dtype ` +
          `${base.dtype}, exponent ${exponent}); cast the base to a floating dtype first`,
      );
    }
    return apply("powScalar", [base], exponent);
  }
  const b = typeof base === "number" ? scalar(base, exponent.dtype) : base;
  return apply("pow", [b, exponent], null);
}
