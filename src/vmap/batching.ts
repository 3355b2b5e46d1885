/**
 * The shapes of batching rules, for the family files of `src/primitives/` to build their
 * primitives' rules from: how a primitive runs on physical tensors whose first dimension is
 * the batch (for the inputs marked batched) so that the result is the batch of per-example
 * results, batch dimension first.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import type { ReduceDims } from "../primitives/factories.ts";
import { apply } from "../autograd/dispatch.ts";
import { promoteShaped } from "../dtype.ts";

/** A batching rule: physical inputs (batch first where `batched[i]`) to a batched output. */
export type BatchRule<T> = (
  phys: readonly Tensor[],
  batched: readonly boolean[],
  params: T,
  size: number,
) => Tensor;

/** @ignore */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return apply("reshape", [x], { shape });
}

/** A batched physical tensor `[B, ...s]` with `k` size-1 dims inserted after the batch dim. */
export function padBatched(p: Tensor, k: number): Tensor {
  if (k <= 0) return p;
  return reshape(p, [p.shape[0], ...new Array<number>(k).fill(1), ...p.shape.slice(1)]);
}

/** An unbatched tensor repeated along a new leading batch dimension of `size`. */
export function materialize(x: Tensor, size: number): Tensor {
  return apply("expand", [reshape(x, [1, ...x.shape])], { shape: [size, ...x.shape] });
}

/** @ignore Rank of an example. */
export function logicalRank(p: Tensor, batched: boolean): number {
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
export function broadcasting<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys0, batched, params) => {
    const phys = prim === "where" ? phys0 : promoteLogical(phys0, batched);
    let r = 0;
    for (let i = 0; i < phys.length; i++) r = Math.max(r, logicalRank(phys[i], batched[i]));
    const xs = phys.map((p, i) => (batched[i] ? padBatched(p, r - (p.ndim - 1)) : p));
    return apply(prim, xs, params);
  };
}

/** Reductions over `dims`: the dims shift by one. */
export function reduction(prim: "sum" | "amax" | "amin" | "norm2"): BatchRule<ReduceDims> {
  return ([p], _b, { dims, keepdim }) =>
    apply(prim, [p], { dims: dims.map((d) => d + 1), keepdim });
}

/** A batching rule for every primitive of a family, made by `make`. */
export function each<F>(
  table: { readonly [P in keyof F]: unknown },
  make: <P extends keyof F & Primitive>(prim: P) => BatchRule<Params[P]>,
): { readonly [P in keyof F]: BatchRule<F[P]> } {
  const out: Partial<Record<keyof F, unknown>> = {};
  for (const prim of Object.keys(table) as (keyof F & Primitive)[]) out[prim] = make(prim);
  return out as { readonly [P in keyof F]: BatchRule<F[P]> };
}

/** Operations along one dimension `dim`: it shifts by one past the batch dimension. */
export function alongDim<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys, batched, params, size) => {
    const { dim } = params as { readonly dim: number };
    return apply(prim, all(phys, batched, size), { ...params, dim: dim + 1 } as Params[P]);
  };
}

/**
 * Primitives whose kernels take any leading batch dimensions already (the linear-algebra
 * ones, on batches of matrices): every input gets the batch dimension, parameters stay.
 */
export function leadingBatch<P extends Primitive>(prim: P): BatchRule<Params[P]> {
  return (phys, batched, params, size) => apply(prim, all(phys, batched, size), params);
}

/** Batching rules for every primitive of a family with parameters `F`. */
export type BatchTable<F> = { readonly [P in keyof F]: BatchRule<F[P]> };

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
export function loop<P extends Primitive>(prim: P): BatchRule<Params[P]> {
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

/** Every input with the batch dimension (unbatched ones repeated). */
function all(phys: readonly Tensor[], batched: readonly boolean[], size: number): Tensor[] {
  return phys.map((p, i) => (batched[i] ? p : materialize(p, size)));
}
