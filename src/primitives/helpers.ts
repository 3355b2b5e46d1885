/**
 * Small helpers shared by the rule files: building outputs, and arithmetic on gradient or
 * tangent slots where `null` stands for zeros.
 *
 * @module
 */

import { allocate, type DType } from "../dtype.ts";
import { type Shape, sizeOf } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { add, mul, neg, sub } from "../ops/arithmetic.ts";
import type { MaybeTensor } from "./types.ts";

/** A fresh output tensor and its storage, for forward kernels to fill. */
export function output(shape: Shape, dtype: DType): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape, dtype, TRUSTED);
}

/** `a + b` where `null` is zero. */
export function addMaybe(a: MaybeTensor, b: MaybeTensor): MaybeTensor {
  if (a === null) return b;
  if (b === null) return a;
  return add(a, b);
}

/** `a - b` where `null` is zero. */
export function subMaybe(a: MaybeTensor, b: MaybeTensor): MaybeTensor {
  if (b === null) return a;
  if (a === null) return neg(b);
  return sub(a, b);
}

/** `t * factor` where a `null` tangent stays `null`. */
export function mulMaybe(t: MaybeTensor, factor: Tensor | number): MaybeTensor {
  return t === null ? null : mul(t, factor);
}

/** Whether every slot is `null` (all tangents are zero). */
export function allNull(ts: readonly MaybeTensor[]): boolean {
  for (const t of ts) if (t !== null) return false;
  return true;
}
