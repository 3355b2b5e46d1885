/**
 * Neural-network functions: losses and activations built from primitives.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, mul, sub } from "./arithmetic.ts";
import { mean } from "./reduce.ts";
import { named } from "./shape.ts";

/**
 * Binary cross-entropy between logits `input` and targets in [0, 1], averaged over all
 * elements (PyTorch's `binary_cross_entropy_with_logits` with mean reduction). Computed in
 * the stable form `softplus(x) − x·y`, finite even for logits of ±1e3; its gradient is
 * `(σ(x) − y) / n` everywhere, including at 0.
 *
 * @param input the logits
 * @param target the targets, same shape as `input`
 * @returns the mean loss, 0-d (gradFn `BinaryCrossEntropyWithLogitsBackward0`)
 * @throws {ShapeError} when the shapes differ
 * @example Loss of zero logits is log 2
 * ```ts
 * import { binaryCrossEntropyWithLogits, tensor, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = binaryCrossEntropyWithLogits(zeros([3], { dtype: "float64" }), tensor([0, 1, 1]));
 * assert.ok(Math.abs(loss.item() - Math.LN2) < 1e-15);
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor): Tensor {
  checkTensor(input, "binaryCrossEntropyWithLogits", "input");
  checkTensor(target, "binaryCrossEntropyWithLogits", "target");
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `binaryCrossEntropyWithLogits(): target shape ${fmtShape(target.shape)} must equal ` +
        `input shape ${fmtShape(input.shape)}`,
    );
  }
  const perElement = sub(apply("softplus", [input], null), mul(input, target));
  return named(mean(perElement), "BinaryCrossEntropyWithLogitsBackward0");
}
