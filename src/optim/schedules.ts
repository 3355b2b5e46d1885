/**
 * Learning-rate schedules with `torch.optim.lr_scheduler`'s formulas, as functions from the
 * number of updates done to the rate (pass one as an optimizer's `lr`). The rate for the
 * update after `t` earlier updates is what PyTorch's optimizer uses when its scheduler's
 * `step()` follows each optimizer step.
 *
 * @module
 */

import { checkOptions, checkRange, required } from "../options.ts";

/** Options of {@linkcode stepLR}. */
export interface StepLROptions {
  /** Updates between decays. */
  readonly stepSize: number;
  /** Factor of each decay (default 0.1). */
  readonly gamma?: number;
}

function checkBase(lr: number, op: string): void {
  if (typeof lr !== "number") throw new TypeError(`${op}: the base rate must be a number`);
  checkRange(lr >= 0, op, "learning rate", lr);
}

/**
 * `lr · γ^⌊t / stepSize⌋`, as `StepLR`.
 *
 * @param lr the base rate
 * @param options `stepSize` (required) and `gamma` (0.1)
 * @returns the schedule
 * @throws {TypeError} for an unknown option or a missing `stepSize`
 * @throws {RangeError} for a step size below 1 or a negative rate
 * @example Halving every 10 updates
 * ```ts
 * import { optim } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const s = optim.stepLR(0.1, { stepSize: 10, gamma: 0.5 });
 * assert.deepEqual([s(0), s(9), s(10), s(25)], [0.1, 0.1, 0.05, 0.025]);
 * ```
 */
export function stepLR(lr: number, options: StepLROptions): (step: number) => number {
  const op = "optim.stepLR()";
  checkOptions(op, options, { stepSize: "number", gamma: "number" });
  checkBase(lr, op);
  required(op, options, ["stepSize"]);
  const { stepSize, gamma = 0.1 } = options;
  checkRange(Number.isInteger(stepSize) && stepSize >= 1, op, "stepSize", stepSize);
  return (t) => lr * gamma ** Math.floor(t / stepSize);
}

/** Options of {@linkcode multiStepLR}. */
export interface MultiStepLROptions {
  /** Update counts at which the rate decays, increasing. */
  readonly milestones: readonly number[];
  /** Factor of each decay (default 0.1). */
  readonly gamma?: number;
}

/**
 * `lr · γ^(number of milestones ≤ t)`, as `MultiStepLR`.
 *
 * @param lr the base rate
 * @param options `milestones` (required) and `gamma` (0.1)
 * @returns the schedule
 * @throws {TypeError} for an unknown option or missing milestones
 * @throws {RangeError} for a negative rate
 * @example Decays at 10 and 30
 * ```ts
 * import { optim } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const s = optim.multiStepLR(1, { milestones: [10, 30], gamma: 0.5 });
 * assert.deepEqual([s(9), s(10), s(30)], [1, 0.5, 0.25]);
 * ```
 */
export function multiStepLR(lr: number, options: MultiStepLROptions): (step: number) => number {
  const op = "optim.multiStepLR()";
  checkOptions(op, options, { milestones: "numbers", gamma: "number" });
  checkBase(lr, op);
  required(op, options, ["milestones"]);
  const { milestones, gamma = 0.1 } = options;
  return (t) => lr * gamma ** milestones.filter((m) => m <= t).length;
}

/** Options of {@linkcode exponentialLR}. */
export interface ExponentialLROptions {
  /** Factor per update. */
  readonly gamma: number;
}

/**
 * `lr · γᵗ`, as `ExponentialLR`.
 *
 * @param lr the base rate
 * @param options `gamma` (required)
 * @returns the schedule
 * @throws {TypeError} for an unknown option or a missing `gamma`
 * @throws {RangeError} for a negative rate
 * @example Decay by half per update
 * ```ts
 * import { optim } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(optim.exponentialLR(1, { gamma: 0.5 })(3), 0.125);
 * ```
 */
export function exponentialLR(lr: number, options: ExponentialLROptions): (step: number) => number {
  const op = "optim.exponentialLR()";
  checkOptions(op, options, { gamma: "number" });
  checkBase(lr, op);
  required(op, options, ["gamma"]);
  const { gamma } = options;
  return (t) => lr * gamma ** t;
}

/** Options of {@linkcode cosineAnnealingLR}. */
export interface CosineAnnealingLROptions {
  /** Updates in half a cosine period. */
  readonly tMax: number;
  /** The smallest rate (default 0). */
  readonly etaMin?: number;
}

/**
 * `η_min + (lr − η_min)(1 + cos(π t / tMax)) / 2`, as `CosineAnnealingLR` (periodic past
 * `tMax`, as PyTorch's).
 *
 * @param lr the base rate
 * @param options `tMax` (required) and `etaMin` (0)
 * @returns the schedule
 * @throws {TypeError} for an unknown option or a missing `tMax`
 * @throws {RangeError} for a `tMax` below 1 or a negative rate
 * @example From lr down to etaMin over tMax updates
 * ```ts
 * import { optim } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const s = optim.cosineAnnealingLR(1, { tMax: 10, etaMin: 0.1 });
 * assert.equal(s(0), 1);
 * assert.ok(Math.abs(s(5) - 0.55) < 1e-15);
 * assert.ok(Math.abs(s(10) - 0.1) < 1e-15);
 * ```
 */
export function cosineAnnealingLR(
  lr: number,
  options: CosineAnnealingLROptions,
): (step: number) => number {
  const op = "optim.cosineAnnealingLR()";
  checkOptions(op, options, { tMax: "number", etaMin: "number" });
  checkBase(lr, op);
  required(op, options, ["tMax"]);
  const { tMax, etaMin = 0 } = options;
  checkRange(tMax >= 1, op, "tMax", tMax);
  return (t) => etaMin + (lr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax)) / 2;
}
