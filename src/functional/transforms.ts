/**
 * Functional transforms in the style of JAX and `torch.func`: `grad`, `valueAndGrad`, `vjp`,
 * `jvp`, `jacrev`, `jacfwd`, `jacobian`, `hessian` and `hvp` (`derivative` lives with Taylor
 * mode, in `src/taylor/`). Each is a thin
 * layer over two cores: {@linkcode vjp} (reverse mode on the tape) and {@linkcode jvp}
 * (forward mode with tangent levels). They nest to any depth: an inner transform records
 * its backward pass whenever an outer one needs to differentiate through it, and every
 * call differentiates with respect to its own fresh tensors, so nested derivatives never
 * confuse their perturbations.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import { Tensor, type TensorLike, TRUSTED } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { gradsOf } from "../autograd/engine.ts";
import { enableGrad, isGradEnabled, setGradEnabled } from "../autograd/grad_mode.ts";
import { enterLevel, exitLevel, type FwLevel, tangentAt } from "../autograd/forward_ad.ts";
import { isBatchedAt, unwrapAt, type VmapLevel, wrap, wrapAt } from "../vmap/level.ts";
import { materialize } from "../vmap/rules.ts";
import { vmap } from "../vmap/vmap.ts";
import { scalar } from "../ops/arithmetic.ts";
import { band, filled, identity } from "../ops/shape.ts";
import { holding } from "../buffer_pool.ts";

/** A function of tensors to differentiate. Numbers are accepted as results and arguments. */
export type TensorFunction = (...args: Tensor[]) => TensorLike;

/** Options of {@linkcode grad} and {@linkcode valueAndGrad}. */
export interface GradOptions {
  /** Which argument(s) to differentiate with respect to (default 0). */
  readonly argnums?: number | readonly number[];
}

/** Options of {@linkcode valueAndGrad}. */
export interface ValueAndGradOptions extends GradOptions {
  /** `f` returns `[value, aux]`; `aux` is passed through undifferentiated. */
  readonly hasAux?: boolean;
}

/** Options of the Jacobian transforms. */
export interface JacobianOptions {
  /** Which argument to differentiate with respect to (default 0). */
  readonly argnums?: number;
}

/** @ignore `x` as a tensor (numbers become scalars of the default dtype). */
export function toTensor(x: TensorLike, what: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x);
  throw new TypeError(`${what} must be a Tensor or a number; got ${typeof x}`);
}

/** `[i]` for the small argument numbers, made once: read-only lists that every call shares. */
const SINGLE_ARGNUMS: readonly (readonly number[])[] = Array.from(
  { length: 8 },
  (_, i) => Object.freeze([i]),
);

function checkArgnums(
  argnums: number | readonly number[],
  n: number,
  op: string,
): readonly number[] {
  const list = typeof argnums === "number" ? SINGLE_ARGNUMS[argnums] ?? [argnums] : [...argnums];
  for (let k = 0; k < list.length; k++) {
    const a = list[k];
    if (!Number.isInteger(a) || a < 0 || a >= n) {
      throw new RangeError(`${op}(): argnums ${a} is out of range for ${n} argument(s)`);
    }
  }
  return list;
}

/**
 * The tensor to differentiate with respect to in place of the plain tensor `x`: an alias on
 * the tape when `x` already requires grad (so outer transforms still see through it), else a
 * fresh leaf that shares `x`'s values and forward-mode tangents.
 */
function differentiable(x: Tensor, op: string, index: number): Tensor {
  if (!isFloating(x.dtype)) {
    throw new DtypeError(
      `${op}(): argument ${index} has dtype ${x.dtype}; only floating tensors can be differentiated`,
    );
  }
  if (x.requiresGrad) {
    // enableGrad(() => identity(x)) without a closure per call (nested grad makes one per level)
    const previous = setGradEnabled(true);
    try {
      return identity(x);
    } finally {
      setGradEnabled(previous);
    }
  }
  const leaf = new Tensor(x._buf, x.shape, x.dtype, TRUSTED);
  leaf._fw = x._fw;
  leaf._requiresGrad = true;
  return leaf;
}

/** No vmap levels (shared: never written). */
const NO_LEVELS: readonly VmapLevel[] = Object.freeze([]);

/** The live vmap levels at which any of `xs` is batched, outermost first. */
function batchLevels(xs: readonly Tensor[]): readonly VmapLevel[] {
  let batched = false;
  for (let i = 0; i < xs.length && !batched; i++) batched = xs[i]._bat !== null;
  if (!batched) return NO_LEVELS; // outside vmap: no list made
  const levels: VmapLevel[] = [];
  for (const x of xs) {
    for (let t: Tensor = x; t._bat !== null; t = t._bat.phys) {
      if (!levels.includes(t._bat.level)) levels.push(t._bat.level);
    }
  }
  return levels.sort((a, b) => a.depth - b.depth);
}

/** The physical tensor of `x` at the innermost of `levels` (batch dims first, materialized where `x` is not batched). */
function peel(x: Tensor, levels: readonly VmapLevel[]): Tensor {
  let p = x;
  for (let i = levels.length - 1; i >= 0; i--) {
    p = unwrapAt(p, levels[i]) ?? materialize(p, levels[i].size);
  }
  return p;
}

/** `p` wrapped back at `levels`, outermost last. */
function rewrapAt(p: Tensor, levels: readonly VmapLevel[]): Tensor {
  let t = p;
  for (const level of levels) t = wrapAt(t, level);
  return t;
}

/** Whether `x` is batched at every one of `levels`. */
function batchedAtAll(x: Tensor, levels: readonly VmapLevel[]): boolean {
  for (let i = 0; i < levels.length; i++) if (!isBatchedAt(x, levels[i])) return false;
  return true;
}

let walks = 0;

/** The stack of {@linkcode dependsOnOthers}, kept between walks (a walk calls no user code). */
const walkStack: Tensor[] = [];

/**
 * Whether the graph of `root` reaches a tensor that requires grad other than `own`. Visited
 * nodes are marked with the walk's number (no set: nested `grad` walks its graph at every
 * level, and a set made the walk cost as much as the backward pass it decides about).
 */
function dependsOnOthers(root: Tensor, own: readonly Tensor[]): boolean {
  const walk = ++walks;
  const stack = walkStack;
  stack.length = 0;
  if (root.requiresGrad) stack.push(root);
  while (stack.length > 0) {
    const t = stack.pop() as Tensor;
    const node = t.gradFn;
    if (node === null) {
      if (t.requiresGrad && !own.includes(t)) {
        stack.length = 0;
        return true;
      }
      continue;
    }
    if (node._walk === walk) continue;
    node._walk = walk;
    const inputs = node._inputs;
    for (let i = 0; i < inputs.length; i++) if (inputs[i].requiresGrad) stack.push(inputs[i]);
  }
  return false;
}

/**
 * The result of evaluating `f` for reverse mode: its output and a pullback. One object with
 * a method rather than a record holding a closure: nested `grad` makes one at every level.
 */
class RecordedVjp {
  /** `f`'s output. */
  readonly out: Tensor;
  /** `f`'s auxiliary output (with `hasAux`). */
  readonly aux: unknown;
  /** Whether the output connects to tensors outside this transform (it is nested). */
  readonly nested: boolean;
  readonly #root: Tensor;
  readonly #leaves: readonly Tensor[];
  readonly #levels: readonly VmapLevel[];
  readonly #connected: boolean;
  readonly #callerRecords: boolean;
  readonly #op: string;

  constructor(
    out: Tensor,
    aux: unknown,
    leaves: readonly Tensor[],
    levels: readonly VmapLevel[],
    callerRecords: boolean,
    op: string,
  ) {
    const connected = batchedAtAll(out, levels);
    const root = connected ? peel(out, levels) : out;
    this.out = out;
    this.aux = aux;
    this.nested = callerRecords && connected && root.requiresGrad &&
      dependsOnOthers(root, leaves);
    this.#root = root;
    this.#leaves = leaves;
    this.#levels = levels;
    this.#connected = connected;
    this.#callerRecords = callerRecords;
    this.#op = op;
  }

  /** The vector-Jacobian products of cotangent `ct` (shaped like `out`), one per leaf. */
  pullback(ct: Tensor): Tensor[] {
    const out = this.out, root = this.#root, leaves = this.#leaves, levels = this.#levels;
    if (!shapesEqual(ct.shape, out.shape)) {
      throw new ShapeError(
        `${this.#op}(): the cotangent has shape ${fmtShape(ct.shape)} but the output has ` +
          `shape ${fmtShape(out.shape)}`,
      );
    }
    if (!this.#connected || !root.requiresGrad) {
      return leaves.map((x) => rewrapAt(filled(x.shape, x.dtype, 0), levels));
    }
    const seed = peel(ct, levels);
    const createGraph = this.nested || (this.#callerRecords && seed.requiresGrad);
    // autogradGrad(root, leaves, { gradOutputs: seed, createGraph, retainGraph: true,
    // materializeGrads: true }), without its option object and lists
    const grads = gradsOf(root, leaves, seed, createGraph);
    if (levels.length === 0) return grads;
    for (let i = 0; i < grads.length; i++) grads[i] = rewrapAt(grads[i], levels);
    return grads;
  }
}

/**
 * Evaluates `f` with the `argnums` arguments replaced by tensors to differentiate. Inside
 * `vmap`, those arguments are batched at every level any of them is batched at, the tape
 * runs on their physical tensors, and the gradients are wrapped back: per-example gradients.
 */
function recordVjp(
  f: (...args: Tensor[]) => unknown,
  args: readonly TensorLike[],
  argnums: readonly number[],
  op: string,
  hasAux = false,
  extraLevels: readonly VmapLevel[] = NO_LEVELS,
): RecordedVjp {
  const callerRecords = isGradEnabled();
  // (tensors pass straight through: no message string built on the hot path, and no list
  // made when every argument is one)
  let inputs = args as readonly Tensor[];
  for (let i = 0; i < args.length; i++) {
    if (!(args[i] instanceof Tensor)) {
      inputs = args.map((a, i) => a instanceof Tensor ? a : toTensor(a, `${op}() argument ${i}`));
      break;
    }
  }
  let levels = batchLevels(inputs);
  if (extraLevels.length > 0) {
    const all = levels.slice();
    for (const l of extraLevels) if (!all.includes(l)) all.push(l);
    if (all.length > 1) all.sort((a, b) => a.depth - b.depth);
    levels = all;
  }
  const leaves: Tensor[] = [];
  for (let k = 0; k < argnums.length; k++) {
    const i = argnums[k];
    leaves.push(differentiable(peel(inputs[i], levels), op, i));
  }
  const callArgs = inputs.slice();
  for (let k = 0; k < argnums.length; k++) callArgs[argnums[k]] = rewrapAt(leaves[k], levels);
  const result = enableGrad(() => f(...callArgs));
  let outLike: unknown = result;
  let aux: unknown = undefined;
  if (hasAux) {
    if (!Array.isArray(result) || result.length !== 2) {
      throw new TypeError(`${op}(): with hasAux, f must return [output, aux]`);
    }
    [outLike, aux] = result;
  }
  if (!(outLike instanceof Tensor) && typeof outLike !== "number") {
    throw new TypeError(`${op}(): f must return a Tensor or a number; got ${typeof outLike}`);
  }
  const out = outLike instanceof Tensor ? outLike : toTensor(outLike as number, `${op}() output`);
  if (out._bat !== null) {
    const missing = batchLevels([out]).filter((l) => !levels.includes(l));
    if (missing.length > 0) {
      // f closes over tensors batched by an enclosing vmap: evaluate again with the
      // differentiated arguments batched at those levels too, for per-example gradients.
      if (extraLevels.length > 0) throw new Error(`${op}(): inconsistent batching inside vmap()`);
      return recordVjp(f, args, argnums, op, hasAux, missing);
    }
  }
  return new RecordedVjp(out, aux, leaves, levels, callerRecords, op);
}

function checkScalarOutput(out: Tensor, op: string): void {
  if (out.numel !== 1) {
    throw new ShapeError(
      `${op}(): f must return a scalar (one element); it returned shape ${fmtShape(out.shape)}. ` +
        `Use jacrev() or vjp() for non-scalar outputs`,
    );
  }
}

function ones(t: Tensor): Tensor {
  return filled(t.shape, t.dtype, 1);
}

/**
 * The gradient transform: `grad(f)(x)` is ∂f/∂x for a scalar-valued `f`. With `argnums` a
 * list, it returns one gradient per listed argument. Nests freely:
 * `grad(grad(f))` is the second derivative.
 *
 * @param f a function returning a scalar tensor
 * @param options `argnums`: which argument(s) to differentiate (default 0)
 * @returns a function with `f`'s arguments returning the gradient(s)
 * @throws {ShapeError} when `f` returns more than one element
 * @example Derivatives of x³ at 2
 * ```ts
 * import { grad, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (x: Tensor) => x.pow(3);
 * const x = tensor(2, { dtype: "float64" });
 * assert.equal(grad(f)(x).item(), 12);
 * assert.equal(grad(grad(f))(x).item(), 12);
 * assert.equal(grad(grad(grad(f)))(x).item(), 6);
 * ```
 */
export function grad(f: TensorFunction, options?: { readonly argnums?: number }): (
  ...args: TensorLike[]
) => Tensor;
/** With `argnums` a list: one gradient per listed argument. */
export function grad(
  f: TensorFunction,
  options: { readonly argnums: readonly number[] },
): (...args: TensorLike[]) => Tensor[];
export function grad(
  f: TensorFunction,
  options: GradOptions = {},
): (...args: TensorLike[]) => Tensor | Tensor[] {
  const argnums = options.argnums ?? 0;
  return (...args) => gradOf(f, args, argnums);
}

/**
 * @ignore The body of {@linkcode grad}: the gradient(s) of `f` at `args`, one tensor for a
 * number `argnums`, a list for a list. No value and no tuple (nested `grad` runs this at
 * every level; the pytree `grad` calls it directly when no argument is a tree).
 */
export function gradOf(
  f: (...args: Tensor[]) => unknown,
  args: readonly TensorLike[],
  argnums: number | readonly number[],
): Tensor | Tensor[] {
  const rec = recordVjp(f, args, checkArgnums(argnums, args.length, "grad"), "grad");
  checkScalarOutput(rec.out, "grad");
  const grads = rec.pullback(ones(rec.out));
  return typeof argnums === "number" ? grads[0] : grads;
}

function valueAndGradImpl(
  f: (...args: Tensor[]) => unknown,
  args: readonly TensorLike[],
  argnums: number | readonly number[],
  hasAux: boolean,
  op: string,
): [Tensor, Tensor | Tensor[], unknown] {
  const list = checkArgnums(argnums, args.length, op);
  const rec = recordVjp(f, args, list, op, hasAux);
  checkScalarOutput(rec.out, op);
  const grads = rec.pullback(ones(rec.out));
  const value = rec.nested ? rec.out : rec.out.detach();
  return [value, typeof argnums === "number" ? grads[0] : grads, rec.aux];
}

/**
 * Like {@linkcode grad}, but returns `[value, gradient]`; with `hasAux`, `f` returns
 * `[value, aux]` and the result is `[[value, aux], gradient]`.
 *
 * @param f a function returning a scalar tensor (or `[scalar, aux]` with `hasAux`)
 * @param options `argnums` and `hasAux`
 * @returns a function returning `[value, gradient(s)]`
 * @throws {ShapeError} when `f` returns more than one element
 * @example Value and gradient of a sum of squares
 * ```ts
 * import { tensor, valueAndGrad } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const [value, g] = valueAndGrad((x) => x.pow(2).sum())(tensor([1, 2, 3]));
 * assert.equal(value.item(), 14);
 * assert.deepEqual(g.toArray(), [2, 4, 6]);
 * ```
 */
export function valueAndGrad(
  f: TensorFunction,
  options?: { readonly argnums?: number; readonly hasAux?: false },
): (...args: TensorLike[]) => [Tensor, Tensor];
/** With `argnums` a list: `[value, gradients]`. */
export function valueAndGrad(
  f: TensorFunction,
  options: { readonly argnums: readonly number[]; readonly hasAux?: false },
): (...args: TensorLike[]) => [Tensor, Tensor[]];
/** With `hasAux`: `[[value, aux], gradient]`. */
export function valueAndGrad<A>(
  f: (...args: Tensor[]) => [TensorLike, A],
  options: { readonly argnums?: number; readonly hasAux: true },
): (...args: TensorLike[]) => [[Tensor, A], Tensor];
/** With `hasAux` and `argnums` a list: `[[value, aux], gradients]`. */
export function valueAndGrad<A>(
  f: (...args: Tensor[]) => [TensorLike, A],
  options: { readonly argnums: readonly number[]; readonly hasAux: true },
): (...args: TensorLike[]) => [[Tensor, A], Tensor[]];
export function valueAndGrad(
  f: (...args: Tensor[]) => unknown,
  options: ValueAndGradOptions = {},
): (...args: TensorLike[]) => unknown {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const [value, g, aux] = valueAndGradImpl(
      f,
      args,
      argnums,
      options.hasAux ?? false,
      "valueAndGrad",
    );
    return options.hasAux ? [[value, aux], g] : [value, g];
  };
}

/**
 * Reverse mode: evaluates `f` at `primals` and returns `[output, vjpFn]`, where
 * `vjpFn(cotangent)` returns the vector-Jacobian products, one per primal. `vjpFn` may be
 * called many times.
 *
 * @param f the function
 * @param primals the point to linearize at
 * @returns `[f(...primals), vjpFn]`
 * @example Rows of a Jacobian by pulling back basis vectors
 * ```ts
 * import { tensor, vjp } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const [y, pullback] = vjp((x) => x.pow(2), tensor([1, 2]));
 * assert.deepEqual(y.toArray(), [1, 4]);
 * assert.deepEqual(pullback(tensor([1, 0]))[0].toArray(), [2, 0]);
 * assert.deepEqual(pullback(tensor([0, 1]))[0].toArray(), [0, 4]);
 * ```
 */
export function vjp(
  f: TensorFunction,
  ...primals: TensorLike[]
): [Tensor, (cotangent: TensorLike) => Tensor[]] {
  const rec = recordVjp(f, primals, primals.map((_, i) => i), "vjp");
  const value = rec.nested ? rec.out : rec.out.detach();
  const pullback = (ct: TensorLike) => {
    const c = typeof ct === "number" ? filled(rec.out.shape, rec.out.dtype, ct) : ct;
    return rec.pullback(c);
  };
  return [value, holding(pullback, rec.out)];
}

/**
 * A tensor with the values of `x` and tangent `t` at `level`. Tangents live on physical
 * tensors: for a batched `x` the tangent goes on its physical tensor (batched alike).
 */
function makeDual(x: Tensor, t: Tensor, level: FwLevel): Tensor {
  if (x._bat !== null) {
    const v = x._bat.level;
    return wrap(makeDual(x._bat.phys, unwrapAt(t, v) ?? materialize(t, v.size), level), v);
  }
  const d = identity(x);
  d._fw = { level, tangent: t, next: d._fw };
  return d;
}

/** The tangent of `x` at `level` (wrapped like `x` when `x` is batched), or null. */
function tangentOf(x: Tensor, level: FwLevel): Tensor | null {
  if (x._bat === null) return tangentAt(x, level);
  const inner = tangentOf(x._bat.phys, level);
  return inner === null ? null : wrapAt(inner, x._bat.level);
}

/**
 * Forward mode: evaluates `f` at `primals` and pushes `tangents` through it, returning
 * `[output, outputTangent]` (the Jacobian-vector product). Each primitive has its own
 * tangent rule; nothing is recorded for a backward pass unless an outer transform needs it.
 *
 * @param f the function
 * @param primals the point
 * @param tangents one tangent per primal, of the same shape
 * @returns `[f(...primals), J·tangents]`
 * @throws {ShapeError} when a tangent's shape differs from its primal's
 * @example Directional derivative of sin at 0
 * ```ts
 * import { jvp, sin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const [y, dy] = jvp(sin, [tensor(0)], [tensor(3)]);
 * assert.equal(y.item(), 0);
 * assert.equal(dy.item(), 3);
 * ```
 */
export function jvp(
  f: TensorFunction,
  primals: readonly TensorLike[],
  tangents: readonly TensorLike[],
): [Tensor, Tensor] {
  if (!Array.isArray(primals) || !Array.isArray(tangents) || primals.length !== tangents.length) {
    throw new TypeError(`jvp(): primals and tangents must be arrays of the same length`);
  }
  const xs = primals.map((p, i) => toTensor(p, `jvp() primal ${i}`));
  const level = enterLevel();
  try {
    const duals = xs.map((x, i) => {
      if (!isFloating(x.dtype)) {
        throw new DtypeError(
          `jvp(): primal ${i} has dtype ${x.dtype}; only floating tensors have tangents`,
        );
      }
      const raw = tangents[i];
      const t = typeof raw === "number"
        ? filled(x.shape, x.dtype, raw)
        : toTensor(raw, `jvp() tangent ${i}`);
      if (!shapesEqual(t.shape, x.shape)) {
        throw new ShapeError(
          `jvp(): tangent ${i} has shape ${fmtShape(t.shape)} but its primal has shape ${
            fmtShape(x.shape)
          }`,
        );
      }
      return makeDual(x, t.dtype === x.dtype ? t : t.to(x.dtype), level);
    });
    const out = toTensor(f(...duals), "jvp() output");
    const t = tangentOf(out, level) ?? filled(out.shape, out.dtype, 0);
    return [out, t];
  } finally {
    exitLevel(level);
  }
}

function identityBatch(x: Tensor): Tensor {
  const n = x.numel;
  return apply("reshape", [band(n, n, 0, 0, x.dtype)], { shape: [n, ...x.shape] });
}

/**
 * The Jacobian by reverse mode: the vector-Jacobian products of all output basis vectors at
 * once (one batched backward pass, through `vmap`). For `f` from shape `S` to shape `T` the
 * result has shape `[...T, ...S]`.
 *
 * @param f the function
 * @param options `argnums`: which argument (default 0)
 * @returns a function with `f`'s arguments returning the Jacobian
 * @example Jacobian of an elementwise square
 * ```ts
 * import { jacrev, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const J = jacrev((x: Tensor) => x.pow(2))(tensor([1, 2]));
 * assert.deepEqual(J.toArray(), [[2, 0], [0, 4]]);
 * ```
 */
export function jacrev(
  f: TensorFunction,
  options: JacobianOptions = {},
): (...args: TensorLike[]) => Tensor {
  const argnum = options.argnums ?? 0;
  return (...args) => {
    checkArgnums(argnum, args.length, "jacrev");
    const rec = recordVjp(f, args, [argnum], "jacrev");
    const x = toTensor(args[argnum], "jacrev() argument");
    const shape = [...rec.out.shape, ...x.shape];
    if (rec.out.numel === 0 || x.numel === 0) return filled(shape, x.dtype, 0);
    if (rec.out.numel === 1) {
      return apply("reshape", [rec.pullback(filled(rec.out.shape, rec.out.dtype, 1))[0]], {
        shape,
      });
    }
    const rows = vmap((ct: Tensor) => rec.pullback(ct)[0], { randomness: "same" })(
      identityBatch(rec.out),
    );
    return apply("reshape", [rows], { shape });
  };
}

/**
 * The Jacobian by forward mode: the Jacobian-vector products of all input basis vectors at
 * once (one batched forward pass, through `vmap`). For `f` from shape `S` to shape `T` the
 * result has shape `[...T, ...S]`.
 *
 * @param f the function
 * @param options `argnums`: which argument (default 0)
 * @returns a function with `f`'s arguments returning the Jacobian
 * @example Jacobian of a matrix-vector product is the matrix
 * ```ts
 * import { jacfwd, matmul, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const A = tensor([[1, 2], [3, 4]]);
 * const J = jacfwd((x: Tensor) => matmul(A, x))(tensor([5, 6]));
 * assert.deepEqual(J.toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function jacfwd(
  f: TensorFunction,
  options: JacobianOptions = {},
): (...args: TensorLike[]) => Tensor {
  const argnum = options.argnums ?? 0;
  return (...args) => {
    checkArgnums(argnum, args.length, "jacfwd");
    const xs = args.map((a, i) => toTensor(a, `jacfwd() argument ${i}`));
    const x = xs[argnum];
    const g = (y: Tensor) => f(...xs.map((v, i) => (i === argnum ? y : v)));
    if (x.numel === 0) {
      const out = toTensor(f(...xs), "jacfwd() output");
      return filled([...out.shape, ...x.shape], out.dtype, 0);
    }
    // cols[j] = J·e_j, batched over j; the Jacobian puts j last.
    // "same": every column differentiates one draw of a random f (e.g. dropout)
    const cols = vmap((t: Tensor) => jvp(g, [x], [t])[1], { randomness: "same" })(identityBatch(x));
    const outShape = cols.shape.slice(1);
    const m = outShape.reduce((a, b) => a * b, 1);
    const flat = apply("reshape", [cols], { shape: [x.numel, m] });
    const jac = apply("permute", [flat], { perm: [1, 0] });
    return apply("reshape", [jac], { shape: [...outShape, ...x.shape] });
  };
}

/**
 * The Jacobian of `f` (reverse mode by default, as in JAX and PyTorch).
 *
 * @param f the function
 * @param options `argnums`, and `mode`: `"reverse"` (default) or `"forward"`
 * @returns a function with `f`'s arguments returning the Jacobian
 * @example Jacobian of a linear map
 * ```ts
 * import { jacobian, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const J = jacobian((x) => x.mul(3))(tensor([1, 2]));
 * assert.deepEqual(J.toArray(), [[3, 0], [0, 3]]);
 * ```
 */
export function jacobian(
  f: TensorFunction,
  options: JacobianOptions & { readonly mode?: "reverse" | "forward" } = {},
): (...args: TensorLike[]) => Tensor {
  return options.mode === "forward" ? jacfwd(f, options) : jacrev(f, options);
}

/**
 * The Hessian of a scalar function, as forward-over-reverse (`jacfwd(jacrev(f))`). For an
 * argument of shape `S` the result has shape `[...S, ...S]`.
 *
 * @param f a function returning a scalar
 * @param options `argnums`: which argument (default 0)
 * @returns a function with `f`'s arguments returning the Hessian
 * @example Hessian of x·y
 * ```ts
 * import { hessian, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const H = hessian((v) => v.pow(2).sum().mul(0.5))(tensor([1, 2]));
 * assert.deepEqual(H.toArray(), [[1, 0], [0, 1]]);
 * ```
 */
export function hessian(
  f: TensorFunction,
  options: JacobianOptions = {},
): (...args: TensorLike[]) => Tensor {
  const argnums = options.argnums ?? 0;
  const g: TensorFunction = (...args) => grad(f, { argnums })(...args);
  return jacfwd(g, { argnums });
}

/**
 * Hessian-vector product `H(x)·v` of a scalar function, by forward-over-reverse: one
 * gradient evaluation with tangents, never forming `H`.
 *
 * @param f a function of one tensor returning a scalar
 * @param x the point
 * @param v the vector, same shape as `x`
 * @returns `H(x)·v`, shaped like `x`
 * @throws {ShapeError} when `v`'s shape differs from `x`'s
 * @example HVP of a quadratic form
 * ```ts
 * import { hvp, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (x: Tensor) => x.pow(2).sum(); // H = 2I
 * assert.deepEqual(hvp(f, tensor([1, 2]), tensor([3, 4])).toArray(), [6, 8]);
 * ```
 */
export function hvp(f: TensorFunction, x: TensorLike, v: TensorLike): Tensor {
  return jvp(grad(f), [x], [v])[1];
}
