/**
 * Reduction primitives. The backward of a reduction broadcasts the output gradient back over
 * the reduced dimensions (reshaped with `keepdim` first); most share the rule shape
 * `d out = Σ w ⊙ dx` of the {@linkcode weighted} factory.
 *
 * Why each is a primitive: `sum`, `amax`, `amin`, `argmax`, `argmin` and `cumsum` are one
 * kernel pass (a composite `amin` as `−amax(−x)` takes three). `norm2` sums the squares in
 * float64 and has PyTorch's zero gradient at 0 (a composite `sqrt(sum(x²))` rounds in the
 * input's dtype and gives NaN there). `logsumexp`, `softmax` and `logSoftmax` are one stable
 * pass with one `exp` per element; composites would take four passes with large
 * intermediates.
 *
 * @module
 */

import { type DType, isFloating } from "../dtype.ts";
import type { Tensor } from "../tensor.ts";
import {
  argReduceKernel,
  cumulativeKernel,
  norm2Kernel,
  type Normalizer,
  normalizerKernel,
  reduceKernel,
  type ReduceOp,
} from "../kernels/reduce.ts";
import { apply } from "../autograd/dispatch.ts";
import { div, mul, sub } from "../ops/arithmetic.ts";
import { eq, maskOf, where } from "../ops/compare.ts";
import { output } from "./helpers.ts";
import {
  type Forward,
  linear,
  type ReduceDims,
  reducedShape,
  unreduce,
  weighted,
  zeroTangent,
} from "./factories.ts";
import type { Rule, RuleTable } from "./types.ts";
import { alongDim, type BatchTable, reduction } from "../vmap/batching.ts";

export { type ReduceDims, reducedShape, unreduce };

/** One dimension, and whether to keep it with size 1. */
interface OneDim {
  readonly dim: number;
  readonly keepdim: boolean;
}

/** Parameters of the reduction primitives. */
export interface ReduceParams {
  sum: ReduceDims;
  amax: ReduceDims;
  amin: ReduceDims;
  /** The Euclidean norm over `dims`. */
  norm2: ReduceDims;
  /** Cumulative sum along `dim`, from the end when `reverse` (the transpose of the other). */
  cumsum: { readonly dim: number; readonly reverse: boolean };
  /** The int64 index of the first largest element along `dim`. */
  argmax: OneDim;
  /** The int64 index of the first smallest element along `dim`. */
  argmin: OneDim;
  /** `log Σ exp(x)` along `dim`, in one stable pass (max subtracted). */
  logsumexp: OneDim;
  /** `exp(x) / Σ exp(x)` along `dim`, in one stable pass. */
  softmax: { readonly dim: number };
  /** `x − log Σ exp(x)` along `dim`, in one stable pass. */
  logSoftmax: { readonly dim: number };
}

/** Sizes before, along and after `dim`. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[dim], inner];
}

function normalizerForward(kind: Normalizer): Forward<{ readonly dim: number }> {
  return ([x], p) => {
    const keepdim = "keepdim" in p ? (p as OneDim).keepdim : true;
    const shape = kind === "logsumexp"
      ? reducedShape(x.shape, { dims: [p.dim], keepdim })
      : x.shape;
    const out = output(shape, x.dtype);
    normalizerKernel(kind, x._buf, ...around(x.shape, p.dim), out._buf);
    return out;
  };
}

function reduceForward(op: ReduceOp, dtypeOf: (d: DType) => DType): Forward<ReduceDims> {
  return ([x], p) => {
    const out = output(reducedShape(x.shape, p), dtypeOf(x.dtype));
    reduceKernel(op, x._buf, x.shape, p.dims, out._buf);
    return out;
  };
}

function argRule(op: "argmax" | "argmin"): Rule<OneDim> {
  return zeroTangent(op === "argmax" ? "ArgmaxBackward0" : "ArgminBackward0", ([x], p) => {
    const out = output(reducedShape(x.shape, { dims: [p.dim], keepdim: p.keepdim }), "int64");
    argReduceKernel(op, x._buf, ...around(x.shape, p.dim), out._buf);
    return out;
  });
}

const dimsOf = (p: ReduceDims) => p;

/** amax/amin: the gradient goes to the extreme elements, split evenly among ties (as PyTorch). */
function extreme(op: "max" | "min", name: string): Rule<ReduceDims> {
  // weights: 1/count on the elements equal to the extreme, 0 elsewhere
  return weighted(name, reduceForward(op, (d) => d), dimsOf, (x, out, p) => {
    const mask = maskOf(eq(x, unreduce(out, x.shape, p)), x);
    return div(mask, apply("sum", [mask], { dims: p.dims, keepdim: true }));
  });
}

function sumKeep(t: Tensor, dim: number): Tensor {
  return apply("sum", [t], { dims: [dim], keepdim: true });
}

/** Rules of the reduction primitives. */
export const reduceRules: RuleTable<ReduceParams> = {
  // d Σx = Σ dx
  sum: weighted(
    "SumBackward1",
    reduceForward("sum", (d) => (isFloating(d) ? d : "int64")),
    dimsOf,
    null,
  ),
  amax: extreme("max", "AmaxBackward0"),
  amin: extreme("min", "AminBackward0"),
  // d‖x‖ = Σ (x / ‖x‖) dx, taken as 0 where ‖x‖ = 0 (as PyTorch)
  norm2: weighted(
    "NormBackward1",
    ([x], p) => {
      const out = output(reducedShape(x.shape, p), x.dtype);
      norm2Kernel(x._buf, x.shape, p.dims, out._buf);
      return out;
    },
    dimsOf,
    (x, out, p) => mul(unreduce(safeRatio(1, out), x.shape, p), x),
  ),
  // the transpose of a cumulative sum is the cumulative sum from the other end
  cumsum: linear("cumsum", "CumsumBackward0", ([x], { dim, reverse }) => {
    const out = output(x.shape, isFloating(x.dtype) ? x.dtype : "int64");
    cumulativeKernel("sum", x._buf, ...around(x.shape, dim), out._buf, reverse);
    return out;
  }, (g, _i, { dim, reverse }) => apply("cumsum", [g], { dim, reverse: !reverse })),
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
  // d lse = Σ softmax(x) dx
  logsumexp: weighted<OneDim>(
    "LogsumexpBackward0",
    normalizerForward("logsumexp"),
    ({ dim, keepdim }) => ({ dims: [dim], keepdim }),
    (x, _out, { dim }) => apply("softmax", [x], { dim }),
  ),
  // dy = y ⊙ (dx − Σ y dx): the Jacobian is symmetric, so the vjp is the same map
  softmax: selfAdjoint(
    "SoftmaxBackward0",
    normalizerForward("softmax"),
    (v, y, { dim }) => mul(y, sub(v, sumKeep(mul(v, y), dim))),
  ),
  // dz = dx − Σ softmax(x) dx with softmax(x) = exp(z); vjp: g − softmax(x) Σ g
  logSoftmax: {
    name: "LogSoftmaxBackward0",
    saves: true,
    forward: normalizerForward("logSoftmax"),
    vjp: (g, _i, z, { dim }) => [sub(g, mul(apply("exp", [z], null), sumKeep(g, dim)))],
    jvp: ([t], _i, z, { dim }) =>
      t === null ? null : sub(t, sumKeep(mul(apply("exp", [z], null), t), dim)),
  },
};

/** A single-input rule whose Jacobian is symmetric: `vjp(g) = J g`, `jvp(t) = J t`. */
function selfAdjoint<T>(
  name: string,
  forward: Forward<T>,
  jacobianTimes: (v: Tensor, out: Tensor, params: T) => Tensor,
): Rule<T> {
  return {
    name,
    saves: true,
    forward,
    vjp: (g, _i, out, p) => [jacobianTimes(g, out, p)],
    jvp: ([t], _i, out, p) => (t === null ? null : jacobianTimes(t, out, p)),
  };
}

/** `a / b` with 0 where `b = 0`. */
function safeRatio(a: Tensor | number, b: Tensor): Tensor {
  const zero = eq(b, 0);
  return where(zero, 0, div(a, where(zero, 1, b)));
}

/** Batching rules of the reductions: the reduced dimensions shift past the batch dimension. */
export const reduceBatchRules: BatchTable<ReduceParams> = {
  sum: reduction("sum"),
  amax: reduction("amax"),
  amin: reduction("amin"),
  norm2: reduction("norm2"),
  cumsum: alongDim("cumsum"),
  argmax: alongDim("argmax"),
  argmin: alongDim("argmin"),
  logsumexp: alongDim("logsumexp"),
  softmax: alongDim("softmax"),
  logSoftmax: alongDim("logSoftmax"),
};
