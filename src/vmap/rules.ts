/**
 * Batching rules: how each primitive runs on physical tensors whose first dimension is the
 * batch (for the inputs marked batched) so that the result is the batch of per-example
 * results, batch dimension first. Rules come in families (elementwise, reductions, layout);
 * a primitive without a rule falls back to a loop over the batch, which is correct but slow.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import type { ReduceDims } from "../primitives/reduce.ts";
import { apply } from "../autograd/dispatch.ts";
import { promoteShaped } from "../dtype.ts";

/** A batching rule: physical inputs (batch first where `batched[i]`) to a batched output. */
export type BatchRule<T> = (
  phys: readonly Tensor[],
  batched: readonly boolean[],
  params: T,
  size: number,
) => Tensor;

function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return apply("reshape", [x], { shape });
}

/** A batched physical tensor `[B, ...s]` with `k` size-1 dims inserted after the batch dim. */
function padBatched(p: Tensor, k: number): Tensor {
  if (k <= 0) return p;
  return reshape(p, [p.shape[0], ...new Array<number>(k).fill(1), ...p.shape.slice(1)]);
}

/** An unbatched tensor repeated along a new leading batch dimension of `size`. */
export function materialize(x: Tensor, size: number): Tensor {
  return apply("expand", [reshape(x, [1, ...x.shape])], { shape: [size, ...x.shape] });
}

function logicalRank(p: Tensor, batched: boolean): number {
  return batched ? p.ndim - 1 : p.ndim;
}

/**
 * The two inputs of a promoting binary primitive cast to the dtype of their logical
 * (per-example) shapes: a batched 0-d float64 is physically 1-d, and must still not widen a
 * float32 vector (PyTorch's 0-d rule, see `promoteShaped`).
 */
function promoteLogical(phys: readonly Tensor[], batched: readonly boolean[]): readonly Tensor[] {
  if (phys.length !== 2 || phys[0].dtype === phys[1].dtype) return phys;
  const [a, b] = phys;
  const d = promoteShaped(
    a.dtype,
    logicalRank(a, batched[0]) === 0,
    b.dtype,
    logicalRank(b, batched[1]) === 0,
  );
  return phys.map((p) => (p.dtype === d ? p : apply("cast", [p], { dtype: d })));
}

/** Elementwise primitives with broadcasting: align logical ranks, then broadcast with the batch. */
function elementwise<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys0, batched, params) => {
    const phys = prim === "where" ? phys0 : promoteLogical(phys0, batched);
    let r = 0;
    for (let i = 0; i < phys.length; i++) r = Math.max(r, logicalRank(phys[i], batched[i]));
    const xs = phys.map((p, i) => (batched[i] ? padBatched(p, r - (p.ndim - 1)) : p));
    return apply(prim, xs, params);
  };
}

/** Reductions over `dims`: the dims shift by one. */
function reduction<P extends "sum" | "amax" | "amin" | "norm2">(prim: P): BatchRule<ReduceDims> {
  return ([p], _b, { dims, keepdim }) =>
    apply(prim, [p], { dims: dims.map((d) => d + 1), keepdim } as Params[P]);
}

/** The matrix product: fold the batch into rows or columns when one side is a plain matrix. */
const matmulRule: BatchRule<Params["matmul"]> = ([a, b], [ba, bb], flags, size) => {
  const { transA, transB } = flags;
  // Only A batched, A a plain matrix per example, B a matrix: stack the rows.
  if (ba && !bb && a.ndim === 3 && b.ndim === 2 && !transA) {
    const [, m, k] = a.shape;
    const r = apply("matmul", [reshape(a, [size * m, k]), b], flags);
    return reshape(r, [size, m, r.shape[1]]);
  }
  // Only B batched, both plain matrices: put the examples side by side as columns.
  if (!ba && bb && a.ndim === 2 && b.ndim === 3 && !transB) {
    const [, k, n] = b.shape;
    const cols = reshape(apply("permute", [b], { perm: [1, 0, 2] }), [k, size * n]);
    const r = apply("matmul", [a, cols], flags);
    const m = r.shape[0];
    return apply("permute", [reshape(r, [m, size, n])], { perm: [1, 0, 2] });
  }
  // General case: align the batch ranks and let matmul broadcast.
  const ra = logicalRank(a, ba) - 2, rb = logicalRank(b, bb) - 2;
  const r = Math.max(ra, rb);
  const pa = ba ? padBatched(a, r - ra) : a;
  const pb = bb ? padBatched(b, r - rb) : b;
  return apply("matmul", [pa, pb], flags);
};

/** Rules for the primitives that have one; the rest loop over the batch. */
export const BATCH_RULES: { readonly [P in Primitive]?: BatchRule<Params[P]> } = {
  // unary
  neg: elementwise("neg"),
  exp: elementwise("exp"),
  expm1: elementwise("expm1"),
  log: elementwise("log"),
  log1p: elementwise("log1p"),
  log2: elementwise("log2"),
  sqrt: elementwise("sqrt"),
  rsqrt: elementwise("rsqrt"),
  abs: elementwise("abs"),
  sign: elementwise("sign"),
  sin: elementwise("sin"),
  cos: elementwise("cos"),
  tan: elementwise("tan"),
  asin: elementwise("asin"),
  acos: elementwise("acos"),
  atan: elementwise("atan"),
  sinh: elementwise("sinh"),
  cosh: elementwise("cosh"),
  tanh: elementwise("tanh"),
  asinh: elementwise("asinh"),
  acosh: elementwise("acosh"),
  atanh: elementwise("atanh"),
  sigmoid: elementwise("sigmoid"),
  relu: elementwise("relu"),
  softplus: elementwise("softplus"),
  erf: elementwise("erf"),
  floor: elementwise("floor"),
  ceil: elementwise("ceil"),
  round: elementwise("round"),
  reciprocal: elementwise("reciprocal"),
  square: elementwise("square"),
  logicalNot: elementwise("logicalNot"),
  // binary and scalar
  add: elementwise("add"),
  sub: elementwise("sub"),
  mul: elementwise("mul"),
  div: elementwise("div"),
  pow: elementwise("pow"),
  maximum: elementwise("maximum"),
  minimum: elementwise("minimum"),
  atan2: elementwise("atan2"),
  eq: elementwise("eq"),
  ne: elementwise("ne"),
  lt: elementwise("lt"),
  le: elementwise("le"),
  gt: elementwise("gt"),
  ge: elementwise("ge"),
  logicalAnd: elementwise("logicalAnd"),
  logicalOr: elementwise("logicalOr"),
  where: elementwise("where"),
  addScalar: elementwise("addScalar"),
  mulScalar: elementwise("mulScalar"),
  divScalar: elementwise("divScalar"),
  powScalar: elementwise("powScalar"),
  rsubScalar: elementwise("rsubScalar"),
  rdivScalar: elementwise("rdivScalar"),
  cast: elementwise("cast"),
  alias: elementwise("alias"),
  // reductions
  sum: reduction("sum"),
  amax: reduction("amax"),
  amin: reduction("amin"),
  norm2: reduction("norm2"),
  // layout
  reshape: ([p], _b, { shape }) => reshape(p, [p.shape[0], ...shape]),
  permute: ([p], _b, { perm }) => apply("permute", [p], { perm: [0, ...perm.map((d) => d + 1)] }),
  expand: ([p], _b, { shape }) =>
    apply("expand", [padBatched(p, shape.length - (p.ndim - 1))], {
      shape: [p.shape[0], ...shape],
    }),
  cat: (phys, batched, { dim }, size) =>
    apply("cat", phys.map((p, i) => (batched[i] ? p : materialize(p, size))), { dim: dim + 1 }),
  slice: ([p], _b, { starts, steps, shape }) =>
    apply("slice", [p], {
      starts: [0, ...starts],
      steps: [1, ...steps],
      shape: [p.shape[0], ...shape],
    }),
  sliceScatter: ([p], _b, { inputShape, starts, steps }) =>
    apply("sliceScatter", [p], {
      inputShape: [p.shape[0], ...inputShape],
      starts: [0, ...starts],
      steps: [1, ...steps],
    }),
  matmul: matmulRule,
  // cumulative and arg reductions along one dim
  cumsum: ([p], _b, { dim, reverse }) => apply("cumsum", [p], { dim: dim + 1, reverse }),
  argmax: ([p], _b, { dim, keepdim }) => apply("argmax", [p], { dim: dim + 1, keepdim }),
  argmin: ([p], _b, { dim, keepdim }) => apply("argmin", [p], { dim: dim + 1, keepdim }),
  logsumexp: ([p], _b, { dim, keepdim }) => apply("logsumexp", [p], { dim: dim + 1, keepdim }),
  softmax: ([p], _b, { dim }) => apply("softmax", [p], { dim: dim + 1 }),
  logSoftmax: ([p], _b, { dim }) => apply("logSoftmax", [p], { dim: dim + 1 }),
  // indexing: every input gets the batch dimension, the indexed dim shifts by one
  gather: (phys, batched, { dim }, size) =>
    apply("gather", all(phys, batched, size), { dim: dim + 1 }),
  scatterAdd: (phys, batched, { dim }, size) =>
    apply("scatterAdd", all(phys, batched, size), { dim: dim + 1 }),
  // linear algebra kernels take batches of matrices already
  solve: (phys, batched, params, size) => apply("solve", all(phys, batched, size), params),
  triangularSolve: (phys, batched, params, size) =>
    apply("triangularSolve", all(phys, batched, size), params),
  detSign: ([p], _b, params) => apply("detSign", [p], params),
  det: ([p], _b, params) => apply("det", [p], params),
  logabsdet: ([p], _b, params) => apply("logabsdet", [p], params),
  cholesky: ([p], _b, params) => apply("cholesky", [p], params),
};

/** Every input with the batch dimension (unbatched ones repeated). */
function all(phys: readonly Tensor[], batched: readonly boolean[], size: number): Tensor[] {
  return phys.map((p, i) => (batched[i] ? p : materialize(p, size)));
}
