/**
 * Neural-network functions: softmax and log-softmax, the losses (cross-entropy, NLL, MSE,
 * L1, Huber, binary cross-entropy with and without logits), dropout and linear layers, all
 * built from differentiable operations in numerically stable forms.
 *
 * @module
 */

import { DtypeError, ShapeError } from "../errors.ts";
import { broadcastShapes, fmtShape, normalizeDim, shapesEqual, sizeOf } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { isFloating } from "../dtype.ts";
import { apply } from "../autograd/dispatch.ts";
import { type Generator, getDefaultGenerator } from "../random.ts";
import { concreteStorage, sampleUnderVmap } from "../vmap/level.ts";
import { add, checkTensor, constant, div, mul, neg, sub } from "./arithmetic.ts";
import { ADD } from "../primitives/factories.ts";
import { abs, log } from "./math.ts";
import { eq, gt, lt, ne, where } from "./compare.ts";
import { sum } from "./reduce.ts";
import { cast, identity, reshape, t as transpose2d } from "./shape.ts";
import { clamp } from "./activations.ts";
import { matmul } from "./matmul.ts";

/** How a loss reduces its per-element values. */
export type Reduction = "mean" | "sum" | "none";

function checkReduction(reduction: Reduction, op: string): void {
  if (reduction !== "mean" && reduction !== "sum" && reduction !== "none") {
    throw new TypeError(
      `${op}() expects reduction "mean", "sum" or "none"; got ${String(reduction)}`,
    );
  }
}

/** The reduction of a per-element loss, as a node named `name` (PyTorch's name for the loss). */
function reduceLoss(x: Tensor, reduction: Reduction, op: string, name: string): Tensor {
  checkReduction(reduction, op);
  if (reduction === "none") return identity(x, name);
  const all = { dims: x.shape.map((_, i) => i), keepdim: false };
  const s = apply("sum", [x], all, reduction === "sum" ? name : undefined);
  // the mean, as mean() computes it (a division that saves nothing)
  return reduction === "sum" ? s : apply("div", [s, constant(x.numel, s.dtype)], null, name, false);
}

function sameShape(input: Tensor, target: Tensor, op: string): void {
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  if (!shapesEqual(input.shape, target.shape)) {
    throw new ShapeError(
      `${op}(): target shape ${fmtShape(target.shape)} must equal input shape ` +
        `${fmtShape(input.shape)}`,
    );
  }
}

function checkFloat(x: Tensor, op: string): void {
  if (!isFloating(x.dtype)) {
    throw new DtypeError(`${op}() expects a floating-point input; got ${x.dtype}`);
  }
}

/** Options of the binary cross-entropy losses. */
export interface BinaryCrossEntropyOptions {
  /** How to reduce (default "mean"). */
  readonly reduction?: Reduction;
  /** A rescaling weight, broadcast over the elements. */
  readonly weight?: Tensor;
}

/** Options of {@linkcode binaryCrossEntropyWithLogits}. */
export interface BinaryCrossEntropyWithLogitsOptions extends BinaryCrossEntropyOptions {
  /** A weight of positive examples, broadcast along the last (class) dimension. */
  readonly posWeight?: Tensor;
}

/**
 * Binary cross-entropy between logits `input` and targets in [0, 1] (PyTorch's
 * `binary_cross_entropy_with_logits`), in the stable form `(1 + (p−1)y)·softplus(−x) +
 * (1 − y)·x` (`p` the positive weight), finite even for logits of ±1e3. Without options its
 * gradient is `(σ(x) − y) / n` everywhere, including at 0.
 *
 * @param input the logits
 * @param target the targets, same shape as `input`
 * @param options `reduction` (default "mean"), `weight`, `posWeight`
 * @returns the loss (gradFn `BinaryCrossEntropyWithLogitsBackward0`)
 * @throws {ShapeError} when the shapes differ
 * @throws {TypeError} for an unknown `reduction`
 * @example Loss of zero logits is log 2
 * ```ts
 * import { binaryCrossEntropyWithLogits, tensor, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = binaryCrossEntropyWithLogits(zeros([3], { dtype: "float64" }), tensor([0, 1, 1]));
 * assert.ok(Math.abs(loss.item() - Math.LN2) < 1e-15);
 * ```
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyWithLogitsOptions = {},
): Tensor {
  const op = "binaryCrossEntropyWithLogits";
  sameShape(input, target, op);
  const { reduction = "mean", weight, posWeight } = options;
  let perElement: Tensor;
  if (posWeight === undefined) {
    perElement = sub(apply("softplus", [input], null), mul(input, target));
  } else {
    // (1 − y)·x + (1 + (p − 1)·y)·softplus(−x)
    const coef = add(mul(sub(posWeight, 1), target), 1);
    perElement = add(mul(sub(1, target), input), mul(coef, apply("softplus", [neg(input)], null)));
  }
  if (weight !== undefined) perElement = mul(perElement, weight);
  return reduceLoss(perElement, reduction, op, "BinaryCrossEntropyWithLogitsBackward0");
}

/**
 * Binary cross-entropy between probabilities `input` in [0, 1] and targets (PyTorch's
 * `binary_cross_entropy`): `−(y·log p + (1 − y)·log(1 − p))`, each log clamped to ≥ −100 as
 * PyTorch does, so that p = 0 or 1 gives a finite loss.
 *
 * @param input probabilities
 * @param target targets, same shape
 * @param options `reduction` (default "mean") and `weight`
 * @returns the loss (gradFn `BinaryCrossEntropyBackward0`)
 * @throws {ShapeError} when the shapes differ
 * @throws {DtypeError} for integer input
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling binaryCrossEntropy
 * ```ts
 * import { binaryCrossEntropy, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = binaryCrossEntropy(tensor([0.5, 1], { dtype: "float64" }), tensor([1, 0], { dtype: "float64" }));
 * assert.equal(loss.item(), (Math.LN2 + 100) / 2);
 * ```
 */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  options: BinaryCrossEntropyOptions = {},
): Tensor {
  const op = "binaryCrossEntropy";
  sameShape(input, target, op);
  checkFloat(input, op);
  const { reduction = "mean", weight } = options;
  // log 0 is −∞: take the clamped −100 there directly (with gradient 0, not 0·∞ = NaN)
  const pos = gt(input, 0);
  const below1 = lt(input, 1);
  const logP = where(pos, clamp(log(where(pos, input, 1)), -100), -100);
  const log1mP = where(below1, clamp(log(where(below1, sub(1, input), 1)), -100), -100);
  let perElement = neg(add(mul(target, logP), mul(sub(1, target), log1mP)));
  if (weight !== undefined) perElement = mul(perElement, weight);
  return reduceLoss(perElement, reduction, op, "BinaryCrossEntropyBackward0");
}

/**
 * The mean (or summed) squared error `(input − target)²`.
 *
 * @param input a tensor
 * @param target a tensor of the same shape
 * @param options `reduction` (default "mean")
 * @returns the loss (gradFn `MseLossBackward0`)
 * @throws {ShapeError} when the shapes differ
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling mseLoss
 * ```ts
 * import { mseLoss, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(mseLoss(tensor([1, 2]), tensor([3, 2])).item(), 2);
 * ```
 */
export function mseLoss(
  input: Tensor,
  target: Tensor,
  options: { readonly reduction?: Reduction } = {},
): Tensor {
  sameShape(input, target, "mseLoss");
  const d = sub(input, target);
  return reduceLoss(mul(d, d), options.reduction ?? "mean", "mseLoss", "MseLossBackward0");
}

/**
 * The mean (or summed) absolute error `|input − target|`; at equality the derivative is 0,
 * as PyTorch.
 *
 * @param input a tensor
 * @param target a tensor of the same shape
 * @param options `reduction` (default "mean")
 * @returns the loss (gradFn `MeanBackward0` for "mean", as PyTorch 1.13's composite)
 * @throws {ShapeError} when the shapes differ
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling l1Loss
 * ```ts
 * import { l1Loss, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(l1Loss(tensor([1, 2]), tensor([3, 2])).item(), 1);
 * ```
 */
export function l1Loss(
  input: Tensor,
  target: Tensor,
  options: { readonly reduction?: Reduction } = {},
): Tensor {
  sameShape(input, target, "l1Loss");
  const d = abs(sub(input, target));
  // PyTorch 1.13 composes l1_loss: its grad_fn is the reduction's (MeanBackward0 for "mean")
  const reduction = options.reduction ?? "mean";
  checkReduction(reduction, "l1Loss");
  if (reduction === "none") return d;
  return reduceLoss(
    d,
    reduction,
    "l1Loss",
    reduction === "mean" ? "MeanBackward0" : "SumBackward0",
  );
}

/**
 * The Huber loss: `½d²` where `|d| < δ`, `δ(|d| − ½δ)` elsewhere, `d = input − target`.
 *
 * @param input a tensor
 * @param target a tensor of the same shape
 * @param options `reduction` (default "mean") and `delta` (default 1)
 * @returns the loss (gradFn `HuberLossBackward0`)
 * @throws {ShapeError} when the shapes differ
 * @throws {RangeError} for `delta` ≤ 0
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling huberLoss
 * ```ts
 * import { huberLoss, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(huberLoss(tensor([0.5, 3]), tensor([0, 0]), { reduction: "sum" }).item(), 0.125 + 2.5);
 * ```
 */
export function huberLoss(
  input: Tensor,
  target: Tensor,
  options: { readonly reduction?: Reduction; readonly delta?: number } = {},
): Tensor {
  sameShape(input, target, "huberLoss");
  const delta = options.delta ?? 1;
  if (!(delta > 0)) throw new RangeError(`huberLoss() expects delta > 0; got ${delta}`);
  const d = sub(input, target);
  const a = abs(d);
  const perElement = where(lt(a, delta), mul(mul(d, d), 0.5), mul(sub(a, 0.5 * delta), delta));
  return reduceLoss(perElement, options.reduction ?? "mean", "huberLoss", "HuberLossBackward0");
}

/**
 * `log(softmax(x))` along `dim`, computed as `(x − max) − log Σ exp(x − max)`: finite at
 * ±1e3.
 *
 * @param x a floating tensor
 * @param dim the dimension to normalize over
 * @returns the log-probabilities (gradFn `LogSoftmaxBackward0`)
 * @throws {ShapeError} for `dim` out of range
 * @throws {DtypeError} for integer input
 * @example Calling logSoftmax
 * ```ts
 * import { logSoftmax, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const y = logSoftmax(tensor([0, 0], { dtype: "float64" }), 0);
 * assert.deepEqual(y.toArray(), [-Math.LN2, -Math.LN2]);
 * ```
 */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return normalize("logSoftmax", x, dim);
}

/** Runs the single-pass softmax or log-softmax primitive along `dim` (a 0-d input as [1]). */
function normalize(kind: "softmax" | "logSoftmax", x: Tensor, dim: number): Tensor {
  checkTensor(x, kind);
  checkFloat(x, kind);
  const d = normalizeDim(dim, x.ndim, kind);
  if (x.ndim === 0) {
    return reshape(apply(kind, [reshape(x, [1])], { dim: 0 }), []);
  }
  return apply(kind, [x], { dim: d });
}

/**
 * The softmax along `dim`, `exp(x − max) / Σ exp(x − max)`: stable at ±1e3.
 *
 * @param x a floating tensor
 * @param dim the dimension to normalize over
 * @returns probabilities summing to 1 along `dim` (gradFn `SoftmaxBackward0`)
 * @throws {ShapeError} for `dim` out of range
 * @throws {DtypeError} for integer input
 * @example Calling softmax
 * ```ts
 * import { softmax, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(softmax(tensor([1000, 1000], { dtype: "float64" }), 0).toArray(), [0.5, 0.5]);
 * ```
 */
export function softmax(x: Tensor, dim: number): Tensor {
  return normalize("softmax", x, dim);
}

/** Options of {@linkcode nllLoss}. */
export interface NllLossOptions {
  /** How to reduce (default "mean": divided by the total weight of the counted targets). */
  readonly reduction?: Reduction;
  /** A weight per class (1-D, length C). */
  readonly weight?: Tensor;
  /** A target value that is ignored (contributes nothing, not counted). Default −100. */
  readonly ignoreIndex?: number;
}

/** Options of {@linkcode crossEntropy}. */
export interface CrossEntropyOptions extends NllLossOptions {
  /** Mixes the target with the uniform distribution by this amount (default 0). */
  readonly labelSmoothing?: number;
}

/** Class dimension 1 (or 0 for an unbatched `[C]` input). */
function classDim(input: Tensor, op: string): number {
  if (input.ndim === 0) throw new ShapeError(`${op}() expects an input with a class dimension`);
  return input.ndim === 1 ? 0 : 1;
}

function checkTargets(input: Tensor, target: Tensor, op: string): number {
  const c = classDim(input, op);
  const expected = input.shape.filter((_, i) => i !== c);
  if (!shapesEqual(target.shape, expected)) {
    throw new ShapeError(
      `${op}(): class-index target shape ${fmtShape(target.shape)} must be the input shape ` +
        `${fmtShape(input.shape)} without dimension ${c}, i.e. ${fmtShape(expected)}`,
    );
  }
  return c;
}

/**
 * A bool mask that is true at each target's class: `target` (with ignored entries already
 * replaced by −1, matching no class) unsqueezed at the class dimension `c`, compared with
 * `0, 1, …, classes − 1`.
 */
function oneHot(target: Tensor, c: number, classes: number, ndim: number): Tensor {
  const ar = new Float64Array(classes);
  for (let k = 0; k < classes; k++) ar[k] = k;
  const classShape = Array.from({ length: ndim }, (_, i) => (i === c ? classes : 1));
  return eq(reshape(target, target.shape.toSpliced(c, 0, 1)), new Tensor(ar, classShape, "int64"));
}

/** Checks a per-class weight: a tensor of shape `[classes]`. */
function checkWeight(weight: Tensor, classes: number, op: string): void {
  checkTensor(weight, op, "weight");
  if (weight.ndim !== 1 || weight.shape[0] !== classes) {
    throw new ShapeError(
      `${op}(): weight must have shape [${classes}] (one per class); got ${fmtShape(weight.shape)}`,
    );
  }
}

/** Per-element weights and the picked log-probabilities for class-index targets. */
function picked(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | undefined,
  ignoreIndex: number,
  op: string,
): { loss: Tensor; w: Tensor } {
  const c = checkTargets(logp, target, op);
  const classes = logp.shape[c];
  const buf = concreteStorage(target); // every example's targets under vmap
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    if (v !== ignoreIndex && (v < 0 || v >= classes)) {
      throw new RangeError(`${op}(): target ${v} is out of range for ${classes} classes`);
    }
  }
  const keep = ne(target, ignoreIndex);
  // a mask rather than a gather: `where` keeps a −∞ at another class out of the sum
  const mask = oneHot(where(keep, target, -1), c, classes, logp.ndim);
  // −log p of each target; `0 − x` rather than `−x`, so that ignored targets (no class in the
  // mask) give +0 losses and the other classes +0 gradients, as PyTorch
  const nll = sub(0, sum(where(mask, logp, 0), c));
  let w = cast(keep, logp.dtype);
  if (weight !== undefined) {
    checkWeight(weight, classes, op);
    const wShape = logp.shape.map((s, i) => (i === c ? s : 1));
    w = mul(w, sum(where(mask, reshape(cast(weight, logp.dtype), wShape), 0), c));
  }
  return { loss: mul(nll, w), w };
}

/**
 * PyTorch's grad_fn name of `nll_loss` on an input of `ndim` dimensions: `nll_loss2d` for
 * spatial inputs, run on a 4-D view and viewed back (`ViewBackward0`) for "none" unless the
 * input is 4-D already.
 */
function nllName(ndim: number, reduction: Reduction): string {
  if (ndim <= 2) return "NllLossBackward0";
  return reduction === "none" && ndim !== 4 ? "ViewBackward0" : "NllLoss2DBackward0";
}

/**
 * The negative log-likelihood loss on log-probabilities `input` (`[N, C]`, `[C]` or
 * `[N, C, d1, …]`) and int64 class indices `target`. The "mean" reduction divides by the
 * total weight of the non-ignored targets, as PyTorch.
 *
 * @param input log-probabilities
 * @param target int64 class indices, the input's shape without the class dimension
 * @param options `reduction`, `weight` (per class), `ignoreIndex` (default −100)
 * @returns the loss (gradFn `NllLossBackward0`, or `NllLoss2DBackward0` for spatial inputs)
 * @throws {DtypeError} when the target is not int64 or the input not floating
 * @throws {ShapeError} for mismatched shapes or a weight not of shape `[C]`
 * @throws {RangeError} for a target out of range
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling nllLoss
 * ```ts
 * import { nllLoss, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const logp = tensor([[-1, -2], [-3, -4]]);
 * assert.equal(nllLoss(logp, tensor([1, 0], { dtype: "int64" })).item(), 2.5);
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, options: NllLossOptions = {}): Tensor {
  const op = "nllLoss";
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  checkFloat(input, op);
  if (target.dtype !== "int64") {
    throw new DtypeError(`${op}() expects int64 class-index targets; got ${target.dtype}`);
  }
  const { reduction = "mean", weight, ignoreIndex = -100 } = options;
  checkReduction(reduction, op);
  const { loss, w } = picked(input, target, weight, ignoreIndex, op);
  const name = nllName(input.ndim, reduction);
  if (reduction === "mean") return apply("div", [sum(loss), sum(w)], null, name);
  return reduceLoss(loss, reduction, op, name);
}

/**
 * The cross-entropy between logits `input` (`[N, C]`, `[C]` or `[N, C, d1, …]`) and either
 * int64 class indices or class probabilities of the input's shape (PyTorch's
 * `cross_entropy`): `nllLoss(logSoftmax(input, classDim), target)`, stable at ±1e3 logits.
 * With `labelSmoothing` ε the target is mixed with the uniform distribution: `(1 − ε)·nll +
 * ε·Σ_c w_c·(−log p_c)/C`. As PyTorch, "mean" divides index losses by the total weight of the
 * non-ignored targets (NaN when all are ignored) and probability losses by the batch size.
 *
 * @param input logits
 * @param target int64 class indices, or float probabilities shaped like `input`
 * @param options `reduction`, `weight`, `ignoreIndex` (indices only), `labelSmoothing`
 * @returns the loss (gradFn as PyTorch's: `NllLossBackward0` or `NllLoss2DBackward0` for
 *   indices, `AddBackward0` with label smoothing, `DivBackward1` or `NegBackward0` for
 *   probabilities)
 * @throws {ShapeError} for mismatched shapes or a weight not of shape `[C]`
 * @throws {RangeError} for a class index out of range or `labelSmoothing` outside [0, 1]
 * @throws {DtypeError} for an integer input, or a target neither int64 nor floating
 * @throws {TypeError} for an unknown `reduction`
 * @example Calling crossEntropy
 * ```ts
 * import { crossEntropy, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const logits = tensor([[0, 0], [0, 0]], { dtype: "float64" });
 * assert.equal(crossEntropy(logits, tensor([0, 1], { dtype: "int64" })).item(), Math.LN2);
 * ```
 */
export function crossEntropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const op = "crossEntropy";
  checkTensor(input, op, "input");
  checkTensor(target, op, "target");
  checkFloat(input, op);
  const { reduction = "mean", weight, ignoreIndex = -100, labelSmoothing = 0 } = options;
  checkReduction(reduction, op);
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
    throw new RangeError(`${op}() expects labelSmoothing in [0, 1]; got ${labelSmoothing}`);
  }
  const c = classDim(input, op);
  const classes = input.shape[c];
  if (weight !== undefined) checkWeight(weight, classes, op);
  const logp = logSoftmax(input, c);
  const wShape = input.shape.map((s, i) => (i === c ? s : 1));
  const weighted = (t: Tensor) =>
    weight === undefined ? t : mul(t, reshape(cast(weight, logp.dtype), wShape));
  if (isFloating(target.dtype)) {
    sameShape(input, target, op);
    let p = target;
    if (labelSmoothing > 0) p = add(mul(p, 1 - labelSmoothing), labelSmoothing / classes);
    const plogp = sum(weighted(mul(logp, p)), c);
    // PyTorch's names: −Σ for "none" and "sum", then a division by the batch size for "mean"
    if (reduction === "none") return neg(plogp);
    if (reduction === "sum") return neg(sum(plogp));
    const total = neg(sum(plogp));
    const count = constant(Math.max(1, input.numel / classes), total.dtype);
    return apply("div", [total, count], null, "DivBackward1");
  }
  if (target.dtype !== "int64") {
    throw new DtypeError(
      `${op}() expects int64 class indices or float probabilities; got ${target.dtype}`,
    );
  }
  const { loss, w } = picked(logp, target, weight, ignoreIndex, op);
  let perSample = loss;
  if (labelSmoothing > 0) {
    // the uniform part: −Σ_c w_c·logp_c / C on the counted targets
    const keep = cast(ne(target, ignoreIndex), logp.dtype);
    const smooth = mul(neg(sum(weighted(logp), c)), div(keep, classes));
    perSample = add(mul(loss, 1 - labelSmoothing), mul(smooth, labelSmoothing));
  }
  // PyTorch's names: nll_loss (nll_loss2d for spatial inputs), plus the smoothing term's add
  const name = labelSmoothing > 0 ? "AddBackward0" : nllName(input.ndim, reduction);
  if (reduction === "mean") return apply("div", [sum(perSample), sum(w)], null, name);
  return reduceLoss(perSample, reduction, op, name);
}

/** Options of {@linkcode dropout}. */
export interface DropoutOptions {
  /** Whether to drop (default true); false makes dropout the identity, as in evaluation. */
  readonly training?: boolean;
  /** The random generator (default: the global one, seeded by `manualSeed`). */
  readonly generator?: Generator;
}

/**
 * Zeroes each element with probability `p` and scales the others by `1/(1 − p)`, so the
 * expectation is unchanged (PyTorch's `F.dropout`). The identity when `training` is false or
 * `p = 0`; all zeros when `p = 1`.
 *
 * @param x a floating tensor
 * @param p the drop probability, in [0, 1] (default 0.5)
 * @param options `training` (default true) and `generator`
 * @returns the masked tensor (gradFn `MulBackward0`)
 * @throws {RangeError} for `p` outside [0, 1]
 * @throws {DtypeError} for integer input
 * @example Reproducible with a seeded generator, the identity in evaluation
 * ```ts
 * import { dropout, Generator, ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = ones([1000]);
 * const y = dropout(x, 0.5, { generator: new Generator(0) });
 * assert.ok(y.toTypedArray().every((v) => v === 0 || v === 2));
 * assert.equal(dropout(x, 0.5, { training: false }), x);
 * ```
 */
export function dropout(x: Tensor, p = 0.5, options: DropoutOptions = {}): Tensor {
  checkTensor(x, "dropout");
  checkFloat(x, "dropout");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`dropout() expects p in [0, 1]; got ${p}`);
  const { training = true, generator = getDefaultGenerator() } = options;
  if (!training || p === 0) return x;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  // one mask per example under vmap with randomness "different" (an error by default)
  const mask = sampleUnderVmap(x.shape, "dropout", (shape) => {
    const m = new Float64Array(sizeOf(shape));
    for (let i = 0; i < m.length; i++) m[i] = generator.uniform() < p ? 0 : scale;
    return new Tensor(m, shape.slice(), "float64");
  });
  return mul(x, cast(mask, x.dtype));
}

/**
 * A linear layer `x · weightᵀ + bias` with PyTorch's `[out, in]` weight layout
 * (`F.linear`).
 *
 * @param x the input, `[..., in]`
 * @param weight `[out, in]` (or `[in]` for a single output)
 * @param bias `[out]`, optional
 * @returns `[..., out]` (gradFn as PyTorch's: `AddmmBackward0` for a 2-D input with bias,
 *   `MmBackward0` without)
 * @throws {ShapeError} when the last dimensions of `x` and `weight` differ, the weight is
 *   not 1-D or 2-D, or the bias does not fit the output
 * @example Calling linear
 * ```ts
 * import { linear, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const y = linear(tensor([[1, 2]]), tensor([[1, 0], [0, 1], [1, 1]]), tensor([0, 0, 10]));
 * assert.deepEqual(y.toArray(), [[1, 2, 13]]);
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  checkTensor(x, "linear", "x");
  checkTensor(weight, "linear", "weight");
  if (weight.ndim > 2) {
    throw new ShapeError(`linear() expects a 1-D or 2-D weight; got ${fmtShape(weight.shape)}`);
  }
  const inFeatures = weight.shape[weight.ndim - 1];
  if (x.ndim === 0 || weight.ndim === 0 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new ShapeError(
      `linear(): input of shape ${fmtShape(x.shape)} does not match weight of shape ` +
        `${fmtShape(weight.shape)} (the last dimensions must be equal)`,
    );
  }
  const y = matmul(x, weight.ndim === 2 ? transpose2d(weight) : weight);
  if (bias === undefined) return y;
  checkTensor(bias, "linear", "bias");
  if (!shapesEqual(broadcastShapes(y.shape, bias.shape, "linear"), y.shape)) {
    throw new ShapeError(
      `linear(): bias of shape ${fmtShape(bias.shape)} does not fit the output shape ` +
        fmtShape(y.shape),
    );
  }
  // PyTorch fuses the product and bias of a 2-D input (and of a flattened 3-D one) into addmm
  const fused = weight.ndim === 2 && (x.ndim === 2 || x.ndim === 3);
  const name = fused ? (x.ndim === 2 ? "AddmmBackward0" : "ViewBackward0") : "AddBackward0";
  return apply("add", [y, bias.dtype === y.dtype ? bias : cast(bias, y.dtype)], ADD, name);
}
