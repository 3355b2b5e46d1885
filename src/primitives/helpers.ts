/**
 * Small helpers shared by the rule files: building outputs, and adding gradient or tangent
 * slots where `null` stands for zeros.
 *
 * @module
 */

import { allocate, type DType } from "../dtype.ts";
import { type Shape, shapesEqual, sizeOf } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { add } from "../ops/arithmetic.ts";
import { soleTangentLevel } from "../autograd/dispatch.ts";
import { type FwLevel, tangentAt } from "../autograd/forward_ad.ts";
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

/** Whether `ts` have the dtype and shape of `y`, float32 or float64 (a fused kernel's operands). */
export function likeOutput(y: Tensor, ts: readonly Tensor[]): boolean {
  const d = y.dtype;
  if (d !== "float32" && d !== "float64") return false;
  for (const t of ts) {
    if (t.dtype !== d || t._buf.length !== y._buf.length || !shapesEqual(t.shape, y.shape)) {
      return false;
    }
  }
  return true;
}

/**
 * For a fused backward that computes its result and that result's tangent itself under one
 * plain tangent level with nothing recorded (the inner backward of a Hessian-vector product):
 * the level (null when no input carries a tangent there) and each input's tangent at it, or
 * `undefined` where the composite rule must run (another level or a graph to record, tangents
 * not shaped like `like`, or tangents that carry tangents of their own).
 */
export function soleTangents(
  inputs: readonly Tensor[],
  like: Tensor,
): { level: FwLevel | null; tangents: (Tensor | null)[] } | undefined {
  const level = soleTangentLevel(inputs);
  if (level === undefined) return undefined;
  const tangents = inputs.map((x) => (level === null ? null : tangentAt(x, level)));
  const ts = tangents.filter((t) => t !== null) as Tensor[];
  if (!likeOutput(like, ts)) return undefined;
  if (ts.length > 0 && soleTangentLevel(ts) !== null) return undefined;
  return { level, tangents };
}
