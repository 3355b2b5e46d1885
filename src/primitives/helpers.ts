/**
 * Small helpers shared by the rule files: building outputs, and adding gradient or tangent
 * slots where `null` stands for zeros.
 *
 * @module
 */

import { allocate, type DType } from "../dtype.ts";
import { type Shape, sizeOf } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { add } from "../ops/arithmetic.ts";
import type { MaybeTensor } from "./types.ts";

/** A fresh output tensor and its storage, for forward kernels to fill. */
export function output(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape, dtype, TRUSTED);
}

/** A fresh output of `x`'s shape (its element count known: no walk over the shape). */
export function outputLike(x: Tensor, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, x._buf.length), x.shape, dtype, TRUSTED);
}

/** `a + b` where `null` is zero. */
export function addMaybe(a: MaybeTensor, b: MaybeTensor): MaybeTensor {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}
