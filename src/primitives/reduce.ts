/**
 * Reduction primitives over a set of dimensions. The backward of a reduction broadcasts the
 * output gradient back over the reduced dimensions (reshaped with `keepdim` first).
 *
 * @module
 */

import { type DType, isFloating } from "../dtype.ts";
import type { Tensor } from "../tensor.ts";
import {
  argReduceKernel,
  cumulativeKernel,
  reduceKernel,
  type ReduceOp,
} from "../kernels/reduce.ts";
import { apply } from "../autograd/dispatch.ts";
import { div, mul, sub } from "../ops/arithmetic.ts";
import { eq, maskOf, where } from "../ops/compare.ts";
import { output } from "./helpers.ts";
import type { Rule, RuleTable } from "./types.ts";

/** Which dimensions to reduce (sorted, distinct) and whether to keep them with size 1. */
export interface ReduceDims {
  readonly dims: readonly number[];
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
  argmax: { readonly dim: number; readonly keepdim: boolean };
  /** The int64 index of the first smallest element along `dim`. */
  argmin: { readonly dim: number; readonly keepdim: boolean };
  /** `log Σ exp(x)` along `dim`, in one stable pass (max subtracted). */
  logsumexp: { readonly dim: number; readonly keepdim: boolean };
  /** `exp(x) / Σ exp(x)` along `dim`, in one stable pass. */
  softmax: { readonly dim: number };
  /** `x − log Σ exp(x)` along `dim`, in one stable pass. */
  logSoftmax: { readonly dim: number };
}

type Normalizer = "logsumexp" | "softmax" | "logSoftmax";

/**
 * The stable softmax family along the middle axis of `[outer, n, inner]`: per lane, the max
 * `m` and `s = Σ exp(x − m)`; then `m + log s`, `exp(x − m) / s` or `x − m − log s`. A lane
 * whose max is ±∞ uses a shift of 0, as PyTorch.
 */
function normalizerForward(kind: Normalizer, x: Tensor, dim: number, keepdim: boolean): Tensor {
  const [outer, n, inner] = around(x.shape, dim);
  const shape = kind === "logsumexp"
    ? x.shape.map((d, i) => (i === dim ? 1 : d)).filter((_, i) => keepdim || i !== dim)
    : x.shape;
  const out = output(shape, x.dtype);
  const src = x._buf;
  const dst = out._buf;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let k = 0; k < n; k++) {
        const v = src[base + k * inner];
        if (v > m || v !== v) m = v;
      }
      if (m === Infinity || m === -Infinity) m = 0;
      let sum = 0;
      if (kind === "softmax") {
        // one exp per element: store the exponentials, then divide by their sum
        for (let k = 0; k < n; k++) {
          const e = Math.exp(src[base + k * inner] - m);
          dst[base + k * inner] = e;
          sum += e;
        }
        for (let k = 0; k < n; k++) dst[base + k * inner] /= sum;
        continue;
      }
      for (let k = 0; k < n; k++) sum += Math.exp(src[base + k * inner] - m);
      if (kind === "logsumexp") dst[o * inner + i] = m + Math.log(sum);
      else {
        const shift = m + Math.log(sum);
        for (let k = 0; k < n; k++) dst[base + k * inner] = src[base + k * inner] - shift;
      }
    }
  }
  return out;
}

function sumKeep(t: Tensor, dim: number): Tensor {
  return apply("sum", [t], { dims: [dim], keepdim: true });
}

/** Sizes before, along and after `dim`. */
function around(shape: readonly number[], dim: number): [number, number, number] {
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i];
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i];
  return [outer, shape[dim], inner];
}

function argRule(
  op: "argmax" | "argmin",
): Rule<{ readonly dim: number; readonly keepdim: boolean }> {
  return {
    name: op === "argmax" ? "ArgmaxBackward0" : "ArgminBackward0",
    saves: false,
    forward: ([x], { dim, keepdim }) => {
      const shape = reducedShape(x.shape, { dims: [dim], keepdim });
      const out = output(shape, "int64");
      const [outer, n, inner] = around(x.shape, dim);
      argReduceKernel(op, x._buf, outer, n, inner, out._buf);
      return out;
    },
    vjp: () => [null],
    jvp: () => null,
  };
}

/** The output shape of reducing `shape` over `dims`. */
export function reducedShape(shape: readonly number[], { dims, keepdim }: ReduceDims): number[] {
  if (keepdim) return shape.map((d, i) => (dims.includes(i) ? 1 : d));
  return shape.filter((_, i) => !dims.includes(i));
}

/** `t` (of the reduced shape) reshaped to keep the reduced dims, then broadcast to `shape`. */
export function unreduce(t: Tensor, shape: readonly number[], p: ReduceDims): Tensor {
  const kept = p.keepdim ? t : apply("reshape", [t], {
    shape: reducedShape(shape, { dims: p.dims, keepdim: true }),
  });
  return apply("expand", [kept], { shape });
}

function reduceForward(op: ReduceOp, dtypeOf: (d: DType) => DType) {
  return ([x]: readonly Tensor[], p: ReduceDims): Tensor => {
    const out = output(reducedShape(x.shape, p), dtypeOf(x.dtype));
    reduceKernel(op, x._buf, x.shape, p.dims, out._buf);
    return out;
  };
}

/** amax/amin: the gradient goes to the extreme elements, split evenly among ties (as PyTorch). */
function extreme(op: "max" | "min", name: string): Rule<ReduceDims> {
  // weights: 1/count on the elements equal to the extreme, 0 elsewhere
  const weights = (x: Tensor, out: Tensor, p: ReduceDims) => {
    const mask = maskOf(eq(x, unreduce(out, x.shape, p)), x);
    const count = apply("sum", [mask], { dims: p.dims, keepdim: true });
    return div(mask, count);
  };
  return {
    name,
    saves: true,
    forward: reduceForward(op, (d) => d),
    vjp: (g, [x], out, p) => [mul(unreduce(g, x.shape, p), weights(x, out, p))],
    jvp: ([t], [x], out, p) => t === null ? null : apply("sum", [mul(t, weights(x, out, p))], p),
  };
}

/** Rules of the reduction primitives. */
export const reduceRules: RuleTable<ReduceParams> = {
  // d Σx = Σ dx
  sum: {
    name: "SumBackward1",
    saves: false,
    forward: reduceForward("sum", (d) => (isFloating(d) ? d : "int64")),
    vjp: (g, [x], _o, p) => [unreduce(g, x.shape, p)],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("sum", [t], p)),
  },
  amax: extreme("max", "AmaxBackward0"),
  // the transpose of a cumulative sum is the cumulative sum from the other end
  cumsum: {
    name: "CumsumBackward0",
    saves: false,
    forward: ([x], { dim, reverse }) => {
      const out = output(x.shape, isFloating(x.dtype) ? x.dtype : "int64");
      const [outer, n, inner] = around(x.shape, dim);
      if (!reverse) cumulativeKernel("sum", x._buf, outer, n, inner, out._buf);
      else {
        const acc = new Float64Array(inner);
        const src = x._buf;
        const dst = out._buf;
        for (let o = 0; o < outer; o++) {
          acc.fill(0);
          for (let j = n - 1; j >= 0; j--) {
            const base = (o * n + j) * inner;
            for (let k = 0; k < inner; k++) {
              acc[k] += src[base + k];
              dst[base + k] = acc[k];
            }
          }
        }
      }
      return out;
    },
    vjp: (g, _i, _o, { dim, reverse }) => [apply("cumsum", [g], { dim, reverse: !reverse })],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("cumsum", [t], p)),
  },
  argmax: argRule("argmax"),
  argmin: argRule("argmin"),
  // d lse = Σ softmax(x) dx
  logsumexp: {
    name: "LogsumexpBackward0",
    saves: true,
    forward: ([x], { dim, keepdim }) => normalizerForward("logsumexp", x, dim, keepdim),
    vjp: (g, [x], _o, { dim, keepdim }) => [
      mul(unreduce(g, x.shape, { dims: [dim], keepdim }), apply("softmax", [x], { dim })),
    ],
    jvp: ([t], [x], _o, { dim, keepdim }) =>
      t === null
        ? null
        : apply("sum", [mul(t, apply("softmax", [x], { dim }))], { dims: [dim], keepdim }),
  },
  // dy = y ⊙ (dx − Σ y dx)
  softmax: {
    name: "SoftmaxBackward0",
    saves: true,
    forward: ([x], { dim }) => normalizerForward("softmax", x, dim, true),
    vjp: (g, _i, y, { dim }) => [mul(y, sub(g, sumKeep(mul(g, y), dim)))],
    jvp: ([t], _i, y, { dim }) => (t === null ? null : mul(y, sub(t, sumKeep(mul(t, y), dim)))),
  },
  // dz = dx − Σ softmax(x) dx, softmax(x) = exp(z)
  logSoftmax: {
    name: "LogSoftmaxBackward0",
    saves: true,
    forward: ([x], { dim }) => normalizerForward("logSoftmax", x, dim, true),
    vjp: (g, _i, z, { dim }) => [sub(g, mul(apply("exp", [z], null), sumKeep(g, dim)))],
    jvp: ([t], _i, z, { dim }) =>
      t === null ? null : sub(t, sumKeep(mul(apply("exp", [z], null), t), dim)),
  },
  amin: extreme("min", "AminBackward0"),
  // d‖x‖ = Σ x dx / ‖x‖, taken as 0 where ‖x‖ = 0 (as PyTorch)
  norm2: {
    name: "NormBackward1",
    saves: true,
    forward([x], p) {
      const out = output(reducedShape(x.shape, p), x.dtype);
      const sq = new Float64Array(x.numel);
      for (let i = 0; i < sq.length; i++) sq[i] = x._buf[i] * x._buf[i];
      reduceKernel("sum", sq, x.shape, p.dims, out._buf);
      for (let i = 0; i < out._buf.length; i++) out._buf[i] = Math.sqrt(out._buf[i]);
      return out;
    },
    vjp: (g, [x], out, p) => [mul(unreduce(safeRatio(g, out), x.shape, p), x)],
    jvp: ([t], [x], out, p) => t === null ? null : safeRatio(apply("sum", [mul(t, x)], p), out),
  },
};

/** `a / b` with 0 where `b = 0`. */
function safeRatio(a: Tensor, b: Tensor): Tensor {
  const zero = eq(b, 0);
  return where(zero, 0, div(a, where(zero, 1, b)));
}
