/**
 * Derivative rules supplied by the user: `customVjp` and `customJvp` (JAX's semantics) and
 * `checkpoint` (recompute in the backward pass instead of saving). Each builds one call of
 * the `custom` primitive whose closures hold the rules; the rules are Tensor operations, so
 * they are recorded under `createGraph` and differentiate again.
 *
 * @module
 */

import { AutogradError, ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { autogradGrad } from "../autograd/engine.ts";
import { enableGrad, isGradEnabled, noGrad } from "../autograd/grad_mode.ts";
import { hasEnabledEntry } from "../autograd/forward_ad.ts";
import { type Node, nodeCount } from "../autograd/node.ts";
import { filled } from "../ops/shape.ts";
import type { CustomCall } from "../primitives/custom.ts";
import type { MaybeTensor } from "../primitives/types.ts";
import { toTensor } from "./transforms.ts";

/** A function of tensors returning one tensor. */
export type TensorFn = (...xs: Tensor[]) => Tensor;

/** The gradFn name of a custom operation on `f`, as PyTorch names a `Function`'s node. */
function nodeName(f: TensorFn, fallback: string): string {
  const n = f.name;
  return n === "" || n === "anonymous" ? fallback : n[0].toUpperCase() + n.slice(1) + "Backward";
}

function opName(kind: string, f: TensorFn): string {
  return f.name === "" ? `${kind}()` : `${kind}(${f.name})`;
}

function checkOutput(out: unknown, op: string, what: string): Tensor {
  if (!(out instanceof Tensor)) {
    throw new TypeError(`${op}: ${what} must return a Tensor; got ${typeof out}`);
  }
  return out;
}

function args(xs: readonly TensorLike[], op: string): Tensor[] {
  return xs.map((x, i) => toTensor(x, `${op} argument ${i}`));
}

/** Options of {@linkcode customVjp}. */
export interface CustomVjpOptions {
  /** The name in error messages (default `customVjp(<f's name>)`). */
  readonly name?: string;
  /**
   * `f`, `forward` and `backward` accept extra leading batch dimensions on every argument
   * (and on `g`), so `vmap` calls them once for the whole batch instead of once per example
   * (default false).
   */
  readonly vectorized?: boolean;
}

/** The residuals saved by a custom-VJP forward, by the output they belong to. */
const residualsOf = new WeakMap<Tensor, unknown>();

/** @ignore The residuals a custom-VJP forward saved for `out` (what `tidy` must keep). */
export function residualsFor(out: Tensor): unknown {
  return residualsOf.get(out);
}

/**
 * Defines a function with a custom vector-Jacobian product (JAX's `custom_vjp`). `f` gives
 * the value when nothing is differentiated; when an argument requires grad, `forward`
 * computes the value and the residuals to save, and the backward pass calls
 * `backward(residuals, g)` for one gradient per argument (`null` for zero), each of its
 * argument's shape. The rule is written in Tensor operations: under `createGraph` (nested
 * `grad`, `hessian` by reverse over reverse) it is recorded and differentiated like any other
 * code, and residuals computed from the arguments carry their dependence on them. Inside
 * `vmap` the function runs once per example, or once on the batch with `vectorized`.
 * Tensors that `f` reads from its closure are constants to the rule: pass what must be
 * differentiated as arguments.
 *
 * Forward mode (`jvp`, `jacfwd`, `hvp`) is not defined for it, as in JAX: use
 * {@linkcode customJvp} for a function that needs tangents.
 *
 * @param f the function, for evaluation without derivatives
 * @param forward `(...xs) => [value, residuals]`, for evaluation before a backward pass
 * @param backward `(residuals, g) => gradients`, one per argument of the function
 * @param options `name` for errors, `vectorized` for `vmap`
 * @returns the function with the custom rule (gradFn named after `f`, e.g. `LogSumExpBackward`)
 * @throws {AutogradError} from the returned function when `backward` returns the wrong number
 *   of gradients, or when tangents reach it in forward mode
 * @throws {ShapeError} from the returned function when a gradient has the wrong shape
 * @throws {TypeError} when `f` or `forward` does not return a tensor
 * @example A logSumExp whose gradient is the softmax, computed stably
 * ```ts
 * import { customVjp, grad, type Tensor, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const value = (x: Tensor) => {
 *   const m = x.max().detach();
 *   return x.sub(m).exp().sum().log().add(m);
 * };
 * const logSumExp = customVjp(
 *   value,
 *   (x: Tensor) => {
 *     const y = value(x);
 *     return [y, x.sub(y).exp()]; // the softmax is the residual
 *   },
 *   (softmax: Tensor, g: Tensor) => [softmax.mul(g)],
 * );
 * const x = tensor([1000, 1000], { dtype: "float64" });
 * assertClose(logSumExp(x), tensor(1000 + Math.LN2, { dtype: "float64" }));
 * assertClose(grad(logSumExp)(x), tensor([0.5, 0.5], { dtype: "float64" }));
 * ```
 */
export function customVjp<R>(
  f: TensorFn,
  forward: (...xs: Tensor[]) => readonly [Tensor, R],
  backward: (residuals: R, g: Tensor) => readonly (Tensor | null)[],
  options: CustomVjpOptions = {},
): (...xs: TensorLike[]) => Tensor {
  const op = options.name ?? opName("customVjp", f);
  const call: CustomCall = {
    name: nodeName(f, "CustomVjpBackward"),
    op,
    kind: "customVjp",
    inline: null,
    vectorized: options.vectorized ?? false,
    forward(inputs) {
      const recorded = isGradEnabled() && inputs.some((x) => x._requiresGrad);
      if (!recorded) return noGrad(() => checkOutput(f(...inputs), op, "f")).detach();
      const pair = forward(...inputs);
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError(`${op}: forward must return [value, residuals]`);
      }
      const out = checkOutput(pair[0], op, "forward").detach();
      residualsOf.set(out, pair[1]);
      return out;
    },
    vjp(g, inputs, out) {
      if (!residualsOf.has(out)) {
        throw new AutogradError(`${op}: the residuals of this call were not saved`);
      }
      const grads = backward(residualsOf.get(out) as R, g);
      return checkGrads(grads, inputs, op);
    },
    jvp() {
      throw new AutogradError(
        `${op}: forward-mode differentiation (jvp, jacfwd, hvp, Taylor mode) is not defined ` +
          `for a function with only a custom VJP; define its JVP with customJvp() instead`,
      );
    },
  };
  return (...xs) => apply("custom", args(xs, op), call);
}

function checkGrads(grads: unknown, inputs: readonly Tensor[], op: string): MaybeTensor[] {
  if (!Array.isArray(grads) || grads.length !== inputs.length) {
    const got = Array.isArray(grads) ? `${grads.length} gradient(s)` : typeof grads;
    throw new AutogradError(
      `${op}: backward must return an array of one gradient per argument (${inputs.length}); ` +
        `got ${got}`,
    );
  }
  return grads.map((gi, i) => {
    if (gi === null || gi === undefined) return null;
    if (!(gi instanceof Tensor)) {
      throw new TypeError(`${op}: backward returned ${typeof gi} for argument ${i}`);
    }
    if (!shapesEqual(gi.shape, inputs[i].shape)) {
      throw new ShapeError(
        `${op}: backward returned a gradient of shape ${fmtShape(gi.shape)} for argument ${i} ` +
          `of shape ${fmtShape(inputs[i].shape)}`,
      );
    }
    return gi;
  });
}

/**
 * A fresh leaf with `x`'s values and forward-mode tangents (so that forward over reverse,
 * such as `hvp`, sees them), requiring grad when `grad` is set.
 */
function leafOf(x: Tensor, grad: boolean): Tensor {
  const d = x.detach();
  d._fw = x._fw;
  if (grad) d.requiresGrad_(true);
  return d;
}

/** `autogradGrad` of `out` (seeded with `g`) for the `targets` where `needs` is set. */
function pull(
  out: Tensor,
  g: Tensor,
  targets: readonly Tensor[],
  needs: readonly boolean[],
  createGraph: boolean,
): MaybeTensor[] {
  const result: MaybeTensor[] = targets.map(() => null);
  if (!out._requiresGrad) return result;
  const idx = needs.flatMap((n, i) => (n && targets[i]._requiresGrad ? [i] : []));
  if (idx.length === 0) return result;
  const grads = autogradGrad(out, idx.map((i) => targets[i]), {
    gradOutputs: g,
    createGraph,
    retainGraph: true,
    allowUnused: true,
  });
  idx.forEach((i, k) => (result[i] = grads[k]));
  return result;
}

/** Options of {@linkcode customJvp}. */
export interface CustomJvpOptions {
  /** The name in error messages (default `customJvp(<f's name>)`). */
  readonly name?: string;
  /**
   * `f` and the rule accept extra leading batch dimensions on every argument, so `vmap`
   * calls them once for the whole batch instead of once per example (default false).
   */
  readonly vectorized?: boolean;
  /**
   * `f` written in Tensor operations, for transforms that have no use for the rule (Taylor
   * mode propagates series through it); without it they refuse the function.
   */
  readonly inline?: TensorFn;
}

/**
 * Defines a function with a custom Jacobian-vector product (JAX's `custom_jvp`):
 * `jvp(primals, tangents, value)` returns `[value, tangent]` (tangents of non-floating
 * arguments are zeros; `value` is what `f` computed, carrying the derivatives of the value
 * itself, for rules that need it, such as those of matrix decompositions). Forward mode
 * calls the rule; reverse mode transposes it, by running the rule on tangents that require
 * grad and taking the gradient of the (linear) tangent output, so
 * `grad`, `vjp`, `hessian` and nested transforms all use the rule. The rule must be linear in
 * the tangents and written in Tensor operations (then it differentiates to any order).
 * Inside `vmap` the function runs once per example, or once on the batch with `vectorized`.
 *
 * @param f the function, for the value
 * @param jvp `(primals, tangents, value) => [value, tangent]`
 * @param options `name` for errors, `vectorized` for `vmap`, `inline` for Taylor mode
 * @returns the function with the custom rule (gradFn named after `f`, e.g. `SafeNormBackward`)
 * @throws {TypeError} from the returned function when `f` or `jvp` returns something else
 * @throws {ShapeError} from the returned function when the tangent's shape is not the value's
 * @example A norm with a chosen derivative (zero) at the origin
 * ```ts
 * import { customJvp, grad, gt, jvp, type Tensor, tensor, where } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const safeNorm = customJvp(
 *   (x: Tensor) => x.pow(2).sum().sqrt(),
 *   ([x]: Tensor[], [t]: Tensor[]) => {
 *     const n = x.pow(2).sum().sqrt();
 *     const u = where(gt(n, 0), x.div(n.clamp(1e-30)), 0);
 *     return [n, u.mul(t).sum()];
 *   },
 * );
 * assert.deepEqual(grad(safeNorm)(tensor([0, 0])).toArray(), [0, 0]);
 * assert.deepEqual(grad(safeNorm)(tensor([3, 4])).toArray(), [0.6000000238418579, 0.800000011920929]);
 * assert.equal(jvp(safeNorm, [tensor([3, 4])], [tensor([1, 0])])[1].item(), 0.6000000238418579);
 * ```
 */
export function customJvp(
  f: TensorFn,
  jvp: (primals: Tensor[], tangents: Tensor[], value: Tensor) => readonly [Tensor, Tensor],
  options: CustomJvpOptions = {},
): (...xs: TensorLike[]) => Tensor {
  const op = options.name ?? opName("customJvp", f);
  const inlineF = options.inline as TensorFn;
  const rule = (primals: Tensor[], tangents: Tensor[], out: Tensor): Tensor => {
    const pair = jvp(primals, tangents, out);
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`${op}: the jvp rule must return [value, tangent]`);
    }
    const t = checkOutput(pair[1], op, "the jvp rule");
    if (!shapesEqual(t.shape, out.shape)) {
      throw new ShapeError(
        `${op}: the jvp rule returned a tangent of shape ${fmtShape(t.shape)} for a value of ` +
          `shape ${fmtShape(out.shape)}`,
      );
    }
    return t;
  };
  const call: CustomCall = {
    name: nodeName(f, "CustomJvpBackward"),
    op,
    kind: "customJvp",
    inline: options.inline === undefined ? null : (ins) => inlineF(...ins),
    vectorized: options.vectorized ?? false,
    forward: (inputs) =>
      noGrad(() => checkOutput(f(...inputs.map((x) => x.detach())), op, "f")).detach(),
    jvp: (tangents, inputs, out) =>
      rule(
        inputs.slice(),
        tangents.map((t, i) => t ?? filled(inputs[i].shape, inputs[i].dtype, 0)),
        out,
      ),
    vjp(g, inputs, out, needs) {
      const createGraph = isGradEnabled();
      return enableGrad(() => {
        const primals = createGraph ? inputs.slice() : inputs.map((x) => leafOf(x, false));
        const tangents = inputs.map((x, i) => leafOf(filled(x.shape, x.dtype, 0), needs[i]));
        const value = createGraph ? out : leafOf(out, false);
        return pull(rule(primals, tangents, value), g, tangents, needs, createGraph);
      });
    },
  };
  return (...xs) => apply("custom", args(xs, op), call);
}

/**
 * The tensors requiring grad that the graph of `out` (its nodes made after `start`) reads from
 * outside it: what a checkpointed function captures from its closure.
 */
function capturedBy(out: Tensor, start: number, own: ReadonlySet<Tensor>): Tensor[] {
  const found = new Set<Tensor>();
  const seen = new Set<Node>();
  const stack: Node[] = [out._gradFn as Node];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    for (const x of node._inputs) {
      if (!x._requiresGrad || own.has(x)) continue;
      const n = x._gradFn;
      if (n !== null && n._seq > start) {
        if (!seen.has(n)) {
          seen.add(n);
          stack.push(n);
        }
      } else found.add(x);
    }
  }
  return [...found];
}

/**
 * Gradient checkpointing (PyTorch's `torch.utils.checkpoint`, JAX's `jax.checkpoint`):
 * `checkpoint(f)(...xs)` computes `f(...xs)` without keeping its intermediate values on the
 * tape; the backward pass runs `f` again to get them. The tape holds only the arguments,
 * the output, and the tensors requiring grad that `f` reads from its closure (the weights of
 * a layer), which receive their gradients as usual. Works with `createGraph` and nested
 * `grad`. Inside `vmap`, or with forward-mode tangents on the arguments, `f` simply runs
 * (nothing is saved in forward mode anyway). `f` must be deterministic: a random mask drawn
 * inside it differs when it is recomputed.
 *
 * @param f a function of tensors returning one tensor
 * @returns the checkpointed function (gradFn `CheckpointFunctionBackward`)
 * @throws {TypeError} from the returned function when `f` does not return a tensor
 * @example A checkpointed block gives the same gradient
 * ```ts
 * import { checkpoint, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const block = checkpoint((x) => x.matmul(w).tanh().matmul(w).sum());
 * const x = tensor([[0.1, 0.2]], { requiresGrad: true });
 * const y = block(x);
 * assert.equal(y.gradFn?.name, "CheckpointFunctionBackward");
 * y.backward();
 * const g = w.grad!.toArray();
 * w.grad = null;
 * x.matmul(w).tanh().matmul(w).sum().backward();
 * assert.deepEqual(g, w.grad!.toArray());
 * ```
 */
export function checkpoint(f: TensorFn): (...xs: TensorLike[]) => Tensor {
  const op = opName("checkpoint", f);
  return (...raw) => {
    const xs = args(raw, op);
    const plain = !isGradEnabled() || xs.some((x) => x._bat !== null || hasEnabledEntry(x));
    if (plain) return checkOutput(f(...xs), op, "f");
    const start = nodeCount();
    const leaves = xs.map((x) => leafOf(x, x._requiresGrad));
    const first = checkOutput(f(...leaves), op, "f");
    if (first._gradFn === null || first._gradFn._seq <= start) {
      // f returned an argument or a tensor from outside: there is nothing to recompute
      return checkOutput(f(...xs), op, "f");
    }
    const n = xs.length;
    const inputs = [...xs, ...capturedBy(first, start, new Set(leaves))];
    const value = first.detach();
    const call: CustomCall = {
      name: "CheckpointFunctionBackward",
      op,
      kind: "checkpoint",
      inline: (ins) => f(...ins.slice(0, n)),
      vectorized: false,
      forward: (ins) =>
        ins === inputs ? value : noGrad(() => checkOutput(f(...ins.slice(0, n)), op, "f")).detach(),
      vjp(g, ins, _out, needs) {
        const createGraph = isGradEnabled();
        return enableGrad(() => {
          const own = ins.slice(0, n).map((x, i) => (createGraph ? x : leafOf(x, needs[i])));
          const out = checkOutput(f(...own), op, "f");
          return pull(out, g, [...own, ...ins.slice(n)], needs, createGraph);
        });
      },
      jvp() {
        throw new AutogradError(
          `${op}: a tensor f reads from its closure carries a forward-mode tangent; pass it ` +
            `as an argument of the checkpointed function`,
        );
      },
    };
    return apply("custom", inputs, call);
  };
}

/** The context of one call of a {@linkcode defineFunction} operation (PyTorch's `ctx`). */
export class FunctionCtx {
  /** The tensors `forward` saved with {@linkcode FunctionCtx.saveForBackward}. */
  savedTensors: readonly Tensor[] = [];
  /** Whether each argument requires grad. */
  readonly needsInputGrad: readonly boolean[];
  /** @ignore Made by the operation for each call. */
  constructor(inputs: readonly Tensor[]) {
    this.needsInputGrad = inputs.map((x) => x.requiresGrad);
  }
  /**
   * Saves tensors for the backward rule (arguments, the output, or values computed from
   * them; under `createGraph` the rule differentiates through them).
   *
   * @param tensors the tensors to save
   */
  saveForBackward(...tensors: Tensor[]): void {
    this.savedTensors = tensors;
  }
}

/** The definition of an operation in PyTorch's `autograd.Function` style. */
export interface FunctionDefinition {
  /** The name; the gradFn is `<name>Backward`. */
  readonly name: string;
  /** Computes the output, saving what `backward` needs on `ctx`. */
  forward(ctx: FunctionCtx, ...xs: Tensor[]): Tensor;
  /** The gradient of each argument (`null` for none) given the output's gradient. */
  backward(ctx: FunctionCtx, g: Tensor): readonly (Tensor | null)[];
}

/**
 * A custom operation in the style of PyTorch's `torch.autograd.Function`, as a thin layer
 * over {@linkcode customVjp}: `forward(ctx, ...xs)` computes the output and saves tensors on
 * `ctx`, `backward(ctx, g)` returns one gradient per argument. Because the backward is
 * written in Tensor operations it differentiates again under `createGraph`, and the same
 * checks and errors as `customVjp` apply (forward mode and Taylor mode are refused).
 *
 * @param def `{ name, forward, backward }`
 * @returns the operation, a function of tensors
 * @throws {AutogradError} from the operation when `backward` returns the wrong number of
 *   gradients or is reached in forward mode
 * @throws {ShapeError} from the operation when a gradient has the wrong shape
 * @example An exp whose backward reuses the saved output
 * ```ts
 * import { defineFunction, grad, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const Exp = defineFunction({
 *   name: "Exp",
 *   forward(ctx, x) {
 *     const y = x.exp();
 *     ctx.saveForBackward(y);
 *     return y;
 *   },
 *   backward(ctx, g) {
 *     const [y] = ctx.savedTensors;
 *     return [g.mul(y)];
 *   },
 * });
 * const x = tensor(1, { dtype: "float64", requiresGrad: true });
 * assert.equal(Exp(x).gradFn?.name, "ExpBackward");
 * assert.equal(grad((v: Tensor) => Exp(v))(tensor(0, { dtype: "float64" })).item(), 1);
 * ```
 */
export function defineFunction(def: FunctionDefinition): (...xs: TensorLike[]) => Tensor {
  const f = (...xs: Tensor[]) => def.forward(new FunctionCtx(xs), ...xs);
  Object.defineProperty(f, "name", { value: def.name });
  return customVjp(
    f,
    (...xs: Tensor[]) => {
      const ctx = new FunctionCtx(xs);
      return [def.forward(ctx, ...xs), ctx] as const;
    },
    (ctx: FunctionCtx, g: Tensor) => def.backward(ctx, g),
  );
}
