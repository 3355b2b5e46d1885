/**
 * `dot`, `outer`, and the `linalg` functions on (batches of) square matrices: `inv`, `det`,
 * `slogdet`, `solve`, `cholesky`. All differentiate to any order (their rules use `solve`
 * and `matmul` themselves).
 *
 * @module
 */

import { DtypeError, ShapeError } from "../errors.ts";
import { broadcastShapes, fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { isFloating } from "../dtype.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, mul } from "./arithmetic.ts";
import { band, cast, expand, reshape, reshapeAs } from "./shape.ts";
import { matmul } from "./matmul.ts";

/**
 * The inner product of two 1-D tensors of the same length.
 *
 * @param a a 1-D tensor
 * @param b a 1-D tensor
 * @returns a 0-d tensor (gradFn `DotBackward0`)
 * @throws {ShapeError} unless both are 1-D of one length
 * @example Calling dot
 * ```ts
 * import { dot, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(dot(tensor([1, 2, 3]), tensor([4, 5, 6])).item(), 32);
 * ```
 */
export function dot(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "dot", "a");
  checkTensor(b, "dot", "b");
  if (a.ndim !== 1 || b.ndim !== 1 || a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `dot() expects two 1-D tensors of the same length; got ${fmtShape(a.shape)} and ` +
        fmtShape(b.shape),
    );
  }
  return matmul(a, b);
}

/**
 * The outer product `out[i][j] = a[i]·b[j]` of two 1-D tensors.
 *
 * @param a a 1-D tensor
 * @param b a 1-D tensor
 * @returns a matrix (gradFn `MulBackward0`, as PyTorch)
 * @throws {ShapeError} unless both are 1-D
 * @example Calling outer
 * ```ts
 * import { outer, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(outer(tensor([1, 2]), tensor([3, 4, 5])).toArray(), [[3, 4, 5], [6, 8, 10]]);
 * ```
 */
export function outer(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "outer", "a");
  checkTensor(b, "outer", "b");
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new ShapeError(
      `outer() expects two 1-D tensors; got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  return mul(reshape(a, [a.shape[0], 1]), b);
}

function checkSquare(a: Tensor, op: string): void {
  checkTensor(a, `linalg.${op}`, "A");
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ShapeError(
      `linalg.${op}() expects a square matrix or a batch of them ([..., n, n]); got ` +
        fmtShape(a.shape),
    );
  }
  if (!isFloating(a.dtype)) {
    throw new DtypeError(`linalg.${op}() expects a floating-point matrix; got ${a.dtype}`);
  }
}

function identityLike(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  return expand(band(n, n, 0, 0, a.dtype), a.shape);
}

/**
 * The inverse of a square matrix, or of each matrix in a batch.
 *
 * @param a `[..., n, n]`
 * @returns `A⁻¹` (gradFn `LinalgInvExBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when a matrix is singular
 * @example Calling inv
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(linalg.inv(tensor([[2, 0], [0, 4]])).toArray(), [[0.5, 0], [0, 0.25]]);
 * ```
 */
export function inv(a: Tensor): Tensor {
  checkSquare(a, "inv");
  return apply("solve", [a, identityLike(a)], { adjoint: false, op: "inv" });
}

/**
 * Solves `A·X = B` for `X`. `B` is a vector (`[..., n]`) or a matrix of right-hand sides
 * (`[..., n, k]`); batch dimensions broadcast.
 *
 * @param a `[..., n, n]`
 * @param b `[..., n]` or `[..., n, k]`
 * @returns `X`, shaped like `b` (gradFn `LinalgSolveExBackward0`)
 * @throws {ShapeError} when A is not square, B's size does not match, or the batch
 *   dimensions do not broadcast
 * @throws {DtypeError} for an integer or bool A
 * @throws {LinAlgError} when a matrix is singular
 * @example Calling solve
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = linalg.solve(tensor([[2, 1], [1, 3]], { dtype: "float64" }), tensor([3, 5], { dtype: "float64" }));
 * assert.deepEqual(x.toArray(), [0.8, 1.4]);
 * ```
 */
export function solve(a: Tensor, b: Tensor): Tensor {
  checkSquare(a, "solve");
  checkTensor(b, "linalg.solve", "B");
  const n = a.shape[a.ndim - 1];
  const vector = b.ndim === 1 ||
    (b.ndim === a.ndim - 1 && b.shape.every((s, i) => s === a.shape[i]));
  const bm = vector ? reshape(b, [...b.shape, 1]) : b;
  if (bm.ndim < 2 || bm.shape[bm.ndim - 2] !== n) {
    throw new ShapeError(
      `linalg.solve(): B must be [..., ${n}] or [..., ${n}, k] for A of shape ` +
        `${fmtShape(a.shape)}; got ${fmtShape(b.shape)}`,
    );
  }
  const batch = broadcastShapes(a.shape.slice(0, -2), bm.shape.slice(0, -2), "linalg.solve");
  const dtype = a.dtype === "float64" || b.dtype === "float64" ? "float64" : a.dtype;
  const aa = expand(cast(a, dtype), [...batch, n, n]);
  const bb = expand(cast(bm, dtype), [...batch, n, bm.shape[bm.ndim - 1]]);
  const x = apply("solve", [aa, bb], { adjoint: false, op: "solve" });
  return vector ? reshapeAs(x, x.shape.slice(0, -1), "LinalgSolveExBackward0") : x;
}

/**
 * The determinant of a square matrix (or of each in a batch), from an LU factorization with
 * partial pivoting in float64. Its derivative is the cofactor matrix: `det A · A⁻ᵀ` for a
 * well-conditioned `A`, and the minors' determinants at singular or nearly singular matrices
 * (exact there, where PyTorch 1.13 returns zeros; up to 32×32 — a larger singular matrix
 * raises a `LinAlgError` when differentiated).
 *
 * @param a `[..., n, n]`
 * @returns `det A`, of the batch shape (gradFn `LinalgDetBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @example Calling det
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(linalg.det(tensor([[1, 2], [3, 4]], { dtype: "float64" })).item(), -2);
 * ```
 */
export function det(a: Tensor): Tensor {
  checkSquare(a, "det");
  return apply("det", [a], { op: "det" });
}

/** The sign and the log of the absolute value of a determinant. */
export interface Slogdet {
  /** The sign of the determinant: −1, 0 or 1 (no gradient). */
  readonly sign: Tensor;
  /** `log |det A|` (−∞ for a singular matrix). */
  readonly logabsdet: Tensor;
}

/**
 * The sign and `log |det A|` of a square matrix (or a batch), stable where the determinant
 * itself would overflow or underflow.
 *
 * @param a `[..., n, n]`
 * @returns `{ sign, logabsdet }` (logabsdet's gradFn `LinalgSlogdetBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when `logabsdet` is differentiated at a singular matrix
 * @example Calling slogdet
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const { sign, logabsdet } = linalg.slogdet(tensor([[1, 2], [3, 4]], { dtype: "float64" }));
 * assert.equal(sign.item(), -1);
 * assert.ok(Math.abs(logabsdet.item() - Math.log(2)) < 1e-15);
 * ```
 */
export function slogdet(a: Tensor): Slogdet {
  checkSquare(a, "slogdet");
  return {
    sign: apply("detSign", [a], { op: "slogdet" }),
    logabsdet: apply("logabsdet", [a], { op: "slogdet" }),
  };
}

/**
 * The lower Cholesky factor `L` of a symmetric positive-definite matrix (`A = L·Lᵀ`); only
 * the lower triangle of `A` is read. The gradient is symmetric, as PyTorch's.
 *
 * @param a `[..., n, n]`, symmetric positive-definite
 * @returns `L` (gradFn `LinalgCholeskyExBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when a matrix is not positive-definite
 * @example Calling cholesky
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(linalg.cholesky(tensor([[4, 2], [2, 5]])).toArray(), [[2, 0], [1, 2]]);
 * ```
 */
export function cholesky(a: Tensor): Tensor {
  checkSquare(a, "cholesky");
  return apply("cholesky", [a], { op: "cholesky" });
}
