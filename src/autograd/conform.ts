/**
 * Where shapes and dtypes of gradients and tangents are made to match their tensors: the
 * single place that un-broadcasts gradients (sums them to the input's shape) and broadcasts
 * tangents (expands them to the output's shape).
 *
 * @module
 */

import { shapesEqual } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { cast, expand, sumToShape } from "../ops/shape.ts";

/** @ignore The gradient `g` (maybe of a broadcast shape or another dtype) for tensor `x`. */
export function conformGrad(g: Tensor, x: Tensor): Tensor {
  let r = g;
  if (!shapesEqual(r.shape, x.shape)) r = sumToShape(r, x.shape);
  if (r.dtype !== x.dtype) r = cast(r, x.dtype);
  return r;
}

/** @ignore The tangent `t` (maybe of a broadcastable shape or another dtype) for output `out`. */
export function conformTangent(t: Tensor, out: Tensor): Tensor {
  let r = t;
  if (r.dtype !== out.dtype) r = cast(r, out.dtype);
  if (!shapesEqual(r.shape, out.shape)) r = expand(r, out.shape);
  return r;
}
