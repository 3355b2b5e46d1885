/**
 * Optimizers as pure functions over pytrees, matching `torch.optim` step for step:
 * `sgd`, `adam`, `adamw`, `rmsprop`, `adagrad` (`init(params)` then
 * `update(grads, state, params)`), `lbfgs` (`step(loss, state, params)`), learning-rate
 * schedules, and clipping by the global norm. Updates are tensor operations: when the
 * gradients are on the tape, so is the update, and meta-gradients flow through it. In the
 * imperative style (parameters are leaves requiring grad whose `.grad` was filled by
 * `backward()`), the update runs off the tape and returns fresh leaves requiring grad.
 *
 * @example Adam on a tree of parameters
 * ```ts
 * import { grad, optim, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = (p: { w: Tensor; b: Tensor }) => p.w.mul(3).add(p.b).sub(6).pow(2);
 * const opt = optim.adam({ lr: 0.1 });
 * let params = { w: tensor(0, { dtype: "float64" }), b: tensor(0, { dtype: "float64" }) };
 * let state = opt.init(params);
 * for (let i = 0; i < 300; i++) {
 *   ({ params, state } = opt.update(grad(loss)(params), state, params));
 * }
 * assert.ok(loss(params).item() < 1e-6);
 * ```
 *
 * @module
 */

export { adagrad, adam, adamw, rmsprop, sgd } from "./optimizers.ts";
export type {
  AdagradOptions,
  AdagradState,
  AdamOptions,
  AdamState,
  RmspropOptions,
  RmspropState,
  SgdOptions,
  SgdState,
} from "./optimizers.ts";
export { lbfgs } from "./lbfgs.ts";
export type { Lbfgs, LbfgsOptions, LbfgsState, LbfgsStep } from "./lbfgs.ts";
export { cosineAnnealingLR, exponentialLR, multiStepLR, stepLR } from "./schedules.ts";
export type {
  CosineAnnealingLROptions,
  ExponentialLROptions,
  MultiStepLROptions,
  StepLROptions,
} from "./schedules.ts";
export { clipByGlobalNorm, globalNorm } from "./clip.ts";
export type { LearningRate, Optimizer, Schedule, Update } from "./common.ts";
