/**
 * The error classes Tapegrad throws. Each message names the operation and the shapes or
 * dtypes involved and says what to do; it starts with a capital letter and has no trailing
 * period.
 *
 * @module
 */

/**
 * Shapes that do not fit an operation: shapes that do not broadcast, a dimension out of
 * range, a gradient of the wrong shape. A `RangeError`, so `instanceof RangeError` works too.
 *
 * @example Catch a broadcasting error
 * ```ts
 * import { add, ones, ShapeError } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => add(ones([2, 3]), ones([4])), ShapeError);
 * ```
 */
export class ShapeError extends RangeError {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

/**
 * A dtype that an operation cannot take, such as an integer tensor asked to require grad.
 * A `TypeError`, so `instanceof TypeError` works too.
 *
 * @example Integer tensors cannot require grad
 * ```ts
 * import { DtypeError, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => tensor([1, 2], { dtype: "int64", requiresGrad: true }), DtypeError);
 * ```
 */
export class DtypeError extends TypeError {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "DtypeError";
  }
}

/**
 * A misuse of autograd: backward on a tensor that does not require grad, backward on a
 * non-scalar without a `gradient`, a second backward through a freed graph, or changing
 * `requiresGrad` on a non-leaf.
 *
 * @example Backward twice without retainGraph
 * ```ts
 * import { AutogradError, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(2, { requiresGrad: true });
 * const y = x.mul(x);
 * y.backward();
 * assert.throws(() => y.backward(), AutogradError);
 * ```
 */
export class AutogradError extends Error {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "AutogradError";
  }
}

/**
 * A linear-algebra input the operation cannot handle: a singular matrix for `linalg.inv` or
 * `linalg.solve`, a matrix that is not positive-definite for `linalg.cholesky` (PyTorch's
 * `torch.linalg.LinAlgError`). A `RangeError`.
 *
 * @example Inverting a singular matrix
 * ```ts
 * import { LinAlgError, linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => linalg.inv(tensor([[1, 2], [2, 4]])), LinAlgError);
 * ```
 */
export class LinAlgError extends RangeError {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "LinAlgError";
  }
}

/**
 * Raised when two pytrees that must share one structure do not (a gradient tree against its
 * parameters, a tangent against its primal, `inDims` against an argument). The message names
 * the function and the path in each tree where they part.
 *
 * @example Catching a mismatch
 * ```ts
 * import { tensor, tree, TreeError } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => tree.map((a, b) => a, { w: tensor(1) }, { v: tensor(1) }), TreeError);
 * ```
 */
export class TreeError extends TypeError {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "TreeError";
  }
}

/**
 * A tensor used after {@linkcode tidy} released it (it was made inside the function and not
 * returned) or after {@linkcode dispose}: its memory went back to the buffer pool for reuse.
 * The message names the tensor's dtype and shape and who released it.
 *
 * @example Using a tensor that tidy released
 * ```ts
 * import { ones, ReleasedTensorError, type Tensor, tidy } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * let inner: Tensor | undefined;
 * const total = tidy(() => {
 *   inner = ones([32, 32]).mul(2);
 *   return inner.sum();
 * });
 * assert.equal(total.item(), 2048);
 * assert.throws(() => inner!.sum(), ReleasedTensorError);
 * ```
 */
export class ReleasedTensorError extends Error {
  /** Builds the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = "ReleasedTensorError";
  }
}
