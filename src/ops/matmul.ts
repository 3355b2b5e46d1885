/**
 * Linear algebra: the matrix product with all of PyTorch's `matmul` cases.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor } from "./arithmetic.ts";
import { reshapeAs } from "./shape.ts";
import { mm } from "../primitives/matmul.ts";

function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return apply("reshape", [x], { shape });
}

/**
 * Matrix product with PyTorch's `matmul` semantics: 1-D·1-D is a dot product, 2-D·2-D a
 * matrix product, 1-D operands are treated as a row (left) or column (right) vector and the
 * added dimension removed, and leading batch dimensions broadcast.
 *
 * @param a a tensor with at least 1 dimension
 * @param b a tensor with at least 1 dimension
 * @returns the product (gradFn `MmBackward0`, `MvBackward0`, `DotBackward0`,
 *   `SqueezeBackward3` or `UnsafeViewBackward0`, as PyTorch names each case)
 * @throws {ShapeError} when an operand is 0-d, the inner sizes differ, or the batch
 *   dimensions do not broadcast
 * @example A vector times a matrix, and a batch of matrices
 * ```ts
 * import { matmul, ones, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const w = tensor([[1, 2], [3, 4], [5, 6]]);
 * assert.deepEqual(matmul(tensor([1, 1, 1]), w).toArray(), [9, 12]);
 * assert.deepEqual(matmul(ones([4, 2, 3]), w).shape, [4, 2, 2]);
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, "matmul", "a");
  checkTensor(b, "matmul", "b");
  if (a.ndim === 0 || b.ndim === 0) {
    throw new ShapeError(
      `matmul(): both arguments need at least 1 dimension; got shapes ${fmtShape(a.shape)} ` +
        `and ${fmtShape(b.shape)}. Use mul() for scalars`,
    );
  }
  const ka = a.shape[a.ndim - 1];
  const kb = b.ndim === 1 ? b.shape[0] : b.shape[b.ndim - 2];
  if (ka !== kb) {
    throw new ShapeError(
      `matmul(): shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied ` +
        `(${ka} vs ${kb})`,
    );
  }
  if (a.ndim === 1 && b.ndim === 1) {
    return reshapeAs(mm(reshape(a, [1, ka]), reshape(b, [kb, 1])), [], "DotBackward0");
  }
  if (b.ndim === 1) {
    const r = mm(a, reshape(b, [kb, 1]));
    return reshapeAs(r, a.shape.slice(0, -1), a.ndim === 2 ? "MvBackward0" : "UnsafeViewBackward0");
  }
  if (a.ndim === 1) {
    const r = mm(reshape(a, [1, ka]), b);
    const shape = [...b.shape.slice(0, -2), b.shape[b.ndim - 1]];
    return reshapeAs(r, shape, b.ndim === 2 ? "SqueezeBackward3" : "UnsafeViewBackward0");
  }
  const flags = { transA: false, transB: false };
  return apply(
    "matmul",
    [a, b],
    flags,
    a.ndim === 2 && b.ndim === 2 ? undefined : "UnsafeViewBackward0",
  );
}
