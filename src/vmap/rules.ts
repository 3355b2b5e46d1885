/**
 * Batching rules: how each primitive runs on physical tensors whose first dimension is the
 * batch (for the inputs marked batched) so that the result is the batch of per-example
 * results, batch dimension first. Rules come in families (elementwise, reductions, along one
 * dimension, layout, batches of matrices) and the table is exhaustive.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import type { ReduceDims } from "../primitives/reduce.ts";
import type { ShapeParams } from "../primitives/shape.ts";
import { type UnaryParams, unaryRules } from "../primitives/unary.ts";
import { type BinaryParams, binaryRules } from "../primitives/binary.ts";
import { type IndexParams, indexRules } from "../primitives/indexing.ts";
import { type LinalgParams, linalgRules } from "../primitives/linalg.ts";
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
function reduction(prim: "sum" | "amax" | "amin" | "norm2"): BatchRule<ReduceDims> {
  return ([p], _b, { dims, keepdim }) =>
    apply(prim, [p], { dims: dims.map((d) => d + 1), keepdim });
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

/** A batching rule for every primitive of a family, made by `make`. */
function each<F>(
  table: { readonly [P in keyof F]: unknown },
  make: <P extends keyof F & Primitive>(prim: P) => BatchRule<Params[P]>,
): { readonly [P in keyof F]: BatchRule<F[P]> } {
  const out: Partial<Record<keyof F, unknown>> = {};
  for (const prim of Object.keys(table) as (keyof F & Primitive)[]) out[prim] = make(prim);
  return out as { readonly [P in keyof F]: BatchRule<F[P]> };
}

/** Operations along one dimension `dim`: it shifts by one past the batch dimension. */
function alongDim<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys, batched, params, size) => {
    const { dim } = params as { readonly dim: number };
    return apply(prim, all(phys, batched, size), { ...params, dim: dim + 1 } as Params[P]);
  };
}

/**
 * Primitives whose kernels take any leading batch dimensions already (the linear-algebra
 * ones, on batches of matrices): every input gets the batch dimension, parameters stay.
 */
function leadingBatch<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys, batched, params, size) => apply(prim, all(phys, batched, size), params);
}

/** The layout primitives: the batch dimension is one more leading dimension to carry along. */
const shapeBatchRules: { readonly [P in keyof ShapeParams]: BatchRule<ShapeParams[P]> } = {
  reshape: ([p], _b, { shape }) => reshape(p, [p.shape[0], ...shape]),
  permute: ([p], _b, { perm }) => apply("permute", [p], { perm: [0, ...perm.map((d) => d + 1)] }),
  expand: ([p], _b, { shape }) =>
    apply("expand", [padBatched(p, shape.length - (p.ndim - 1))], {
      shape: [p.shape[0], ...shape],
    }),
  cast: elementwise("cast"),
  cat: alongDim("cat"),
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
};

/** Example `i` of a physical tensor: index `i` of the batch dimension, which is dropped. */
function example(p: Tensor, i: number): Tensor {
  const rest = p.shape.slice(1);
  const s = apply("slice", [p], {
    starts: p.shape.map((_, d) => (d === 0 ? i : 0)),
    steps: p.shape.map(() => 1),
    shape: [1, ...rest],
  });
  return apply("reshape", [s], { shape: rest });
}

/**
 * The rule of last resort: run the primitive once per example and stack the results. Only
 * `custom` (whose closures are opaque) uses it.
 */
function loop<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys, batched, params, size) => {
    const outs: Tensor[] = [];
    for (let i = 0; i < size; i++) {
      const xs = phys.map((p, k) => (batched[k] ? example(p, i) : p));
      const o = apply(prim, xs, params);
      outs.push(apply("reshape", [o], { shape: [1, ...o.shape] }));
    }
    return outs.length === 1 ? outs[0] : apply("cat", outs, { dim: 0 });
  };
}

/** Every primitive's batching rule, by family; typed so that a primitive without one is a compile error. */
export const BATCH_RULES: { readonly [P in Primitive]: BatchRule<Params[P]> } = {
  ...each<UnaryParams>(unaryRules, elementwise),
  ...each<BinaryParams>(binaryRules, elementwise),
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
  ...shapeBatchRules,
  matmul: matmulRule,
  // indexing: every input gets the batch dimension, the indexed dim shifts by one
  ...each<IndexParams>(indexRules, alongDim),
  ...each<LinalgParams>(linalgRules, leadingBatch),
  // a vectorized call (the decompositions) takes the batch as one more leading dimension
  custom: (phys, batched, call, size) =>
    call.vectorized
      ? leadingBatch("custom")(phys, batched, call, size)
      : loop("custom")(phys, batched, call, size),
};

/** Every input with the batch dimension (unbatched ones repeated). */
function all(phys: readonly Tensor[], batched: readonly boolean[], size: number): Tensor[] {
  return phys.map((p, i) => (batched[i] ? p : materialize(p, size)));
}
