/**
 * Runs a primitive on batched tensors: unwraps the inputs batched at the innermost level,
 * runs the primitive's batching rule, and wraps the result.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import type { Interpreter } from "../autograd/dispatch.ts";
import { topLevel, type VmapLevel, wrap } from "./level.ts";
import { BATCH_RULES, type BatchRule } from "./rules.ts";

/** Applies `prim` to inputs of which some are batched; the result is batched. */
function batchApply<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  params: Params[P],
): Tensor {
  const level = topLevel(inputs) as VmapLevel;
  const phys = inputs.map((x) => (x._bat !== null && x._bat.level === level ? x._bat.phys : x));
  const batched = inputs.map((x) => x._bat !== null && x._bat.level === level);
  const rule = BATCH_RULES[prim] as BatchRule<Params[P]>;
  return wrap(rule(phys, batched, params, level.size), level);
}

/** @ignore vmap's level: it takes every call that has a batched input. */
export const batching: Interpreter = {
  claims(inputs) {
    for (let i = 0; i < inputs.length; i++) if (inputs[i]._bat !== null) return true;
    return false;
  },
  process: batchApply,
};
