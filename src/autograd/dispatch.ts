/**
 * The one place every primitive runs through: compute the output, record a node when an
 * input requires grad and grad mode is on, and push forward-mode tangents through the
 * primitive's tangent rule for every enabled level.
 *
 * Layers: the dispatcher sits below every transform. It knows the rule table and the two
 * built-in modes (reverse: the tape; forward: tangents), and nothing above. A transform
 * level with its own representation of values (vmap's batched tensors) registers an
 * {@linkcode Interpreter} with {@linkcode registerInterpreter} when its module loads; `apply`
 * hands a call to the first registered level that claims one of its inputs, and that level
 * calls `apply` again on what it unwraps, as JAX's interpreters do. A level that rides on
 * plain tensors as tangents do (Taylor mode's series) is a forward-mode level carrying its own
 * propagation rule (`FwLevel.rule`), ordered with the tangent levels by depth.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, Params, Primitive, Rule } from "../primitives/types.ts";
import { RULES } from "../primitives/table.ts";
import { isGradEnabled } from "./grad_mode.ts";
import { belowLevel, fwEnabledCount, type FwLevel, isEnabled, tangentAt } from "./forward_ad.ts";
import { Node } from "./node.ts";
import { conformTangent } from "./conform.ts";

/**
 * @ignore A transform level that runs primitives its own way when their inputs belong to it,
 * as JAX's interpreters: vmap's batched tensors today, and any level added later (Taylor
 * mode, ...). It registers itself; the dispatcher imports none of them.
 */
export interface Interpreter {
  /** Whether this level takes the call: some input carries this level's data. */
  claims(inputs: readonly Tensor[]): boolean;
  /** Runs `prim` at this level (by calling {@linkcode apply} on what it unwraps). */
  process<P extends Primitive>(prim: P, inputs: readonly Tensor[], params: Params[P]): Tensor;
}

const interpreters: Interpreter[] = [];

/** @ignore Registers a transform level with the dispatcher (once; later ones are asked first). */
export function registerInterpreter(level: Interpreter): void {
  if (!interpreters.includes(level)) interpreters.unshift(level);
}

/** The transform level that takes a call on `inputs` (the latest registered first), or null. */
function claimant(inputs: readonly Tensor[]): Interpreter | null {
  for (let k = 0; k < interpreters.length; k++) {
    if (interpreters[k].claims(inputs)) return interpreters[k];
  }
  return null;
}

/**
 * @ignore Whether a rule may compute on `inputs`' storage directly, as `apply` would with
 * nothing to record: no transform level claims them, grad mode would record no node (off, or
 * no input requires grad) and no forward-mode level is enabled. Fused backward kernels test
 * this and otherwise take the composite, differentiable path.
 */
export function isPlainCall(inputs: readonly Tensor[]): boolean {
  if (!isRecordOnlyCall(inputs)) return false;
  if (isGradEnabled()) {
    for (let i = 0; i < inputs.length; i++) if (inputs[i]._requiresGrad) return false;
  }
  return true;
}

/**
 * @ignore Whether a call would be plain but for recording on the tape: no transform level
 * claims `inputs` and no forward-mode level is enabled. A fused rule that records one node of
 * its own where the composite would record several (a backward under `createGraph`) tests
 * this.
 */
export function isRecordOnlyCall(inputs: readonly Tensor[]): boolean {
  return fwEnabledCount() === 0 && claimant(inputs) === null;
}

/**
 * @ignore The one tangent level of a call that is plain but for forward mode: exactly one
 * forward-mode level is enabled, a plain tangent level (no rule of its own), no transform
 * level claims `inputs` and grad mode would record no node. A fused rule that computes its
 * output and that level's tangent itself tests this (the tangent rule would run below the
 * level, where the call is plain); `undefined` when the call is not of that kind, `null` when
 * no input carries a tangent at the level.
 */
export function soleTangentLevel(inputs: readonly Tensor[]): FwLevel | null | undefined {
  if (fwEnabledCount() !== 1 || claimant(inputs) !== null) return undefined;
  const recording = isGradEnabled();
  let level: FwLevel | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const x = inputs[i];
    if (recording && x._requiresGrad) return undefined;
    for (let e = x._fw; e !== null; e = e.next) {
      if (isEnabled(e.level)) {
        if (e.level.rule !== null) return undefined;
        level = e.level;
      }
    }
  }
  return level;
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
  const level = claimant(inputs);
  if (level !== null) return level.process(prim, inputs, params);
  const rule: Rule<Params[P]> = RULES[prim];
  let out: Tensor;
  try {
    out = rule.forward(inputs, params);
  } catch (e) {
    throw outOfMemory(e, prim, inputs) ?? e;
  }
  if (isGradEnabled() && isFloating(out.dtype)) {
    for (let i = 0; i < inputs.length; i++) {
      if (inputs[i]._requiresGrad) {
        const node = new Node(
          name ?? (rule.nameFor === undefined ? rule.name : rule.nameFor(params, inputs)),
          prim,
          rule,
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
  if (fwEnabledCount() > 0) pushTangents(prim, rule, inputs, params, out);
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
  prim: P,
  rule: Rule<Params[P]>,
  inputs: readonly Tensor[],
  params: Params[P],
  out: Tensor,
): void {
  if (!isFloating(out.dtype)) return;
  // The distinct enabled levels among the inputs' tangents: nearly always one (jvp, hvp),
  // kept in `first` without an array.
  let first: FwLevel | null = null;
  let levels: FwLevel[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    for (let e = inputs[i]._fw; e !== null; e = e.next) {
      const l = e.level;
      if (l === first || !isEnabled(l)) continue;
      if (first === null) first = l;
      else if (levels === null) levels = [first, l];
      else if (!levels.includes(l)) levels.push(l);
    }
  }
  if (first === null) return;
  if (levels === null) {
    pushTangentAt(prim, first, rule, inputs, params, out);
    return;
  }
  // Outer levels first: an inner level's tangent rule reads `out` as a dual number of the
  // outer levels (e.g. exp's `t · out`), so `out` must carry their tangents by then.
  levels.sort((a, b) => a.depth - b.depth);
  for (const level of levels) pushTangentAt(prim, level, rule, inputs, params, out);
}

/** Pushes `out`'s tangent at `level` by `rule`'s tangent rule (or the level's own rule). */
function pushTangentAt<P extends Primitive>(
  prim: P,
  level: FwLevel,
  rule: Rule<Params[P]>,
  inputs: readonly Tensor[],
  params: Params[P],
  out: Tensor,
): void {
  const tangents: MaybeTensor[] = inputs.map((x) => tangentAt(x, level));
  const own = level.rule;
  const t = belowLevel(level, () => {
    // a level with its own rule (Taylor mode) conforms its entries itself
    if (own !== null) return own(prim, tangents, inputs, out, params);
    const raw = rule.jvp(tangents, inputs, out, params);
    return raw === null ? null : conformTangent(raw, out);
  });
  if (t !== null) out._fw = { level, tangent: t, next: out._fw };
}
