/**
 * The public transforms, over pytrees: `grad`, `valueAndGrad`, `vjp`, `jvp`, `jacrev`,
 * `jacfwd`, `jacobian`, `hessian`, `hvp` and `vmap` accept nested plain arrays and objects of
 * tensors wherever JAX accepts pytrees, and return gradients, tangents and Jacobians in the
 * structure of the arguments. This layer flattens the trees and hands the tensor leaves to
 * the tensor transforms (`transforms.ts`, `../vmap/vmap.ts`); trees of outputs travel as one
 * flat vector ({@linkcode ravel}) through the cores, so the cores never see a tree.
 *
 * @module
 */

import { ShapeError, TreeError } from "../errors.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import * as core from "./transforms.ts";
import * as taylor from "../taylor/transforms.ts";
import { type Randomness, vmap as vmapCore } from "../vmap/vmap.ts";
import { isBatchedAt, type VmapLevel } from "../vmap/level.ts";
import { cast, filled, reshape } from "../ops/shape.ts";
import { slice } from "../ops/indexing.ts";
import { movedim } from "../ops/manipulation.ts";
import { scalar } from "../ops/arithmetic.ts";
import { holding } from "../buffer_pool.ts";
import {
  checkSameStructure,
  flatten,
  keyPath,
  leafTensor,
  leavesWithPath,
  type MapLeaves,
  ravel,
  showPath,
  type TreeDef,
  unflatten,
} from "../tree.ts";

/** An argument as the transforms accept it: tensor leaves may be given as numbers. */
export type ArgLike<T> = T extends Tensor ? TensorLike
  : T extends readonly unknown[] ? { [K in keyof T]: ArgLike<T[K]> }
  : T extends (...args: never[]) => unknown ? T
  : T extends object ? { [K in keyof T]: ArgLike<T[K]> }
  : T;

/** The arguments of a function as the transforms accept them. */
export type ArgsLike<A extends readonly unknown[]> = { readonly [K in keyof A]: ArgLike<A[K]> };

/** The gradient (or tangent) of a value of type `T`: the same tree with tensor leaves. */
export type Grad<T> = MapLeaves<T, Tensor>;

/** One gradient tree per argument. */
export type GradArgs<A extends readonly unknown[]> = { -readonly [K in keyof A]: Grad<A[K]> };

/** A Jacobian: for each output leaf, the gradient tree of the input (a tensor for tensors). */
export type Jacobian<R, X> = R extends TensorLike ? (X extends TensorLike ? Tensor : Grad<X>)
  : MapLeaves<R, X extends TensorLike ? Tensor : Grad<X>>;

/** A Hessian: a tensor for a tensor argument, else a tree of trees of blocks. */
export type Hessian<X> = X extends TensorLike ? Tensor : MapLeaves<X, Grad<X>>;

/** Options of {@linkcode vjp}, given as its last argument. */
export interface VjpOptions {
  /** `f` returns `[output, aux]`; `aux` is returned third, undifferentiated. */
  readonly hasAux: true;
}

/** Options of the Jacobian transforms over pytrees. */
export interface TreeJacobianOptions {
  /** Which argument(s) to differentiate with respect to (default 0). */
  readonly argnums?: number | readonly number[];
}

/** Options of {@linkcode vmap}. */
export interface TreeVmapOptions {
  /**
   * The batch dimension of the arguments: a number or null for every leaf, or one entry per
   * argument, each a number, null (not batched) or a tree prefix of the argument (default 0).
   */
  readonly inDims?: unknown;
  /** Where the batch dimension goes in each output leaf: a number, null, or a tree prefix. */
  readonly outDims?: unknown;
  /**
   * What random operations (`randn`, `rand`, their `*Like` forms, `dropout`) do inside `f`,
   * as `torch.func.vmap`: `"error"` (default) refuses them, `"different"` draws
   * independently for every example, `"same"` draws once for all examples.
   */
  readonly randomness?: Randomness;
}

function normArgnums(argnums: unknown, n: number, op: string): number[] {
  const list = typeof argnums === "number"
    ? [argnums]
    : Array.isArray(argnums)
    ? [...argnums]
    : [NaN];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= n) {
      throw new RangeError(`${op}(): argnums ${a} is out of range for ${n} argument(s)`);
    }
  }
  return list;
}

/** Arguments split into the tensors handed to a core transform and the rest, kept as they are. */
interface Split {
  /** Tensors handed to the core: the differentiated leaves first, then other tensor leaves. */
  readonly tensors: Tensor[];
  /** Per differentiated argument: its structure and where its leaves sit in `tensors`. */
  readonly diff: { readonly def: TreeDef; readonly start: number; readonly count: number }[];
  /** The arguments with the leaves at the given positions replaced by `ts`. */
  readonly rebuild: (ts: readonly Tensor[]) => unknown[];
}

function split(args: readonly unknown[], argnums: readonly number[], op: string): Split {
  const flat = args.map((a) => flatten(a));
  const tensors: Tensor[] = [];
  const slots: number[][] = args.map((_, i) => new Array(flat[i][0].length).fill(-1));
  const diff = argnums.map((i) => {
    const named = leavesWithPath(args[i]);
    const start = tensors.length;
    named.forEach(([path, leaf], j) => {
      slots[i][j] = tensors.length;
      tensors.push(leafTensor(leaf, `${op}() argument ${i}`, path));
    });
    return { def: flat[i][1], start, count: named.length };
  });
  args.forEach((_, i) => {
    if (argnums.includes(i)) return;
    flat[i][0].forEach((leaf, j) => {
      if (leaf instanceof Tensor) {
        slots[i][j] = tensors.length;
        tensors.push(leaf);
      }
    });
  });
  const rebuild = (ts: readonly Tensor[]) =>
    args.map((a, i) => {
      if (a instanceof Tensor) return ts[slots[i][0]];
      if (!slots[i].some((s) => s >= 0)) return a;
      const [leaves, def] = flat[i];
      return unflatten(def, leaves.map((l, j) => (slots[i][j] >= 0 ? ts[slots[i][j]] : l)));
    });
  return { tensors, diff, rebuild };
}

/** The gradient trees of the differentiated arguments from the gradients of their leaves. */
function regroup(s: Split, grads: readonly Tensor[]): unknown[] {
  return s.diff.map((d) => unflatten(d.def, grads.slice(d.start, d.start + d.count)));
}

/**
 * An output tree seen by a core transform: one tensor (its only leaf, or all its leaves
 * raveled into one vector) and how to rebuild the tree from that tensor.
 */
interface FlatOut {
  readonly def: TreeDef;
  readonly tensor: Tensor;
  readonly unflat: (t: Tensor) => unknown;
  /** The cotangent (or any tree shaped like the output) as one tensor like `tensor`. */
  readonly flatLike: (ct: unknown, op: string, name: string) => Tensor;
  readonly value: unknown;
}

function flatOut(out: unknown, op: string): FlatOut {
  const named = leavesWithPath(out);
  const [, def] = flatten(out);
  const leaves = named.map(([p, l]) => leafTensor(l, `${op}() output`, p));
  if (leaves.length === 0) {
    throw new TypeError(`${op}(): f returned a tree with no leaves (${def})`);
  }
  const leafOf = (x: unknown, i: number, name: string, path: string): Tensor => {
    if (typeof x === "number") return filled(leaves[i].shape, leaves[i].dtype, x);
    return leafTensor(x, `${op}() ${name}`, path);
  };
  const checkLeaf = (t: Tensor, i: number, name: string, path: string) => {
    if (
      t.shape.length !== leaves[i].shape.length || t.shape.some((n, k) => n !== leaves[i].shape[k])
    ) {
      throw new ShapeError(
        `${op}(): ${name} has shape [${t.shape}] at ${showPath(path)} but the output has shape ` +
          `[${leaves[i].shape}] there`,
      );
    }
  };
  if (leaves.length === 1) {
    return {
      def,
      tensor: leaves[0],
      value: out,
      unflat: (t) => unflatten(def, [t]),
      flatLike: (ct, o, name) => {
        checkSameStructure(out, ct, `${o}()`, "the output", name);
        const t = leafOf(flatten(ct)[0][0], 0, name, named[0][0]);
        checkLeaf(t, 0, name, named[0][0]);
        return t;
      },
    };
  }
  const [vec, unravel] = ravel(leaves);
  return {
    def,
    tensor: vec,
    value: out,
    unflat: (t) => unflatten(def, unravel(t)),
    flatLike: (ct, o, name) => {
      checkSameStructure(out, ct, `${o}()`, "the output", name);
      const ts = flatten(ct)[0].map((x, i) => {
        const t = leafOf(x, i, name, named[i][0]);
        checkLeaf(t, i, name, named[i][0]);
        return t;
      });
      const flat = ravel(ts)[0];
      return flat.dtype === vec.dtype ? flat : cast(flat, vec.dtype);
    },
  };
}

/** `f` of the split arguments, returning its output as one tensor; the last output is kept. */
function flatFunction(
  f: (...args: never[]) => unknown,
  s: Split,
  hasAux: boolean,
  op: string,
): { g: (...ts: Tensor[]) => Tensor; last: () => { out: FlatOut; aux: unknown } } {
  let last: { out: FlatOut; aux: unknown } | null = null;
  const g = (...ts: Tensor[]) => {
    let r = (f as (...a: unknown[]) => unknown)(...s.rebuild(ts));
    let aux: unknown = undefined;
    if (hasAux) {
      if (!Array.isArray(r) || r.length !== 2) {
        throw new TypeError(`${op}(): with hasAux, f must return [output, aux]`);
      }
      [r, aux] = r;
    }
    const out = flatOut(r, op);
    last = { out, aux };
    return out.tensor;
  };
  return {
    g,
    last: () => {
      if (last === null) throw new Error(`Internal error: ${op}() did not call f`);
      return last;
    },
  };
}

function gradImpl(
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  argnums: unknown,
  hasAux: boolean,
  op: string,
  coreGrad?: (...a: unknown[]) => unknown,
): [Tensor, unknown, unknown] {
  const list = normArgnums(argnums, args.length, op);
  if (args.every((a, i) => a instanceof Tensor || (typeof a === "number" && list.includes(i)))) {
    // no trees: the tensor core as it is (saves the flattening on small, hot calls); grad
    // passes the core's grad, which neither detaches nor returns the value (nested grad runs
    // this at every level)
    if (coreGrad !== undefined) return [null as unknown as Tensor, coreGrad(...args), undefined];
    const vg = core.valueAndGrad(f as core.TensorFunction, { argnums, hasAux } as never) as (
      ...a: unknown[]
    ) => [unknown, unknown];
    const [v, g] = vg(...args);
    return hasAux
      ? [(v as [Tensor, unknown])[0], g, (v as [Tensor, unknown])[1]]
      : [v as Tensor, g, undefined];
  }
  const s = split(args, list, op);
  const total = s.diff.reduce((a, d) => a + d.count, 0);
  let aux: unknown = undefined;
  const g = (...ts: Tensor[]): TensorLike => {
    const r = (f as (...a: unknown[]) => unknown)(...s.rebuild(ts));
    if (!hasAux) return r as TensorLike;
    if (!Array.isArray(r) || r.length !== 2) {
      throw new TypeError(`${op}(): with hasAux, f must return [output, aux]`);
    }
    aux = r[1];
    return r[0] as TensorLike;
  };
  if (total === 0) {
    // nothing to differentiate: the value, and empty gradient trees
    const value = leafTensor(g(...s.tensors), `${op}() output`, "");
    return [value, typeof argnums === "number" ? regroup(s, [])[0] : regroup(s, []), aux];
  }
  const nums = Array.from({ length: total }, (_, i) => i);
  const [value, grads] = core.valueAndGrad(g, { argnums: nums })(...s.tensors);
  const trees = regroup(s, grads);
  return [value, typeof argnums === "number" ? trees[0] : trees, aux];
}

/**
 * The gradient transform: `grad(f)(x)` is ∂f/∂x for a scalar-valued `f`, in the structure of
 * `x` when `x` is a pytree (nested plain arrays and objects of tensors). With `argnums` a list
 * it returns one gradient tree per listed argument; with `hasAux`, `f` returns
 * `[value, aux]` and the result is `[gradient, aux]`. Nests freely: `grad(grad(f))` is the
 * second derivative.
 *
 * @param f a function returning a scalar tensor (or `[scalar, aux]` with `hasAux`)
 * @param options `argnums` (a number or a list, default 0) and `hasAux`
 * @returns a function with `f`'s arguments returning the gradient(s)
 * @throws {ShapeError} when `f` returns more than one element
 * @throws {TypeError} when a differentiated leaf is not a tensor or a number
 * @example Gradients in the structure of the parameters
 * ```ts
 * import { grad, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const loss = (p: { w: Tensor; b: Tensor }, x: Tensor) => p.w.mul(x).add(p.b).pow(2).sum();
 * const g = grad(loss)({ w: tensor([1, 2]), b: tensor(0) }, tensor([3, 4]));
 * assert.deepEqual(g.w.toArray(), [18, 64]); // 2(w x + b) x with w x + b = [3, 8]
 * assert.equal(g.b.item(), 22);
 * assert.equal(grad(grad((x: Tensor) => x.pow(3)))(2).item(), 12);
 * ```
 */
export function grad(
  f: (...args: Tensor[]) => TensorLike,
  options?: { readonly argnums?: number; readonly hasAux?: false },
): (...args: TensorLike[]) => Tensor;
/** Over pytrees: the gradient in the structure of the argument. */
export function grad<A extends unknown[], N extends number = 0>(
  f: (...args: A) => TensorLike,
  options?: { readonly argnums?: N; readonly hasAux?: false },
): (...args: ArgsLike<A>) => Grad<A[N]>;
/** With `argnums` a list: one gradient tree per listed argument. */
export function grad<A extends unknown[]>(
  f: (...args: A) => TensorLike,
  options: { readonly argnums: readonly number[]; readonly hasAux?: false },
): (...args: ArgsLike<A>) => Grad<A[number]>[];
/** With `hasAux`: `[gradient, aux]`. */
export function grad<A extends unknown[], X, N extends number = 0>(
  f: (...args: A) => readonly [TensorLike, X],
  options: { readonly argnums?: N; readonly hasAux: true },
): (...args: ArgsLike<A>) => [Grad<A[N]>, X];
/** With `hasAux` and `argnums` a list: `[gradients, aux]`. */
export function grad<A extends unknown[], X>(
  f: (...args: A) => readonly [TensorLike, X],
  options: { readonly argnums: readonly number[]; readonly hasAux: true },
): (...args: ArgsLike<A>) => [Grad<A[number]>[], X];
export function grad(
  f: (...args: never[]) => unknown,
  options: { readonly argnums?: number | readonly number[]; readonly hasAux?: boolean } = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any {
  const argnums = options.argnums ?? 0;
  const hasAux = options.hasAux ?? false;
  const coreGrad = hasAux
    ? undefined
    : core.grad(f as core.TensorFunction, { argnums } as never) as (
      ...a: unknown[]
    ) => unknown;
  // argnums the tensor core reads as gradImpl does (the same list, the same errors)
  const plainArgnums = typeof argnums === "number" || Array.isArray(argnums);
  return (...args) => {
    if (!hasAux && plainArgnums && allTensors(args)) {
      // what gradImpl's tree-free path does, without its tuple (nested grad: every level)
      return core.gradOf(f as core.TensorFunction, args as Tensor[], argnums);
    }
    const [, g, aux] = gradImpl(f, args, argnums, hasAux, "grad", coreGrad);
    return hasAux ? [g, aux] : g;
  };
}

/** Whether every one of `args` is a tensor. */
function allTensors(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) if (!(args[i] instanceof Tensor)) return false;
  return true;
}

/**
 * Like {@linkcode grad}, but returns `[value, gradient]`; with `hasAux`, `f` returns
 * `[value, aux]` and the result is `[[value, aux], gradient]`.
 *
 * @param f a function returning a scalar tensor (or `[scalar, aux]` with `hasAux`)
 * @param options `argnums` (a number or a list) and `hasAux`
 * @returns a function returning `[value, gradient(s)]`
 * @throws {ShapeError} when `f` returns more than one element
 * @throws {TypeError} when a differentiated leaf is not a tensor or a number
 * @example Value, gradient and an auxiliary output
 * ```ts
 * import { type Tensor, tensor, valueAndGrad } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: [Tensor, Tensor]) => {
 *   const r = p[0].mul(p[1]);
 *   return [r.sum(), { r }] as const;
 * };
 * const [[value, aux], g] = valueAndGrad(f, { hasAux: true })([tensor([1, 2]), tensor([3, 4])]);
 * assert.equal(value.item(), 11);
 * assert.deepEqual(aux.r.toArray(), [3, 8]);
 * assert.deepEqual(g[0].toArray(), [3, 4]);
 * ```
 */
export function valueAndGrad(
  f: (...args: Tensor[]) => TensorLike,
  options?: { readonly argnums?: number; readonly hasAux?: false },
): (...args: TensorLike[]) => [Tensor, Tensor];
/** Over pytrees: the gradient in the structure of the argument. */
export function valueAndGrad<A extends unknown[], N extends number = 0>(
  f: (...args: A) => TensorLike,
  options?: { readonly argnums?: N; readonly hasAux?: false },
): (...args: ArgsLike<A>) => [Tensor, Grad<A[N]>];
/** With `argnums` a list: `[value, gradients]`. */
export function valueAndGrad<A extends unknown[]>(
  f: (...args: A) => TensorLike,
  options: { readonly argnums: readonly number[]; readonly hasAux?: false },
): (...args: ArgsLike<A>) => [Tensor, Grad<A[number]>[]];
/** With `hasAux`: `[[value, aux], gradient]`. */
export function valueAndGrad<A extends unknown[], X, N extends number = 0>(
  f: (...args: A) => readonly [TensorLike, X],
  options: { readonly argnums?: N; readonly hasAux: true },
): (...args: ArgsLike<A>) => [[Tensor, X], Grad<A[N]>];
/** With `hasAux` and `argnums` a list: `[[value, aux], gradients]`. */
export function valueAndGrad<A extends unknown[], X>(
  f: (...args: A) => readonly [TensorLike, X],
  options: { readonly argnums: readonly number[]; readonly hasAux: true },
): (...args: ArgsLike<A>) => [[Tensor, X], Grad<A[number]>[]];
export function valueAndGrad(
  f: (...args: never[]) => unknown,
  options: { readonly argnums?: number | readonly number[]; readonly hasAux?: boolean } = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any {
  const argnums = options.argnums ?? 0;
  const hasAux = options.hasAux ?? false;
  return (...args) => {
    const [value, g, aux] = gradImpl(f, args, argnums, hasAux, "valueAndGrad");
    return hasAux ? [[value, aux], g] : [value, g];
  };
}

function isVjpOptions(x: unknown): x is VjpOptions {
  if (x === null || typeof x !== "object" || Object.getPrototypeOf(x) !== Object.prototype) {
    return false;
  }
  const keys = Object.keys(x);
  return keys.length > 0 && keys.every((k) => k === "hasAux") &&
    typeof (x as { hasAux: unknown }).hasAux === "boolean";
}

/**
 * Reverse mode: evaluates `f` at `primals` and returns `[output, vjpFn]`, where
 * `vjpFn(cotangent)` returns the vector-Jacobian products, one per primal, each in the
 * structure of its primal. The output and the cotangent may be pytrees (the cotangent in the
 * output's structure; number leaves fill a leaf's shape). Give `{ hasAux: true }` as the last
 * argument when `f` returns `[output, aux]`; the result is then `[output, vjpFn, aux]`.
 * `vjpFn` may be called many times.
 *
 * @param f the function
 * @param primals the point to linearize at (pytrees of tensors), optionally followed by `{ hasAux: true }`
 * @returns `[f(...primals), vjpFn]` (and `aux` with `hasAux`)
 * @throws {TreeError} when a cotangent's structure differs from the output's
 * @throws {ShapeError} when a cotangent leaf's shape differs from the output leaf's
 * @example Pulling back through a function of a pytree
 * ```ts
 * import { type Tensor, tensor, vjp } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: { a: Tensor; b: Tensor }) => [p.a.mul(p.b), p.a.sum()];
 * const [out, pullback] = vjp(f, { a: tensor([1, 2]), b: tensor([3, 4]) });
 * assert.deepEqual(out[0].toArray(), [3, 8]);
 * const [g] = pullback([tensor([1, 1]), 10]);
 * assert.deepEqual(g.a.toArray(), [13, 14]);
 * assert.deepEqual(g.b.toArray(), [1, 2]);
 * ```
 */
export function vjp(
  f: (...args: Tensor[]) => Tensor,
  ...primals: TensorLike[]
): [Tensor, (cotangent: TensorLike) => Tensor[]];
/** With `{ hasAux: true }` last: `[output, vjpFn, aux]`. */
export function vjp<A extends unknown[], R, X>(
  f: (...args: A) => readonly [R, X],
  ...rest: [...ArgsLike<A>, VjpOptions]
): [Grad<R>, (cotangent: MapLeaves<R, TensorLike>) => GradArgs<A>, X];
/** Without auxiliary output. */
export function vjp<A extends unknown[], R>(
  f: (...args: A) => R,
  ...primals: ArgsLike<A>
): [Grad<R>, (cotangent: MapLeaves<R, TensorLike>) => GradArgs<A>];
export function vjp(f: (...args: never[]) => unknown, ...rest: unknown[]): unknown[] {
  const hasAux = rest.length > 0 && isVjpOptions(rest[rest.length - 1]) &&
    (rest[rest.length - 1] as VjpOptions).hasAux;
  const primals = rest.length > 0 && isVjpOptions(rest[rest.length - 1]) ? rest.slice(0, -1) : rest;
  const s = split(primals, primals.map((_, i) => i), "vjp");
  const ff = flatFunction(f, s, hasAux, "vjp");
  const [value, pull] = core.vjp(ff.g, ...s.tensors);
  const { out, aux } = ff.last();
  const pullback = (ct: unknown) => regroup(s, pull(out.flatLike(ct, "vjp", "the cotangent")));
  const result: unknown[] = [out.unflat(value), holding(pullback, pull)];
  if (hasAux) result.push(aux);
  return result;
}

/**
 * Forward mode: evaluates `f` at `primals` and pushes `tangents` through it, returning
 * `[output, outputTangent]` (the Jacobian-vector product). Primals, tangents and the output
 * may be pytrees; each tangent has its primal's structure (number leaves fill a leaf's
 * shape) and the output tangent has the output's.
 *
 * @param f the function
 * @param primals the point: one pytree per argument
 * @param tangents one tangent tree per primal, of the same structure and leaf shapes
 * @returns `[f(...primals), J·tangents]`
 * @throws {TreeError} when a tangent's structure differs from its primal's
 * @throws {ShapeError} when a tangent leaf's shape differs from its primal leaf's
 * @example Directional derivative along a tree of tangents
 * ```ts
 * import { jvp, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: { x: Tensor; y: Tensor }) => p.x.mul(p.y);
 * const [y, dy] = jvp(f, [{ x: tensor(2), y: tensor(3) }], [{ x: 1, y: 0 }]);
 * assert.equal(y.item(), 6);
 * assert.equal(dy.item(), 3);
 * ```
 */
export function jvp(
  f: (...args: Tensor[]) => Tensor,
  primals: readonly TensorLike[],
  tangents: readonly TensorLike[],
): [Tensor, Tensor];
/** Over pytrees: tangents in the primals' structure, the output tangent in the output's. */
export function jvp<A extends unknown[], R>(
  f: (...args: A) => R,
  primals: ArgsLike<A>,
  tangents: { readonly [K in keyof A]: MapLeaves<A[K], TensorLike> },
): [Grad<R>, Grad<R>];
export function jvp(
  f: (...args: never[]) => unknown,
  primals: readonly unknown[],
  tangents: readonly unknown[],
): [unknown, unknown] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new TypeError(`jvp(): primals and tangents must be arrays (one entry per argument)`);
  }
  if (primals.length !== tangents.length) {
    throw new TypeError(
      `jvp(): primals and tangents must be arrays of the same length; got ${primals.length} ` +
        `primals and ${tangents.length} tangents`,
    );
  }
  primals.forEach((p, i) =>
    checkSameStructure(p, tangents[i], "jvp()", `primal ${i}`, `tangent ${i}`)
  );
  const s = split(primals, primals.map((_, i) => i), "jvp");
  const flatTangents = tangents.flatMap((t) => flatten(t)[0]) as TensorLike[];
  const ff = flatFunction(f, s, false, "jvp");
  const [y, dy] = core.jvp(ff.g, s.tensors, flatTangents);
  const { out } = ff.last();
  return [out.unflat(y), out.unflat(dy)];
}

/** The call signatures of {@linkcode jacrev} and {@linkcode jacfwd}. */
export interface JacobianTransform {
  /** On tensors: the Jacobian of shape `[...output, ...argument]`. */
  (
    f: (...args: Tensor[]) => Tensor,
    options?: { readonly argnums?: number },
  ): (...args: TensorLike[]) => Tensor;
  /** Over pytrees: a tree (output's structure) of trees (argument's structure) of blocks. */
  <A extends unknown[], R, N extends number = 0>(
    f: (...args: A) => R,
    options?: { readonly argnums?: N },
  ): (...args: ArgsLike<A>) => Jacobian<R, A[N]>;
  /** With `argnums` a list: blocks per listed argument. */
  <A extends unknown[], R>(
    f: (...args: A) => R,
    options: { readonly argnums: readonly number[] },
  ): (...args: ArgsLike<A>) => Jacobian<R, A[number][]>;
}

/** A Jacobian `[M, N]` (M outputs, N inputs) cut into a tree of blocks. */
function blocks(J: Tensor, outTree: unknown, inTree: unknown): unknown {
  const outs = flatten(outTree), ins = flatten(inTree);
  const shapeOf = (x: unknown) => (x instanceof Tensor ? x.shape : []);
  const outShapes = outs[0].map(shapeOf), inShapes = ins[0].map(shapeOf);
  const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
  let r = 0;
  const rows = outShapes.map((os) => {
    const rows = outShapes.length === 1 ? J : slice(J, 0, r, r + size(os));
    r += size(os);
    let c = 0;
    const cols = inShapes.map((is) => {
      const b = inShapes.length === 1 ? rows : slice(rows, 1, c, c + size(is));
      c += size(is);
      return reshape(b, [...os, ...is]);
    });
    return unflatten(ins[1], cols);
  });
  return unflatten(outs[1], rows);
}

function jacImpl(
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  argnums: number | readonly number[],
  mode: "jacrev" | "jacfwd",
): unknown {
  const list = normArgnums(argnums, args.length, mode);
  const coreJac = mode === "jacrev" ? core.jacrev : core.jacfwd;
  const xTree = typeof argnums === "number" ? args[argnums] : list.map((i) => args[i]);
  if (typeof argnums === "number" && (xTree instanceof Tensor || typeof xTree === "number")) {
    // one tensor argument: the core directly (a tree output is raveled)
    const s = split(args, list, mode);
    const ff = flatFunction(f, s, false, mode);
    const J = coreJac(ff.g, { argnums: 0 })(...s.tensors);
    const { out } = ff.last();
    const outLeaves = flatten(out.value)[0];
    if (outLeaves.length === 1) return out.unflat(J);
    const x = s.tensors[0];
    return blocks(reshape(J, [out.tensor.numel, x.numel]), out.value, x);
  }
  const named = leavesWithPath(xTree);
  named.forEach(([p, l]) => leafTensor(l, `${mode}() argument`, p));
  const [xv, unravel] = ravel(xTree);
  const others = split(args, [], mode);
  let outTree: unknown = null;
  const h = (v: Tensor, ...ts: Tensor[]) => {
    const a = others.rebuild(ts);
    const xs = unravel(v);
    if (typeof argnums === "number") a[argnums] = xs;
    else list.forEach((i, k) => (a[i] = (xs as unknown[])[k]));
    const out = flatOut((f as (...a: unknown[]) => unknown)(...a), mode);
    outTree = out.value;
    return reshape(out.tensor, [-1]);
  };
  const J = coreJac(h, { argnums: 0 })(xv, ...others.tensors);
  const xShaped = unflatten(flatten(xTree)[1], named.map(([, l]) => leafTensor(l, mode, "")));
  return blocks(reshape(J, [J.shape[0] ?? 1, xv.numel]), outTree, xShaped);
}

/**
 * The Jacobian by reverse mode (one batched backward pass). For `f` from shape `S` to shape
 * `T` the result has shape `[...T, ...S]`; for pytrees it is a tree in the output's structure
 * whose leaves are trees in the argument's structure, each block shaped
 * `[...outputLeaf, ...argumentLeaf]` (as JAX's `jacrev`).
 *
 * @param f the function
 * @param options `argnums`: which argument(s) (default 0)
 * @returns a function with `f`'s arguments returning the Jacobian
 * @throws {TypeError} when a differentiated leaf is not a tensor or a number
 * @example Jacobian of a function of a pytree
 * ```ts
 * import { jacrev, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: { a: Tensor; b: Tensor }) => p.a.mul(p.b);
 * const J = jacrev(f)({ a: tensor([1, 2]), b: tensor([3, 4]) });
 * assert.deepEqual(J.a.toArray(), [[3, 0], [0, 4]]);
 * assert.deepEqual(J.b.toArray(), [[1, 0], [0, 2]]);
 * ```
 */
export const jacrev: JacobianTransform = (
  f: (...args: never[]) => unknown,
  options: TreeJacobianOptions = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any =>
(...args) => jacImpl(f, args, options.argnums ?? 0, "jacrev");

/**
 * The Jacobian by forward mode (one batched forward pass); shapes and pytree structure as
 * {@linkcode jacrev}.
 *
 * @param f the function
 * @param options `argnums`: which argument(s) (default 0)
 * @returns a function with `f`'s arguments returning the Jacobian
 * @throws {TypeError} when a differentiated leaf is not a tensor or a number
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
export const jacfwd: JacobianTransform = (
  f: (...args: never[]) => unknown,
  options: TreeJacobianOptions = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any =>
(...args) => jacImpl(f, args, options.argnums ?? 0, "jacfwd");

/**
 * The Jacobian of `f` (reverse mode by default, as in JAX and PyTorch).
 *
 * @param f the function
 * @param options `argnums`, and `mode`: `"reverse"` (default) or `"forward"`
 * @returns a function with `f`'s arguments returning the Jacobian
 * @throws {TypeError} when a differentiated leaf is not a tensor or a number
 * @example Jacobian of a linear map
 * ```ts
 * import { jacobian, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const J = jacobian((x: Tensor) => x.mul(3))(tensor([1, 2]));
 * assert.deepEqual(J.toArray(), [[3, 0], [0, 3]]);
 * ```
 */
export function jacobian(
  f: (...args: Tensor[]) => Tensor,
  options?: { readonly argnums?: number; readonly mode?: "reverse" | "forward" },
): (...args: TensorLike[]) => Tensor;
/** Over pytrees: a tree (output's structure) of trees (argument's structure) of blocks. */
export function jacobian<A extends unknown[], R, N extends number = 0>(
  f: (...args: A) => R,
  options?: { readonly argnums?: N; readonly mode?: "reverse" | "forward" },
): (...args: ArgsLike<A>) => Jacobian<R, A[N]>;
export function jacobian(
  f: (...args: never[]) => unknown,
  options: { readonly argnums?: number; readonly mode?: "reverse" | "forward" } = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any {
  const mode = options.mode === "forward" ? "jacfwd" : "jacrev";
  return (...args) => jacImpl(f, args, options.argnums ?? 0, mode);
}

/**
 * The Hessian of a scalar function, as forward-over-reverse. For an argument of shape `S`
 * the result has shape `[...S, ...S]`; for a pytree argument it is a tree of trees: block
 * `H[p][q]` (paths `p`, `q` into the argument) has shape `[...leaf p, ...leaf q]`.
 *
 * @param f a function returning a scalar
 * @param options `argnums`: which argument(s) (default 0)
 * @returns a function with `f`'s arguments returning the Hessian
 * @throws {ShapeError} when `f` returns more than one element
 * @example Hessian blocks over a pytree
 * ```ts
 * import { hessian, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: { x: Tensor; y: Tensor }) => p.x.mul(p.y).sum();
 * const H = hessian(f)({ x: tensor([1, 2]), y: tensor([3, 4]) });
 * assert.deepEqual(H.x.y.toArray(), [[1, 0], [0, 1]]);
 * assert.deepEqual(H.x.x.toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export function hessian(
  f: (...args: Tensor[]) => TensorLike,
  options?: { readonly argnums?: number },
): (...args: TensorLike[]) => Tensor;
/** Over pytrees: a tree of trees of blocks, in the argument's structure twice. */
export function hessian<A extends unknown[], N extends number = 0>(
  f: (...args: A) => TensorLike,
  options?: { readonly argnums?: N | readonly number[] },
): (...args: ArgsLike<A>) => Hessian<A[N]>;
export function hessian(
  f: (...args: never[]) => unknown,
  options: { readonly argnums?: number | readonly number[] } = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any {
  const argnums = options.argnums ?? 0;
  return (...args) => {
    const list = normArgnums(argnums, args.length, "hessian");
    const xTree = typeof argnums === "number" ? args[argnums] : list.map((i) => args[i]);
    const single = typeof argnums === "number" &&
      (xTree instanceof Tensor || typeof xTree === "number");
    const s = split(args, list, "hessian");
    // Keep the argument order for the core: the differentiated leaves first, the rest after
    const g = (...ts: Tensor[]) => (f as (...a: unknown[]) => TensorLike)(...s.rebuild(ts));
    if (single) {
      return core.hessian(g, { argnums: 0 })(...s.tensors);
    }
    const count = s.diff.reduce((a, d) => a + d.count, 0);
    const [xv, unravel] = ravel(s.tensors.slice(0, count));
    const h = (v: Tensor, ...rest: Tensor[]) => g(...(unravel(v) as Tensor[]), ...rest);
    const H = core.hessian(h, { argnums: 0 })(xv, ...s.tensors.slice(count));
    const xShaped = typeof argnums === "number"
      ? unflatten(s.diff[0].def, s.tensors.slice(0, count))
      : s.diff.map((d) => unflatten(d.def, s.tensors.slice(d.start, d.start + d.count)));
    return blocks(H, xShaped, xShaped);
  };
}

/**
 * Hessian-vector product `H(x)·v` of a scalar function, by forward-over-reverse: one
 * gradient evaluation with tangents, never forming `H`. `x` may be a pytree; `v` has its
 * structure and the result too.
 *
 * @param f a function of one argument returning a scalar
 * @param x the point
 * @param v the vector, in `x`'s structure
 * @returns `H(x)·v`, in `x`'s structure
 * @throws {TreeError} when `v`'s structure differs from `x`'s
 * @throws {ShapeError} when a leaf of `v` has another shape than `x`'s
 * @example HVP of a quadratic form
 * ```ts
 * import { hvp, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (x: Tensor) => x.pow(2).sum(); // H = 2I
 * assert.deepEqual(hvp(f, tensor([1, 2]), tensor([3, 4])).toArray(), [6, 8]);
 * ```
 */
export function hvp<X>(
  f: (x: X) => TensorLike,
  x: ArgLike<X>,
  v: MapLeaves<X, TensorLike>,
): Grad<X> {
  if (x instanceof Tensor || typeof x === "number") {
    return core.hvp(f as unknown as core.TensorFunction, x, v as TensorLike) as Grad<X>;
  }
  const g = (p: unknown) => gradImpl(f as (p: unknown) => TensorLike, [p], 0, false, "hvp")[1];
  return jvp(g, [x], [v] as never)[1] as Grad<X>;
}

/** `prefix` (a number, null or a tree prefix of `tree`) broadcast to the leaves of `tree`. */
function prefixLeaves(prefix: unknown, tree: unknown, what: string, op: string): unknown[] {
  const out: unknown[] = [];
  const walk = (p: unknown, t: unknown, path: string) => {
    if (p === null || p === undefined || typeof p === "number") {
      for (let i = flatten(t)[0].length; i > 0; i--) out.push(p);
      return;
    }
    const fail = (): never => {
      throw new TreeError(
        `${op}(): ${what} is not a prefix of the argument's structure: ${what} has ` +
          `${Array.isArray(p) ? `an array of length ${p.length}` : "an object"} at ` +
          `${showPath(path)} but the argument has ${
            Array.isArray(t) ? `an array of length ${t.length}` : typeof t
          } at ${showPath(path)}`,
      );
    };
    if (Array.isArray(p)) {
      if (!Array.isArray(t) || t.length !== p.length) fail();
      p.forEach((c, i) => walk(c, (t as unknown[])[i], `${path}[${i}]`));
      return;
    }
    if (typeof p === "object" && !(p instanceof Tensor)) {
      const pk = Object.keys(p).sort();
      if (
        t === null || typeof t !== "object" || Array.isArray(t) || t instanceof Tensor
      ) fail();
      const tk = Object.keys(t as object).sort();
      const missing = tk.find((k) => !pk.includes(k)) ?? pk.find((k) => !tk.includes(k));
      if (missing !== undefined) {
        throw new TreeError(
          `${op}(): ${what} is not a prefix of the argument's structure: ${what} has keys ` +
            `${pk.join(", ")} at ${showPath(path)} but the argument has keys ${tk.join(", ")} ` +
            `at ${showPath(path)} (${keyPath(path, missing)} is in one only)`,
        );
      }
      for (const k of pk) {
        walk(
          (p as Record<string, unknown>)[k],
          (t as Record<string, unknown>)[k],
          keyPath(path, k),
        );
      }
      return;
    }
    throw new TypeError(`${op}(): ${what} at ${showPath(path)} must be a number or null`);
  };
  walk(prefix, tree, "");
  return out;
}

/**
 * Vectorizes `f` over a batch dimension of its arguments: `vmap(f)(xs)` computes `f` for
 * every example at once, as if `f` were applied to each example and the results stacked.
 * Arguments and results may be pytrees: `inDims` gives one entry per argument (or one for
 * all), each a number, `null` (not batched) or a tree prefix of that argument; `outDims` is a
 * number, `null` (an output that does not depend on the batch) or a tree prefix of the
 * result. Composes with `grad`, `jvp` and the other transforms in either order.
 *
 * @param f a function of pytrees returning a pytree of tensors
 * @param options `inDims` and `outDims`
 * @returns the vectorized function
 * @throws {ShapeError} when the batched leaves disagree on the batch size, none is batched, or an output with `outDims` null depends on the batch
 * @throws {TreeError} when `inDims` or `outDims` is not a prefix of the tree it describes
 * @example Per-example gradients of a model with a tree of parameters
 * ```ts
 * import { grad, type Tensor, tensor, vmap } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = { w: tensor([1, 2]), b: tensor(0) };
 * const loss = (p: typeof params, x: Tensor) => p.w.mul(x).sum().add(p.b).pow(2);
 * const xs = tensor([[1, 0], [0, 1], [1, 1]]);
 * const g = vmap((p: typeof params, x: Tensor) => grad(loss)(p, x), { inDims: [null, 0] })(
 *   params,
 *   xs,
 * );
 * assert.deepEqual(g.w.toArray(), [[2, 0], [0, 4], [6, 6]]);
 * assert.deepEqual(g.b.toArray(), [2, 4, 6]);
 * ```
 */
export function vmap(
  f: (...args: Tensor[]) => Tensor,
  options?: TreeVmapOptions,
): (...args: TensorLike[]) => Tensor;
/** Over pytrees: the result in the structure `f` returns. */
export function vmap<A extends unknown[], R>(
  f: (...args: A) => R,
  options?: TreeVmapOptions,
): (...args: ArgsLike<A>) => Grad<R>;
export function vmap(
  f: (...args: never[]) => unknown,
  options: TreeVmapOptions = {},
  // deno-lint-ignore no-explicit-any
): (...args: any[]) => any {
  return (...args) => {
    const inDims = options.inDims === undefined ? 0 : options.inDims;
    if (Array.isArray(inDims) && inDims.length !== args.length) {
      throw new RangeError(
        `vmap(): inDims has ${inDims.length} entries for ${args.length} arguments`,
      );
    }
    const tensors: Tensor[] = [];
    const dims: (number | null)[] = [];
    const slots: number[][] = [];
    const flat = args.map((a, i) => {
      const prefix = Array.isArray(inDims) ? inDims[i] : inDims;
      const named = leavesWithPath(a);
      const ds = prefixLeaves(prefix, a, `inDims for argument ${i}`, "vmap");
      slots.push(named.map(([path, leaf], j) => {
        const d = ds[j] as number | null | undefined;
        if (leaf instanceof Tensor) {
          tensors.push(leaf);
          dims.push(d ?? null);
          return tensors.length - 1;
        }
        if (d !== null && d !== undefined) {
          throw new TypeError(
            `vmap(): argument ${i}${path === "" ? "" : ` at ${path}`} is ${
              typeof leaf === "number" ? "a number" : `a ${typeof leaf}`
            } and cannot be batched; use inDims null`,
          );
        }
        return -1;
      }));
      return flatten(a);
    });
    const rebuild = (ts: readonly Tensor[]) =>
      args.map((a, i) => {
        if (a instanceof Tensor) return ts[slots[i][0]];
        if (!slots[i].some((s) => s >= 0)) return a;
        const [leaves, def] = flat[i];
        return unflatten(def, leaves.map((l, j) => (slots[i][j] >= 0 ? ts[slots[i][j]] : l)));
      });
    let outDef: TreeDef | null = null;
    let outDimsFlat: (number | null)[] = [];
    let fixed: Tensor[] = [];
    const g = (...ts: Tensor[]): Tensor[] => {
      const level = ts.find((_t, k) => dims[k] !== null)?._bat?.level as VmapLevel;
      const out = (f as (...a: unknown[]) => unknown)(...rebuild(ts));
      const named = leavesWithPath(out);
      outDef = flatten(out)[1];
      const prefix = options.outDims === undefined ? 0 : options.outDims;
      outDimsFlat = prefixLeaves(prefix, out, "outDims", "vmap").map((d) =>
        (d ?? null) as number | null
      );
      const leaves = named.map(([p, l]) => {
        if (typeof l === "number") return scalar(l);
        if (!(l instanceof Tensor)) {
          throw new TypeError(
            `vmap(): f must return a pytree of tensors; the leaf at ${
              showPath(p)
            } is a ${typeof l}`,
          );
        }
        return l;
      });
      fixed = [];
      const mapped: Tensor[] = [];
      leaves.forEach((l, k) => {
        if (outDimsFlat[k] !== null) return void mapped.push(l);
        if (isBatchedAt(l, level)) {
          throw new ShapeError(
            `vmap(): the output at ${showPath(named[k][0])} has outDims null but depends on ` +
              `the batched arguments`,
          );
        }
        fixed.push(l);
      });
      return mapped;
    };
    const results = vmapCore(g, { inDims: dims, outDims: 0, randomness: options.randomness })(
      ...tensors,
    );
    let m = 0, u = 0;
    const leaves = outDimsFlat.map((d) => {
      if (d === null) return fixed[u++];
      const r = results[m++];
      return d === 0 ? r : movedim(r, 0, d);
    });
    return unflatten(outDef as unknown as TreeDef, leaves);
  };
}

/**
 * Taylor mode over pytrees, with the semantics of JAX's `jet` (derivatives, not scaled
 * coefficients): `series[i]` is the list of `K` derivative terms of argument `i`, each term a
 * tree with that argument's structure (number leaves fill a leaf's shape). Returns the value
 * and the `K` output terms, each in the structure `f` returns. One pass of `f`.
 *
 * @param f the function
 * @param primals the point: one pytree per argument
 * @param series for each argument, its `K` terms, each in the argument's structure
 * @returns `[f(...primals), [y1, …, yK]]`
 * @throws {TreeError} when a term's structure differs from its primal's
 * @throws {RangeError} when `series` does not have one list per primal or the lists differ in length
 * @throws {ShapeError} when a term's leaf has another shape than its primal's
 * @example A curve through a tree of parameters
 * ```ts
 * import { jet, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * // x(t) = a + t, y(t) = b: the derivatives of x·y along t are y, 0
 * const f = (p: { x: Tensor; y: Tensor }) => p.x.mul(p.y);
 * const p = { x: tensor(2, { dtype: "float64" }), y: tensor(3, { dtype: "float64" }) };
 * const [v, [d1, d2]] = jet(f, [p], [[{ x: 1, y: 0 }, { x: 0, y: 0 }]]);
 * assert.deepEqual([v.item(), d1.item(), d2.item()], [6, 3, 0]);
 * ```
 */
export function jet(
  f: (...args: Tensor[]) => TensorLike,
  primals: readonly TensorLike[],
  series: readonly (readonly TensorLike[])[],
): [Tensor, Tensor[]];
/** Over pytrees: terms in the primals' structure, output terms in the output's. */
export function jet<A extends unknown[], R>(
  f: (...args: A) => R,
  primals: ArgsLike<A>,
  series: { readonly [K in keyof A]: readonly MapLeaves<A[K], TensorLike>[] },
): [Grad<R>, Grad<R>[]];
export function jet(
  f: (...args: never[]) => unknown,
  primals: readonly unknown[],
  series: readonly (readonly unknown[])[],
): [unknown, unknown[]] {
  taylor.checkJetArgs(primals, series);
  series.forEach((terms, i) => {
    if (!Array.isArray(terms)) throw new TypeError(`jet(): series ${i} must be an array of terms`);
    terms.forEach((t, j) =>
      checkSameStructure(primals[i], t, "jet()", `primal ${i}`, `term ${j + 1} of series ${i}`)
    );
  });
  const s = split(primals, primals.map((_, i) => i), "jet");
  // one list of terms per leaf, in the order of the split's tensors
  const flatSeries = primals.flatMap((p, i) => {
    const n = flatten(p)[0].length;
    const terms = series[i].map((t: unknown) => flatten(t)[0] as TensorLike[]);
    return Array.from({ length: n }, (_, leaf) => terms.map((t: TensorLike[]) => t[leaf]));
  });
  const ff = flatFunction(f, s, false, "jet");
  const [y, ys] = taylor.jet(ff.g, s.tensors, flatSeries);
  const { out } = ff.last();
  return [out.unflat(y), ys.map((t) => out.unflat(t))];
}

/**
 * The Laplacian `Σᵢ ∂²f/∂xᵢ²` of a scalar function by the forward Laplacian (one pass, never
 * the Hessian), over every element of every leaf when `x` is a pytree (the trace of the
 * Hessian of the raveled tree). Options as the tensor version: `estimator` (`"exact"` or
 * `"hutchinson"`), `samples`, `seed`.
 *
 * @param f a function of one pytree returning a scalar
 * @param options `estimator`, `samples` and `seed` for the randomized estimate
 * @returns a function of `x` returning the Laplacian
 * @throws {ShapeError} when `f` returns more than one element
 * @throws {TypeError} when a leaf of `x` is not a tensor or a number
 * @example The Laplacian over two leaves
 * ```ts
 * import { laplacian, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const f = (p: { u: Tensor; v: Tensor }) => p.u.pow(2).sum().add(p.v.pow(3).sum());
 * const lap = laplacian(f)({ u: tensor([1, 2], { dtype: "float64" }), v: tensor([1], { dtype: "float64" }) });
 * assert.equal(lap.item(), 2 + 2 + 6); // Σ 2 over u, 6v over v
 * ```
 */
export function laplacian(
  f: (x: Tensor) => TensorLike,
  options?: taylor.LaplacianOptions,
): (x: TensorLike) => Tensor;
/** Over a pytree argument. */
export function laplacian<X>(
  f: (x: X) => TensorLike,
  options?: taylor.LaplacianOptions,
): (x: ArgLike<X>) => Tensor;
export function laplacian(
  f: (x: never) => unknown,
  options: taylor.LaplacianOptions = {},
): (x: unknown) => Tensor {
  return (x) => {
    const g = f as (x: unknown) => TensorLike;
    if (x instanceof Tensor || typeof x === "number") return taylor.laplacian(g, options)(x);
    leavesWithPath(x).forEach(([p, l]) => leafTensor(l, "laplacian() argument", p));
    const [v, unravel] = ravel(x);
    return taylor.laplacian((w: Tensor) => g(unravel(w)), options)(v);
  };
}
