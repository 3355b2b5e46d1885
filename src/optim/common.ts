/**
 * What the optimizers share: option checking with typed errors, the learning rate (a number,
 * a tensor for hyper-gradients, or a schedule), and the leaf-wise walk over parameter trees
 * that records the update on the tape only when something in it is on the tape.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { cast, filled } from "../ops/shape.ts";
import { checkRange } from "../options.ts";
import { shapesEqual } from "../shape.ts";
import {
  checkSameStructure,
  flatten,
  leafTensor,
  leavesWithPath,
  showPath,
  unflatten,
} from "../tree.ts";

/** A learning-rate schedule: the rate for the update after `step` earlier updates. */
export type Schedule = (step: number) => number | Tensor;

/** A learning rate: a number, a tensor (differentiate with respect to it), or a schedule. */
export type LearningRate = number | Tensor | Schedule;

/** What an optimizer's `update` returns. */
export interface Update<P, S> {
  /** The updated parameters, in the structure of the given ones. */
  readonly params: P;
  /** The new optimizer state. */
  readonly state: S;
}

/**
 * A pure optimizer: `init` builds its state from the parameters, `update` maps gradients,
 * state and parameters to new parameters and state. Nothing is mutated.
 */
export interface Optimizer<S> {
  /** The name, as in `optim.adam`. */
  readonly name: string;
  /**
   * The initial state for `params`.
   *
   * @param params a pytree of floating tensors
   * @returns the state
   */
  init(params: unknown): S;
  /**
   * One step, as `torch.optim`'s `step()` after `backward()`.
   *
   * @param grads the gradients, in the structure of `params`
   * @param state the state from `init` or the previous `update`
   * @param params the parameters
   * @returns the new parameters and state
   */
  update<P>(grads: unknown, state: S, params: P): Update<P, S>;
}

/** Checks a learning rate (non-negative when a number). */
export function checkLr(lr: LearningRate, op: string): void {
  if (typeof lr === "number") checkRange(lr >= 0, op, "learning rate", lr);
}

/** The learning rate for the update after `step` earlier updates. */
export function lrAt(lr: LearningRate, step: number, op: string): number | Tensor {
  if (typeof lr !== "function") return lr;
  const v: unknown = lr(step);
  if (typeof v !== "number" && !(v instanceof Tensor)) {
    throw new TypeError(`${op}: the learning-rate schedule returned ${typeof v} at step ${step}`);
  }
  return v;
}

/** The parameter leaves (floating tensors) and their structure; a TypeError names a bad leaf. */
export function paramLeaves(params: unknown, op: string): Tensor[] {
  return leavesWithPath(params).map(([path, leaf]) => {
    if (!(leaf instanceof Tensor) || !isFloating(leaf.dtype)) {
      throw new TypeError(
        `${op}: the parameter at ${showPath(path)} must be a floating Tensor; got ${
          leaf instanceof Tensor ? `dtype ${leaf.dtype}` : typeof leaf
        }`,
      );
    }
    return leaf;
  });
}

/** The gradient leaves, after checking that `grads` has the structure of `params`. */
export function gradLeaves(
  grads: unknown,
  params: unknown,
  ps: readonly Tensor[],
  op: string,
): Tensor[] {
  checkSameStructure(params, grads, op, "params", "grads");
  return leavesWithPath(grads).map(([path, g], i) => {
    const t = typeof g === "number" ? ps[i].mul(0).add(g) : leafTensor(g, op, path);
    if (!shapesEqual(t.shape, ps[i].shape)) {
      throw new RangeError(
        `${op}: the gradient at ${showPath(path)} has shape [${t.shape}] but the parameter has ` +
          `shape [${ps[i].shape}]`,
      );
    }
    return t;
  });
}

/** Builds trees of the structure of `params` from leaves (the structure is read once). */
export function rebuilder<P>(params: P): (leaves: readonly unknown[]) => P {
  const def = flatten(params)[1];
  return (leaves) => unflatten(def, leaves) as P;
}

/**
 * What every `update` starts from, in this order: the parameter leaves, a rebuilder of the
 * parameters' structure, the gradient leaves (checked against the parameters), and the
 * learning rate for the update after `state.step` earlier updates.
 */
export function updateInputs<P>(
  grads: unknown,
  state: { readonly step: number },
  params: P,
  lr: LearningRate,
  op: string,
): {
  ps: Tensor[];
  like: (leaves: readonly unknown[]) => P;
  gs: Tensor[];
  rate: number | Tensor;
} {
  const ps = paramLeaves(params, op);
  const like = rebuilder(params);
  const gs = gradLeaves(grads, params, ps, op);
  const rate = lrAt(lr, state.step, op);
  return { ps, like, gs, rate };
}

/** A state buffer: tensors filled with `value`, in the shapes of `ps`, built by `like`. */
export function filledLike<P>(
  like: (leaves: readonly unknown[]) => P,
  ps: readonly Tensor[],
  value: number,
): P {
  return like(ps.map((p) => filled(p.shape, p.dtype, value)));
}

/** The leaves of a state buffer tree (or null for a buffer not yet made). */
export function bufferLeaves(buffer: unknown): Tensor[] | null {
  return buffer === null ? null : (flatten(buffer)[0] as Tensor[]);
}

function onTape(x: unknown): boolean {
  return x instanceof Tensor && x.requiresGrad;
}

/**
 * Runs a leaf-wise update. It is recorded on the tape (for meta-gradients) when anything in
 * it requires grad: a gradient, the learning rate, a state buffer, or a parameter — except a
 * parameter that is a leaf whose `.grad` has been filled by `backward()` (the imperative
 * style), which is taken as a plain value. When nothing is recorded, parameters that were
 * leaves requiring grad come back as new such leaves, so `backward()` fills them next time.
 */
export function runUpdate<T>(
  ps: readonly Tensor[],
  gs: readonly Tensor[],
  lr: unknown,
  buffers: readonly (readonly Tensor[] | null)[],
  body: () => { params: Tensor[]; rest: T },
): { params: Tensor[]; rest: T } {
  const record = gs.some(onTape) || onTape(lr) ||
    buffers.some((b) => b !== null && b.some(onTape)) ||
    ps.some((p) => p.requiresGrad && (p.gradFn !== null || p.grad === null));
  // a float64 learning rate or gradient must not promote float32 parameters
  const keepDtype = (out: { params: Tensor[]; rest: T }) => ({
    params: out.params.map((p, i) => (p.dtype === ps[i].dtype ? p : cast(p, ps[i].dtype))),
    rest: out.rest,
  });
  if (record) return keepDtype(body());
  const out = keepDtype(noGrad(body));
  return {
    params: out.params.map((p, i) => (ps[i].requiresGrad ? p.detach().requiresGrad_(true) : p)),
    rest: out.rest,
  };
}

/** `x · s` for a number or tensor `s` (numbers of value 1 skip the product). */
export function scale(x: Tensor, s: TensorLike): Tensor {
  return typeof s === "number" && s === 1 ? x : x.mul(s);
}

/** `-s` for a number or a tensor. */
export function negate(s: number | Tensor): number | Tensor {
  return typeof s === "number" ? -s : s.neg();
}
