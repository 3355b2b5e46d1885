/**
 * Arithmetic with broadcasting: `add`, `sub`, `mul`, `div`, `neg`, `pow`. Plain numbers are
 * accepted on either side and take the tensor's dtype.
 *
 * @module
 */

import { DtypeError } from "../errors.ts";
import { type DType, getDefaultDtype, isFloating, promoteWithNumber } from "../dtype.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import type { Params } from "../primitives/types.ts";
import { filled } from "./shape.ts";

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

/** Cache slots per dtype: 2⁸, indexed by the top 8 bits of a multiplicative hash. */
const SLOTS = 256;
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const slotLo = new Uint32Array(4 * SLOTS);
const slotHi = new Uint32Array(4 * SLOTS);
const slotTensor: (Tensor | undefined)[] = new Array(4 * SLOTS).fill(undefined);

/**
 * @ignore A 0-d tensor holding `value` in `dtype`, shared between calls: the operand of
 * `x + 2`, `x * 0.5`, `-x`, ... Operations with a number are the binary primitives with
 * such a constant, so caching it keeps them as cheap as dedicated scalar primitives would
 * be: no allocation, and a direct-mapped cache keyed by the number's bits (a `Map` lookup
 * costs a tenth of a small op). Never hand one to a user: it must not be given
 * `requiresGrad`.
 */
export function constant(value: number, dtype: DType): Tensor {
  bits[0] = value;
  const lo = words[0], hi = words[1];
  const d = dtype === "float32" ? 0 : dtype === "float64" ? 1 : dtype === "int64" ? 2 : 3;
  const k = d * SLOTS + (Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> 24);
  const hit = slotTensor[k];
  if (hit !== undefined && slotLo[k] === lo && slotHi[k] === hi) return hit;
  const c = filled([], dtype, value);
  slotTensor[k] = c;
  slotLo[k] = lo;
  slotHi[k] = hi;
  return c;
}

/** `x` and the number `c` as a constant of the dtype their combination has. */
function withNumber(x: Tensor, c: number): Tensor {
  return constant(c, promoteWithNumber(x.dtype, c));
}

const ADD: Params["add"] = Object.freeze({ alpha: 1 });
const SUB: Params["add"] = Object.freeze({ alpha: -1 });

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
  // `x + 2` first, the rest in a function of its own: this one stays small enough to inline
  if (typeof b === "number" && a instanceof Tensor) return apply("add", [a, withNumber(a, b)], ADD);
  return addAny(a, b);
}

/** `add` of any two operands, checked. */
function addAny(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "add", "a");
  checkTensorLike(b, "add", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a + b) : apply("add", [a, withNumber(a, b)], ADD);
  }
  if (typeof a === "number") return apply("add", [b, withNumber(b, a)], ADD);
  // bool + bool stays bool (logical or), as PyTorch
  if (a.dtype === "bool" && b.dtype === "bool") return apply("logicalOr", [a, b], null);
  return apply("add", [a, b], ADD);
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
  if (typeof b === "number" && a instanceof Tensor) {
    return apply("add", [a, withNumber(a, b)], SUB, "SubBackward0");
  }
  checkTensorLike(a, "sub", "a");
  checkTensorLike(b, "sub", "b");
  if (typeof b === "number") {
    if (typeof a === "number") return scalar(a - b);
    return apply("add", [a, withNumber(a, b)], SUB, "SubBackward0");
  }
  if (typeof a === "number") return apply("add", [withNumber(b, a), b], SUB, "RsubBackward1");
  if (a.dtype === "bool" && b.dtype === "bool") {
    throw new DtypeError(
      `sub() of two bool tensors is not supported (as in PyTorch); use logicalXor-style ` +
        `logicalAnd(a, logicalNot(b)) or convert with .to("float32")`,
    );
  }
  return apply("add", [a, b], SUB, "SubBackward0");
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
  // `x * 2` first, the rest in a function of its own: this one stays small enough to inline
  if (typeof b === "number" && a instanceof Tensor) {
    return apply("mul", [a, withNumber(a, b)], null);
  }
  return mulAny(a, b);
}

/** `mul` of any two operands, checked. */
function mulAny(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "mul", "a");
  checkTensorLike(b, "mul", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a * b) : apply("mul", [a, withNumber(a, b)], null);
  }
  if (typeof a === "number") return apply("mul", [b, withNumber(b, a)], null);
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
  // `x / 2` first, the rest in a function of its own: this one stays small enough to inline
  if (typeof b === "number" && a instanceof Tensor) {
    return apply("div", [a, withNumber(a, b)], null);
  }
  return divAny(a, b);
}

/** `div` of any two operands, checked. */
function divAny(a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, "div", "a");
  checkTensorLike(b, "div", "b");
  if (typeof b === "number") {
    return typeof a === "number" ? scalar(a / b) : apply("div", [a, withNumber(a, b)], null);
  }
  // PyTorch computes `c / x` as `reciprocal(x) · c`, hence the name
  if (typeof a === "number") return apply("div", [withNumber(b, a), b], null, "MulBackward0");
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
  return apply("mul", [x, constant(-1, x.dtype)], null, "NegBackward0", false);
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
    return apply("pow", [base, withNumber(base, exponent)], null, "PowBackward0");
  }
  const b = typeof base === "number" ? constant(base, exponent.dtype) : base;
  return apply("pow", [b, exponent], null);
}
