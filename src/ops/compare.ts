/**
 * Comparisons (returning bool tensors), logical operations, and `where`.
 *
 * @module
 */

import { promoteShaped } from "../dtype.ts";
import { DtypeError } from "../errors.ts";
import type { Tensor, TensorLike } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, checkTensorLike, scalar } from "./arithmetic.ts";
import { cast } from "./shape.ts";

type CompareOp = "eq" | "ne" | "lt" | "le" | "gt" | "ge";

function compare(op: CompareOp, a: TensorLike, b: TensorLike): Tensor {
  checkTensorLike(a, op, "a");
  checkTensorLike(b, op, "b");
  const ta = typeof a === "number" ? scalar(a, typeof b === "number" ? "float64" : b.dtype) : a;
  const tb = typeof b === "number" ? scalar(b, ta.dtype) : b;
  return apply(op, [ta, tb], null);
}

/**
 * Elementwise `a == b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Compare with a number
 * ```ts
 * import { eq, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(eq(tensor([1, 2, 3]), 2).toArray(), [false, true, false]);
 * ```
 */
export function eq(a: TensorLike, b: TensorLike): Tensor {
  return compare("eq", a, b);
}

/**
 * Elementwise `a != b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Not equal
 * ```ts
 * import { ne, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ne(tensor([1, 2]), 2).toArray(), [true, false]);
 * ```
 */
export function ne(a: TensorLike, b: TensorLike): Tensor {
  return compare("ne", a, b);
}

/**
 * Elementwise `a < b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Less than
 * ```ts
 * import { lt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(lt(tensor([1, 2]), 2).toArray(), [true, false]);
 * ```
 */
export function lt(a: TensorLike, b: TensorLike): Tensor {
  return compare("lt", a, b);
}

/**
 * Elementwise `a <= b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Less or equal
 * ```ts
 * import { le, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(le(tensor([1, 2, 3]), 2).toArray(), [true, true, false]);
 * ```
 */
export function le(a: TensorLike, b: TensorLike): Tensor {
  return compare("le", a, b);
}

/**
 * Elementwise `a > b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Greater than
 * ```ts
 * import { gt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(gt(tensor([1, 2]), 1).toArray(), [false, true]);
 * ```
 */
export function gt(a: TensorLike, b: TensorLike): Tensor {
  return compare("gt", a, b);
}

/**
 * Elementwise `a >= b` as a bool tensor, with broadcasting.
 *
 * @param a a tensor or number
 * @param b a tensor or number
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Greater or equal
 * ```ts
 * import { ge, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(ge(tensor([1, 2]), 2).toArray(), [false, true]);
 * ```
 */
export function ge(a: TensorLike, b: TensorLike): Tensor {
  return compare("ge", a, b);
}

/**
 * Chooses elementwise between `a` (where `condition` is true) and `b`, with broadcasting of
 * all three. Gradients flow to the chosen side only.
 *
 * @param condition a bool tensor (other dtypes count non-zero as true)
 * @param a values where the condition holds
 * @param b values elsewhere
 * @returns the selection (gradFn `WhereBackward0`)
 * @throws {ShapeError} when the shapes do not broadcast
 * @throws {DtypeError} when the condition is not bool
 * @example Clip negatives to zero
 * ```ts
 * import { gt, tensor, where } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([-1, 2, -3]);
 * assert.deepEqual(where(gt(x, 0), x, 0).toArray(), [0, 2, 0]);
 * ```
 */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  return select(condition, a, b);
}

/**
 * @ignore {@linkcode where} whose node takes `name`: the last step of a composite op that
 * PyTorch names after itself (`tril` is a selection named `TrilBackward0`).
 */
export function select(condition: Tensor, a: TensorLike, b: TensorLike, name?: string): Tensor {
  checkTensor(condition, "where", "condition");
  if (condition.dtype !== "bool") {
    throw new DtypeError(
      `where() expects a bool condition (as PyTorch); got ${condition.dtype}. Compare first, ` +
        `e.g. gt(x, 0)`,
    );
  }
  checkTensorLike(a, "where", "a");
  checkTensorLike(b, "where", "b");
  const dtype = typeof a === "number"
    ? (typeof b === "number" ? undefined : b.dtype)
    : typeof b === "number"
    ? a.dtype
    : promoteShaped(a.dtype, a.ndim === 0, b.dtype, b.ndim === 0);
  const ta = typeof a === "number" ? scalar(a, dtype) : cast(a, dtype ?? a.dtype);
  const tb = typeof b === "number" ? scalar(b, ta.dtype) : cast(b, ta.dtype);
  return apply("where", [condition, ta, tb], null, name);
}

function logical(op: "logicalAnd" | "logicalOr", a: Tensor, b: Tensor): Tensor {
  checkTensor(a, op, "a");
  checkTensor(b, op, "b");
  return apply(op, [a, b], null);
}

/**
 * Elementwise logical and (non-zero counts as true).
 *
 * @param a a tensor
 * @param b a tensor
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Both conditions
 * ```ts
 * import { gt, logicalAnd, lt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 5, 9]);
 * assert.deepEqual(logicalAnd(gt(x, 2), lt(x, 8)).toArray(), [false, true, false]);
 * ```
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return logical("logicalAnd", a, b);
}

/**
 * Elementwise logical or (non-zero counts as true).
 *
 * @param a a tensor
 * @param b a tensor
 * @returns a bool tensor
 * @throws {ShapeError} when the shapes do not broadcast
 * @example Either condition
 * ```ts
 * import { gt, logicalOr, lt, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 5, 9]);
 * assert.deepEqual(logicalOr(lt(x, 2), gt(x, 8)).toArray(), [true, false, true]);
 * ```
 */
export function logicalOr(a: Tensor, b: Tensor): Tensor {
  return logical("logicalOr", a, b);
}

/**
 * Elementwise logical not (zero becomes true).
 *
 * @param x a tensor
 * @returns a bool tensor
 * @example Negate a mask
 * ```ts
 * import { logicalNot, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(logicalNot(tensor([true, false])).toArray(), [false, true]);
 * ```
 */
export function logicalNot(x: Tensor): Tensor {
  checkTensor(x, "logicalNot");
  return apply("logicalNot", [x], null);
}

/** @ignore A float copy of a bool mask, for multiplying gradients. */
export function maskOf(cond: Tensor, like: Tensor): Tensor {
  if (cond.dtype !== "bool") throw new DtypeError(`Expected a bool mask; got ${cond.dtype}`);
  return cast(cond, like.dtype);
}
