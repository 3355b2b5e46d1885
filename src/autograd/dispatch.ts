/**
 * The one place every primitive runs through: compute the output, record a node when an
 * input requires grad and grad mode is on, and push forward-mode tangents through the
 * primitive's tangent rule for every enabled level.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, Params, Primitive, Rule } from "../primitives/types.ts";
import { RULES } from "../primitives/table.ts";
import { gradEnabledNow } from "./grad_mode.ts";
import { belowLevel, fwEnabledCount, type FwLevel, isEnabled, tangentAt } from "./forward_ad.ts";
import { Node } from "./node.ts";
import { conformTangent } from "./conform.ts";
import { batchApply } from "../vmap/batch_apply.ts";

/** @ignore The rule of a primitive. */
export function ruleOf<P extends Primitive>(prim: P): Rule<Params[P]> {
  return RULES[prim] as unknown as Rule<Params[P]>;
}

/**
 * @ignore Runs primitive `prim` on `inputs` with `params`, recording it on the tape and
 * propagating tangents as needed. The output is always a fresh tensor. `name` names the
 * node for a composite op that is this primitive (`neg` is `mul` by −1: `NegBackward0`),
 * and `saves` says whether that op keeps values that a backward frees, as PyTorch's op of
 * that name does; by default the rule says both.
 */
export function apply<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  params: Params[P],
  name?: string,
  saves?: boolean,
): Tensor {
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i]._bat !== null) return batchApply(prim, inputs, params);
  }
  const rule = RULES[prim] as unknown as Rule<Params[P]>;
  let out: Tensor;
  try {
    out = rule.forward(inputs, params);
  } catch (e) {
    throw outOfMemory(e, prim, inputs) ?? e;
  }
  if (gradEnabledNow() && isFloating(out.dtype)) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]._requiresGrad) {
        const node = new Node(
          name ?? (typeof rule.name === "string" ? rule.name : rule.name(params, inputs)),
          prim,
          inputs,
          params,
          saves ?? rule.saves,
        );
        node._out = out;
        out._gradFn = node;
        out._requiresGrad = true;
        break;
      }
    }
  }
  if (fwEnabledCount() > 0) pushTangents(rule, inputs, params, out);
  return out;
}

/**
 * A RangeError naming the primitive and its input shapes for an allocation the engine
 * refused ("Array buffer allocation failed"), or null for any other error.
 */
function outOfMemory(e: unknown, prim: Primitive, inputs: readonly Tensor[]): RangeError | null {
  if (
    !(e instanceof RangeError) || !/allocation failed|Invalid typed array length/.test(e.message)
  ) {
    return null;
  }
  const shapes = inputs.map((x) => fmtShape(x.shape)).join(", ");
  return new RangeError(
    `${prim}(): the result is too large to allocate (inputs of shape ${shapes}): ${e.message}`,
  );
}

function pushTangents<P extends Primitive>(
  rule: Rule<Params[P]>,
  inputs: readonly Tensor[],
  params: Params[P],
  out: Tensor,
): void {
  if (!isFloating(out.dtype)) return;
  // The distinct enabled levels among the inputs' tangents.
  let levels: FwLevel[] | null = null;
  for (const x of inputs) {
    for (let e = x._fw; e !== null; e = e.next) {
      if (isEnabled(e.level) && (levels === null || !levels.includes(e.level))) {
        (levels ??= []).push(e.level);
      }
    }
  }
  if (levels === null) return;
  // Outer levels first: an inner level's tangent rule reads `out` as a dual number of the
  // outer levels (e.g. exp's `t · out`), so `out` must carry their tangents by then.
  if (levels.length > 1) levels.sort((a, b) => a.depth - b.depth);
  for (const level of levels) {
    const tangents: MaybeTensor[] = inputs.map((x) => tangentAt(x, level));
    const t = belowLevel(level, () => {
      const raw = rule.jvp(tangents, inputs, out, params);
      return raw === null ? null : conformTangent(raw, out);
    });
    if (t !== null) out._fw = { level, tangent: t, next: out._fw };
  }
}

/** @ignore Whether two tensors have the same shape. */
export function sameShape(a: Tensor, b: Tensor): boolean {
  return shapesEqual(a.shape, b.shape);
}
