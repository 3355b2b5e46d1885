/**
 * First-order optimizers with `torch.optim`'s defaults and formulas, as pure functions over
 * pytrees: `sgd`, `adam`, `adamw`, `rmsprop`, `adagrad`. Each step is written in tensor
 * operations, so when the gradients are on the tape (a gradient taken inside an outer
 * transform, or with `createGraph`) the step is recorded too and meta-gradients flow through
 * an unrolled loop of updates.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import { sub } from "../ops/arithmetic.ts";
import { maximum } from "../ops/activations.ts";
import { checkOptions, checkRange, required } from "../options.ts";
import {
  bufferLeaves,
  checkLr,
  filledLike,
  type LearningRate,
  negate,
  type Optimizer,
  paramLeaves,
  rebuilder,
  runUpdate,
  scale,
  updateInputs,
} from "./common.ts";

/** Options of {@linkcode sgd} (PyTorch's names, camelCased). */
export interface SgdOptions {
  /** The learning rate (required, as in PyTorch 1.13). */
  readonly lr: LearningRate;
  /** Momentum factor (default 0). */
  readonly momentum?: number;
  /** Dampening of the momentum (default 0). */
  readonly dampening?: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay?: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  readonly nesterov?: boolean;
  /** Maximize instead of minimize (default false). */
  readonly maximize?: boolean;
}

/** State of {@linkcode sgd}. */
export interface SgdState {
  /** Updates done so far. */
  readonly step: number;
  /** The momentum buffers in the parameters' structure (null before the first step). */
  readonly momentumBuffer: unknown;
}

function direction(g: Tensor, p: Tensor, weightDecay: number, maximize: boolean): Tensor {
  const d = maximize ? g.neg() : g;
  return weightDecay !== 0 ? d.add(p.mul(weightDecay)) : d;
}

/**
 * Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay,
 * step for step as `torch.optim.SGD`: `d = g + λp`; `b = μb + (1 − τ)d` (b = d at the first
 * step); `d = d + μb` (Nesterov) or `d = b`; `p = p − lr·d`.
 *
 * @param options `lr` (required), `momentum`, `dampening`, `weightDecay`, `nesterov`, `maximize`
 * @returns the optimizer
 * @throws {TypeError} for an unknown option or a missing `lr`
 * @throws {RangeError} for a negative rate, momentum or weight decay, or Nesterov without momentum
 * @example Two steps of SGD with momentum
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.sgd({ lr: 0.5, momentum: 0.5 });
 * let params = { w: tensor([1, 2]) };
 * let state = opt.init(params);
 * ({ params, state } = opt.update({ w: tensor([1, 1]) }, state, params));
 * ({ params, state } = opt.update({ w: tensor([1, 1]) }, state, params));
 * assert.deepEqual(params.w.toArray(), [-0.25, 0.75]); // buffers 1 then 1.5
 * ```
 */
export function sgd(options: SgdOptions): Optimizer<SgdState> {
  const op = "optim.sgd()";
  checkOptions(op, options, {
    lr: "lr",
    momentum: "number",
    dampening: "number",
    weightDecay: "number",
    nesterov: "boolean",
    maximize: "boolean",
  });
  required(op, options, ["lr"]);
  const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false, maximize = false } =
    options;
  checkLr(lr, op);
  checkRange(momentum >= 0, op, "momentum value", momentum);
  checkRange(weightDecay >= 0, op, "weight_decay value", weightDecay);
  if (nesterov && (momentum <= 0 || dampening !== 0)) {
    throw new RangeError(`${op}: Nesterov momentum requires a momentum and zero dampening`);
  }
  const where = `optim.sgd().update()`;
  return {
    name: "sgd",
    init: (params) => {
      paramLeaves(params, "optim.sgd().init()");
      return { step: 0, momentumBuffer: null };
    },
    update: (grads, state, params) => {
      const { ps, like, gs, rate } = updateInputs(grads, state, params, lr, where);
      const bufs = bufferLeaves(state.momentumBuffer);
      const { params: next, rest } = runUpdate(ps, gs, rate, [bufs], () => {
        const newBufs: Tensor[] = [];
        const out = ps.map((p, i) => {
          let d = direction(gs[i], p, weightDecay, maximize);
          if (momentum !== 0) {
            const b = bufs === null ? d : bufs[i].mul(momentum).add(scale(d, 1 - dampening));
            newBufs.push(b);
            d = nesterov ? d.add(b.mul(momentum)) : b;
          }
          return p.add(scale(d, negate(rate)));
        });
        return { params: out, rest: newBufs };
      });
      return {
        params: like(next),
        state: {
          step: state.step + 1,
          momentumBuffer: momentum !== 0 ? like(rest) : null,
        },
      };
    },
  };
}

/** Options of {@linkcode adam} and {@linkcode adamw}. */
export interface AdamOptions {
  /** The learning rate (default 1e-3). */
  readonly lr?: LearningRate;
  /** Decay rates of the first and second moments (default [0.9, 0.999]). */
  readonly betas?: readonly [number, number];
  /** Added to the denominator (default 1e-8). */
  readonly eps?: number;
  /** Weight decay: L2 in the gradient for adam (default 0), decoupled for adamw (default 1e-2). */
  readonly weightDecay?: number;
  /** Use the maximum of past second moments (AMSGrad; default false). */
  readonly amsgrad?: boolean;
  /** Maximize instead of minimize (default false). */
  readonly maximize?: boolean;
}

/** State of {@linkcode adam} and {@linkcode adamw}. */
export interface AdamState {
  /** Updates done so far. */
  readonly step: number;
  /** First moments, in the parameters' structure. */
  readonly expAvg: unknown;
  /** Second moments, in the parameters' structure. */
  readonly expAvgSq: unknown;
  /** Running maxima of the second moments (AMSGrad), or null. */
  readonly maxExpAvgSq: unknown;
}

function adamFamily(name: "adam" | "adamw", options: AdamOptions = {}): Optimizer<AdamState> {
  const op = `optim.${name}()`;
  checkOptions(op, options, {
    lr: "lr",
    betas: "pair",
    eps: "number",
    weightDecay: "number",
    amsgrad: "boolean",
    maximize: "boolean",
  });
  const decoupled = name === "adamw";
  const {
    lr = 1e-3,
    betas = [0.9, 0.999],
    eps = 1e-8,
    weightDecay = decoupled ? 1e-2 : 0,
    amsgrad = false,
    maximize = false,
  } = options;
  checkLr(lr, op);
  checkRange(eps >= 0, op, "epsilon value", eps);
  checkRange(betas[0] >= 0 && betas[0] < 1, op, "beta parameter at index 0", betas[0]);
  checkRange(betas[1] >= 0 && betas[1] < 1, op, "beta parameter at index 1", betas[1]);
  checkRange(weightDecay >= 0, op, "weight_decay value", weightDecay);
  const [beta1, beta2] = betas;
  const where = `${op.slice(0, -2)}().update()`;
  return {
    name,
    init: (params) => {
      const ps = paramLeaves(params, `${op.slice(0, -2)}().init()`);
      const like = rebuilder(params);
      const zeros = () => filledLike(like, ps, 0);
      return {
        step: 0,
        expAvg: zeros(),
        expAvgSq: zeros(),
        maxExpAvgSq: amsgrad ? zeros() : null,
      };
    },
    update: (grads, state, params) => {
      const { ps, like, gs, rate } = updateInputs(grads, state, params, lr, where);
      const m0 = bufferLeaves(state.expAvg) as Tensor[];
      const v0 = bufferLeaves(state.expAvgSq) as Tensor[];
      const vmax0 = bufferLeaves(state.maxExpAvgSq);
      const step = state.step + 1;
      const { params: next, rest } = runUpdate(ps, gs, rate, [m0, v0, vmax0], () => {
        const m: Tensor[] = [], v: Tensor[] = [], vmax: Tensor[] = [];
        const bc1 = 1 - beta1 ** step;
        const bc2 = 1 - beta2 ** step;
        const stepSize = typeof rate === "number" ? rate / bc1 : rate.div(bc1);
        const bc2Sqrt = Math.sqrt(bc2);
        // AdamW decays the parameter itself: p ← p·(1 − lr·λ)
        const keep = !decoupled || weightDecay === 0
          ? null
          : typeof rate === "number"
          ? 1 - rate * weightDecay
          : sub(1, rate.mul(weightDecay));
        const out = ps.map((p0, i) => {
          const p = keep === null ? p0 : p0.mul(keep);
          const g = direction(gs[i], p0, decoupled ? 0 : weightDecay, maximize);
          // m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²
          m.push(m0[i].mul(beta1).add(g.mul(1 - beta1)));
          v.push(v0[i].mul(beta2).add(g.mul(1 - beta2).mul(g)));
          let second = v[i];
          if (vmax0 !== null) {
            second = maximum(vmax0[i], v[i]);
            vmax.push(second);
          }
          const denom = second.sqrt().div(bc2Sqrt).add(eps);
          return p.add(m[i].mul(negate(stepSize)).div(denom));
        });
        return { params: out, rest: { m, v, vmax } };
      });
      return {
        params: like(next),
        state: {
          step,
          expAvg: like(rest.m),
          expAvgSq: like(rest.v),
          maxExpAvgSq: vmax0 === null ? null : like(rest.vmax),
        },
      };
    },
  };
}

/**
 * Adam, step for step as `torch.optim.Adam`: weight decay as an L2 term in the gradient,
 * bias-corrected moments, `p ← p − (lr / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε)`, and AMSGrad.
 *
 * @param options `lr` (1e-3), `betas` ([0.9, 0.999]), `eps` (1e-8), `weightDecay` (0), `amsgrad`, `maximize`
 * @returns the optimizer
 * @throws {TypeError} for an unknown option or a value of the wrong kind
 * @throws {RangeError} for a negative rate, epsilon or weight decay, or a beta outside [0, 1)
 * @example The first Adam step moves each coordinate by about lr
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adam({ lr: 0.1 });
 * const params = tensor([1, -1], { dtype: "float64" });
 * const { params: next } = opt.update(tensor([3, -0.5], { dtype: "float64" }), opt.init(params), params);
 * const moved = (next.toArray() as number[]).map((v, i) => v - [1, -1][i]);
 * assert.ok(Math.abs(moved[0] + 0.1) < 1e-7 && Math.abs(moved[1] - 0.1) < 1e-7);
 * ```
 */
export function adam(options?: AdamOptions): Optimizer<AdamState> {
  return adamFamily("adam", options);
}

/**
 * AdamW, step for step as `torch.optim.AdamW`: Adam with decoupled weight decay
 * `p ← p·(1 − lr·λ)` before the Adam step (default λ = 1e-2).
 *
 * @param options as {@linkcode adam}, with `weightDecay` defaulting to 1e-2
 * @returns the optimizer
 * @throws {TypeError} for an unknown option or a value of the wrong kind
 * @throws {RangeError} for a negative rate, epsilon or weight decay, or a beta outside [0, 1)
 * @example With a zero gradient only the decay acts
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adamw({ lr: 0.5, weightDecay: 0.2 });
 * const p = tensor([2], { dtype: "float64" });
 * const { params } = opt.update(tensor([0], { dtype: "float64" }), opt.init(p), p);
 * assert.equal(params.item(), 2 * (1 - 0.5 * 0.2));
 * ```
 */
export function adamw(options?: AdamOptions): Optimizer<AdamState> {
  return adamFamily("adamw", options);
}

/** Options of {@linkcode rmsprop}. */
export interface RmspropOptions {
  /** The learning rate (default 1e-2). */
  readonly lr?: LearningRate;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  readonly alpha?: number;
  /** Added to the denominator (default 1e-8). */
  readonly eps?: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay?: number;
  /** Momentum factor (default 0). */
  readonly momentum?: number;
  /** Normalize by the estimated variance instead of the second moment (default false). */
  readonly centered?: boolean;
  /** Maximize instead of minimize (default false). */
  readonly maximize?: boolean;
}

/** State of {@linkcode rmsprop}. */
export interface RmspropState {
  /** Updates done so far. */
  readonly step: number;
  /** Running averages of the squared gradients. */
  readonly squareAvg: unknown;
  /** Momentum buffers, or null without momentum. */
  readonly momentumBuffer: unknown;
  /** Running averages of the gradients (centered), or null. */
  readonly gradAvg: unknown;
}

/**
 * RMSprop, step for step as `torch.optim.RMSprop`: `s ← αs + (1 − α)g²`, the denominator
 * `√s + ε` (or `√(s − ḡ²) + ε` centered), with optional momentum on `g / denominator`.
 *
 * @param options `lr` (1e-2), `alpha` (0.99), `eps` (1e-8), `weightDecay`, `momentum`, `centered`, `maximize`
 * @returns the optimizer
 * @throws {TypeError} for an unknown option or a value of the wrong kind
 * @throws {RangeError} for a negative rate, alpha, epsilon, momentum or weight decay
 * @example One step on a gradient of ones
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.rmsprop({ lr: 0.01, alpha: 0.75, eps: 0 });
 * const p = tensor([1], { dtype: "float64" });
 * const { params } = opt.update(tensor([1], { dtype: "float64" }), opt.init(p), p);
 * assert.ok(Math.abs(params.item() - (1 - 0.01 / 0.5)) < 1e-15); // s = 0.25, √s = 0.5
 * ```
 */
export function rmsprop(options: RmspropOptions = {}): Optimizer<RmspropState> {
  const op = "optim.rmsprop()";
  checkOptions(op, options, {
    lr: "lr",
    alpha: "number",
    eps: "number",
    weightDecay: "number",
    momentum: "number",
    centered: "boolean",
    maximize: "boolean",
  });
  const {
    lr = 1e-2,
    alpha = 0.99,
    eps = 1e-8,
    weightDecay = 0,
    momentum = 0,
    centered = false,
    maximize = false,
  } = options;
  checkLr(lr, op);
  checkRange(eps >= 0, op, "epsilon value", eps);
  checkRange(momentum >= 0, op, "momentum value", momentum);
  checkRange(weightDecay >= 0, op, "weight_decay value", weightDecay);
  checkRange(alpha >= 0, op, "alpha value", alpha);
  const where = "optim.rmsprop().update()";
  return {
    name: "rmsprop",
    init: (params) => {
      const ps = paramLeaves(params, "optim.rmsprop().init()");
      const like = rebuilder(params);
      const zeros = () => filledLike(like, ps, 0);
      return {
        step: 0,
        squareAvg: zeros(),
        momentumBuffer: momentum > 0 ? zeros() : null,
        gradAvg: centered ? zeros() : null,
      };
    },
    update: (grads, state, params) => {
      const { ps, like, gs, rate } = updateInputs(grads, state, params, lr, where);
      const sq0 = bufferLeaves(state.squareAvg) as Tensor[];
      const buf0 = bufferLeaves(state.momentumBuffer);
      const ga0 = bufferLeaves(state.gradAvg);
      const { params: next, rest } = runUpdate(ps, gs, rate, [sq0, buf0, ga0], () => {
        const sq: Tensor[] = [], buf: Tensor[] = [], ga: Tensor[] = [];
        const out = ps.map((p, i) => {
          const g = direction(gs[i], p, weightDecay, maximize);
          sq.push(sq0[i].mul(alpha).add(g.mul(1 - alpha).mul(g)));
          let avg: Tensor;
          if (ga0 !== null) {
            ga.push(ga0[i].mul(alpha).add(g.mul(1 - alpha)));
            avg = sq[i].add(ga[i].mul(-1).mul(ga[i])).sqrt(); // √(s − ḡ²)
          } else {
            avg = sq[i].sqrt();
          }
          avg = avg.add(eps);
          if (buf0 !== null) {
            buf.push(buf0[i].mul(momentum).add(g.div(avg)));
            return p.add(scale(buf[i], negate(rate)));
          }
          return p.add(scale(g, negate(rate)).div(avg));
        });
        return { params: out, rest: { sq, buf, ga } };
      });
      return {
        params: like(next),
        state: {
          step: state.step + 1,
          squareAvg: like(rest.sq),
          momentumBuffer: buf0 === null ? null : like(rest.buf),
          gradAvg: ga0 === null ? null : like(rest.ga),
        },
      };
    },
  };
}

/** Options of {@linkcode adagrad}. */
export interface AdagradOptions {
  /** The learning rate (default 1e-2). */
  readonly lr?: LearningRate;
  /** Decay of the learning rate: `lr / (1 + (t − 1)·lrDecay)` (default 0). */
  readonly lrDecay?: number;
  /** L2 penalty added to the gradient (default 0). */
  readonly weightDecay?: number;
  /** The accumulator's starting value (default 0). */
  readonly initialAccumulatorValue?: number;
  /** Added to the denominator (default 1e-10). */
  readonly eps?: number;
  /** Maximize instead of minimize (default false). */
  readonly maximize?: boolean;
}

/** State of {@linkcode adagrad}. */
export interface AdagradState {
  /** Updates done so far. */
  readonly step: number;
  /** Sums of squared gradients, in the parameters' structure. */
  readonly sum: unknown;
}

/**
 * Adagrad, step for step as `torch.optim.Adagrad`: `Σ ← Σ + g²`,
 * `p ← p − lr/(1 + (t − 1)·decay) · g / (√Σ + ε)`.
 *
 * @param options `lr` (1e-2), `lrDecay`, `weightDecay`, `initialAccumulatorValue`, `eps` (1e-10), `maximize`
 * @returns the optimizer
 * @throws {TypeError} for an unknown option or a value of the wrong kind
 * @throws {RangeError} for a negative rate, decay, accumulator value or epsilon
 * @example The first step is lr in the direction of −sign(g)
 * ```ts
 * import { optim, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adagrad({ lr: 0.5, eps: 0 });
 * const p = tensor([1, 1], { dtype: "float64" });
 * const { params } = opt.update(tensor([4, -2], { dtype: "float64" }), opt.init(p), p);
 * assert.deepEqual(params.toArray(), [0.5, 1.5]);
 * ```
 */
export function adagrad(options: AdagradOptions = {}): Optimizer<AdagradState> {
  const op = "optim.adagrad()";
  checkOptions(op, options, {
    lr: "lr",
    lrDecay: "number",
    weightDecay: "number",
    initialAccumulatorValue: "number",
    eps: "number",
    maximize: "boolean",
  });
  const {
    lr = 1e-2,
    lrDecay = 0,
    weightDecay = 0,
    initialAccumulatorValue = 0,
    eps = 1e-10,
    maximize = false,
  } = options;
  checkLr(lr, op);
  checkRange(lrDecay >= 0, op, "lr_decay value", lrDecay);
  checkRange(weightDecay >= 0, op, "weight_decay value", weightDecay);
  checkRange(
    initialAccumulatorValue >= 0,
    op,
    "initial_accumulator_value",
    initialAccumulatorValue,
  );
  checkRange(eps >= 0, op, "epsilon value", eps);
  const where = "optim.adagrad().update()";
  return {
    name: "adagrad",
    init: (params) => {
      const ps = paramLeaves(params, "optim.adagrad().init()");
      const like = rebuilder(params);
      return {
        step: 0,
        sum: filledLike(like, ps, initialAccumulatorValue),
      };
    },
    update: (grads, state, params) => {
      const { ps, like, gs, rate } = updateInputs(grads, state, params, lr, where);
      const s0 = bufferLeaves(state.sum) as Tensor[];
      const step = state.step + 1;
      const { params: next, rest } = runUpdate(ps, gs, rate, [s0], () => {
        const decay = 1 + (step - 1) * lrDecay;
        const clr = typeof rate === "number" ? rate / decay : rate.div(decay);
        const sums: Tensor[] = [];
        const out = ps.map((p, i) => {
          const g = direction(gs[i], p, weightDecay, maximize);
          sums.push(s0[i].add(g.mul(g)));
          const std = sums[i].sqrt().add(eps);
          return p.add(scale(g, negate(clr)).div(std));
        });
        return { params: out, rest: sums };
      });
      return { params: like(next), state: { step, sum: like(rest) } };
    },
  };
}
