/**
 * Runs a primitive on batched tensors: unwraps the inputs batched at the innermost level,
 * runs the primitive's batching rule (or a loop over the batch when it has none), and wraps
 * the result.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import { topLevel, type VmapLevel, wrap } from "./level.ts";
import { BATCH_RULES, type BatchRule } from "./rules.ts";

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

/** The fallback rule: run the primitive once per example and stack the results. */
function loop<P extends Primitive>(
  prim: P,
  phys: readonly Tensor[],
  batched: readonly boolean[],
  params: Params[P],
  size: number,
): Tensor {
  const outs: Tensor[] = [];
  for (let i = 0; i < size; i++) {
    const xs = phys.map((p, k) => (batched[k] ? example(p, i) : p));
    const o = apply(prim, xs, params);
    outs.push(apply("reshape", [o], { shape: [1, ...o.shape] }));
  }
  return outs.length === 1 ? outs[0] : apply("cat", outs, { dim: 0 });
}

/** @ignore Applies `prim` to inputs of which some are batched; the result is batched. */
export function batchApply<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  params: Params[P],
): Tensor {
  const level = topLevel(inputs) as VmapLevel;
  const phys = inputs.map((x) => (x._bat !== null && x._bat.level === level ? x._bat.phys : x));
  const batched = inputs.map((x) => x._bat !== null && x._bat.level === level);
  const rule = BATCH_RULES[prim] as BatchRule<Params[P]> | undefined;
  const out = rule !== undefined
    ? rule(phys, batched, params, level.size)
    : loop(prim, phys, batched, params, level.size);
  return wrap(out, level);
}
