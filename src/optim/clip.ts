/**
 * Gradient clipping by the global norm, as `torch.nn.utils.clip_grad_norm_` (and optax's
 * `clip_by_global_norm`), over pytrees and differentiable.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import { stack } from "../ops/manipulation.ts";
import { minimum } from "../ops/activations.ts";
import { div } from "../ops/arithmetic.ts";
import { leafTensor, leavesWithPath, type MapLeaves, structure, unflatten } from "../tree.ts";
import { checkRange } from "../options.ts";

/**
 * The 2-norm of all leaves of a tree together: `‖(‖g₁‖, ‖g₂‖, …)‖`.
 *
 * @param grads a pytree of tensors
 * @returns a 0-d tensor
 * @throws {TypeError} for a leaf that is not a tensor or a number, or a tree with no leaves
 * @example The norm of two leaves
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(optim.globalNorm({ a: tensor([3]), b: tensor([[4]]) }).item(), 5);
 * ```
 */
export function globalNorm(grads: unknown): Tensor {
  return normOf(gradTensors(grads));
}

/** The leaves of `grads` as tensors (a TypeError names a bad leaf or an empty tree). */
function gradTensors(grads: unknown): Tensor[] {
  const leaves = leavesWithPath(grads).map(([p, g]) => leafTensor(g, "optim.globalNorm()", p));
  if (leaves.length === 0) throw new TypeError(`optim.globalNorm(): the tree has no leaves`);
  return leaves;
}

/** `√(Σ ‖g‖²)` over the leaves, each leaf's norm taken first. */
function normOf(leaves: readonly Tensor[]): Tensor {
  const norms = leaves.map((g) => g.pow(2).sum().sqrt());
  return norms.length === 1 ? norms[0] : stack(norms).pow(2).sum().sqrt();
}

/**
 * Scales all gradients by `min(1, maxNorm / (‖g‖ + 1e-6))`, where `‖g‖` is the
 * {@linkcode globalNorm}, as `torch.nn.utils.clip_grad_norm_` does (with its 1e-6).
 *
 * @param grads a pytree of gradients
 * @param maxNorm the largest global norm to keep
 * @returns the clipped gradients, in the same structure
 * @throws {RangeError} for a negative `maxNorm`
 * @throws {TypeError} for a leaf that is not a tensor or a number
 * @example Clipping a gradient of norm 5 to norm 1
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const g = optim.clipByGlobalNorm({ w: tensor([3, 4], { dtype: "float64" }) }, 1);
 * assert.ok(Math.abs(optim.globalNorm(g).item() - 1) < 1e-6);
 * ```
 */
export function clipByGlobalNorm<T>(grads: T, maxNorm: number): MapLeaves<T, Tensor> {
  checkRange(
    typeof maxNorm === "number" && maxNorm >= 0,
    "optim.clipByGlobalNorm()",
    "maxNorm",
    maxNorm,
  );
  const leaves = gradTensors(grads);
  const coef = minimum(div(maxNorm, normOf(leaves).add(1e-6)), 1);
  return unflatten(structure(grads), leaves.map((g) => g.mul(coef))) as MapLeaves<T, Tensor>;
}
