/**
 * Pytrees: nested plain arrays and plain objects whose leaves are tensors (or numbers, or
 * anything else that is not a container). Parameters of a model, optimizer states and the
 * arguments of the transforms are pytrees. Objects are walked in sorted key order (as JAX
 * does), so `{ b, a }` and `{ a, b }` have the same structure; `null` and `undefined` are
 * empty nodes with no leaves.
 *
 * @example Parameters of a small network
 * ```ts
 * import { tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = { layers: [{ w: tensor([[1, 2]]), b: tensor([0]) }], scale: 2 };
 * assert.equal(tree.leaves(params).length, 3);
 * const doubled = tree.map((p) => (typeof p === "number" ? p * 2 : p.mul(2)), params);
 * assert.deepEqual(doubled.layers[0].w.toArray(), [[2, 4]]);
 * ```
 *
 * @module
 */

import { TreeError } from "./errors.ts";
import { fmtShape, sizeOf } from "./shape.ts";
import { type DType, getDefaultDtype, isFloating, promoteTypes } from "./dtype.ts";
import { Tensor } from "./tensor.ts";
import { cast, filled, reshape } from "./ops/shape.ts";
import { cat } from "./ops/manipulation.ts";
import { slice } from "./ops/indexing.ts";
import { scalar } from "./ops/arithmetic.ts";

/** A pytree: a leaf, or a plain array or plain object of pytrees. */
export type Tree =
  | Tensor
  | number
  | null
  | undefined
  | readonly Tree[]
  | { readonly [key: string]: Tree };

/** A tree of the same structure as `T` with its tensor (and number) leaves replaced by `L`. */
export type MapLeaves<T, L> = T extends Tensor | number ? L
  : T extends null | undefined ? T
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: MapLeaves<T[K], L> }
  : T extends (...args: never[]) => unknown ? T
  : T extends object ? { -readonly [K in keyof T]: MapLeaves<T[K], L> }
  : T;

type Node =
  | { readonly kind: "leaf" }
  | { readonly kind: "none"; readonly value: null | undefined }
  | { readonly kind: "array"; readonly children: readonly Node[] }
  | {
    readonly kind: "object";
    readonly keys: readonly string[];
    readonly children: readonly Node[];
  };

/** Whether `x` is a plain object (a pytree node rather than a leaf). */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object" || Array.isArray(x) || x instanceof Tensor) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** `path` extended by an object key, as JavaScript would write it. */
export function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** A path for messages: the root is `(root)`. */
export function showPath(path: string): string {
  return path === "" ? "(root)" : path;
}

function sortedKeys(x: Record<string, unknown>): string[] {
  return Object.keys(x).sort();
}

/**
 * The structure of a pytree without its leaves: what {@linkcode flatten} returns beside the
 * leaves and {@linkcode unflatten} rebuilds from.
 */
export class TreeDef {
  /** @ignore */
  readonly node: Node;
  /** How many leaves a tree of this structure has. */
  readonly numLeaves: number;

  /** @ignore Use {@linkcode structure} or {@linkcode flatten}. */
  constructor(node: Node) {
    this.node = node;
    this.numLeaves = countLeaves(node);
  }

  /**
   * Whether `other` has exactly this structure.
   *
   * @param other another structure
   * @returns true when the two are equal
   */
  equals(other: TreeDef): boolean {
    return nodesEqual(this.node, other.node);
  }

  /** The structure with `*` for each leaf, e.g. `{b: *, w: [*, *]}`. */
  toString(): string {
    return showNode(this.node);
  }
}

function countLeaves(node: Node): number {
  let n = 0;
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const x = stack.pop() as Node;
    if (x.kind === "leaf") n++;
    else if (x.kind === "array" || x.kind === "object") stack.push(...x.children);
  }
  return n;
}

function nodesEqual(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "none") return a.value === (b as typeof a).value;
  if (a.kind === "leaf") return true;
  const bb = b as typeof a;
  if (a.children.length !== bb.children.length) return false;
  if (a.kind === "object") {
    const bk = (bb as typeof a).keys;
    if (a.keys.some((k, i) => k !== bk[i])) return false;
  }
  return a.children.every((c, i) => nodesEqual(c, bb.children[i]));
}

function showNode(node: Node): string {
  switch (node.kind) {
    case "leaf":
      return "*";
    case "none":
      return String(node.value);
    case "array":
      return `[${node.children.map(showNode).join(", ")}]`;
    case "object":
      return `{${node.keys.map((k, i) => `${k}: ${showNode(node.children[i])}`).join(", ")}}`;
  }
}

function describe(x: unknown): string {
  if (x instanceof Tensor) return `a Tensor of shape ${fmtShape(x.shape)}`;
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (isPlainObject(x)) {
    const keys = sortedKeys(x);
    return keys.length === 0 ? "an empty object" : `an object with keys ${keys.join(", ")}`;
  }
  if (typeof x === "number") return `the number ${x}`;
  return `a leaf of type ${typeof x}`;
}

function build(x: unknown, leaves: unknown[], paths: string[] | null, path: string): Node {
  if (Array.isArray(x)) {
    return {
      kind: "array",
      children: x.map((c, i) => build(c, leaves, paths, `${path}[${i}]`)),
    };
  }
  if (isPlainObject(x)) {
    const keys = sortedKeys(x);
    return {
      kind: "object",
      keys,
      children: keys.map((k) => build(x[k], leaves, paths, keyPath(path, k))),
    };
  }
  if (x === null || x === undefined) return { kind: "none", value: x };
  leaves.push(x);
  paths?.push(path);
  return { kind: "leaf" };
}

/**
 * The leaves of a pytree in order (arrays by index, objects by sorted key) and its structure.
 *
 * @param tree the pytree
 * @returns `[leaves, structure]`
 * @example Flatten and rebuild
 * ```ts
 * import { tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const [leaves, def] = tree.flatten({ w: tensor([1, 2]), b: 3 });
 * assert.equal(leaves[0], 3); // "b" sorts before "w"
 * assert.equal(String(def), "{b: *, w: *}");
 * const back = tree.unflatten(def, [4, tensor([5, 6])]) as { b: number };
 * assert.equal(back.b, 4);
 * ```
 */
export function flatten<T>(tree: T): [unknown[], TreeDef] {
  const leaves: unknown[] = [];
  const node = build(tree, leaves, null, "");
  return [leaves, new TreeDef(node)];
}

/**
 * The leaves of a pytree with their paths (`.layers[0].w`; the root alone is `""`).
 *
 * @param tree the pytree
 * @returns `[path, leaf]` pairs in leaf order
 * @example Paths of the parameters
 * ```ts
 * import { tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const named = tree.leavesWithPath({ layers: [{ w: tensor(1) }] });
 * assert.equal(named[0][0], ".layers[0].w");
 * ```
 */
export function leavesWithPath(tree: unknown): [string, unknown][] {
  const leaves: unknown[] = [];
  const paths: string[] = [];
  build(tree, leaves, paths, "");
  return paths.map((p, i) => [p, leaves[i]]);
}

/**
 * The leaves of a pytree, in the order of {@linkcode flatten}.
 *
 * @param tree the pytree
 * @returns the leaves
 * @example Counting parameters
 * ```ts
 * import { ones, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const p = { w: ones([3, 2]), b: ones([3]) };
 * assert.equal(tree.leaves(p).length, 2);
 * ```
 */
export function leaves(tree: unknown): unknown[] {
  return flatten(tree)[0];
}

/**
 * The structure of a pytree.
 *
 * @param tree the pytree
 * @returns its {@linkcode TreeDef}
 * @example Two trees with the same structure
 * ```ts
 * import { tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(tree.structure({ a: tensor(1), b: [2] }).equals(tree.structure({ b: [5], a: 6 })));
 * ```
 */
export function structure(tree: unknown): TreeDef {
  return flatten(tree)[1];
}

/**
 * Rebuilds a pytree of structure `def` from its leaves.
 *
 * @param def the structure
 * @param leaves the leaves in order, as many as `def.numLeaves`
 * @returns the pytree (objects with their keys in sorted order)
 * @throws {TreeError} when the number of leaves differs from the structure's
 * @example Rebuilding with new leaves
 * ```ts
 * import { tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const def = tree.structure([1, { x: 2 }]);
 * assert.deepEqual(tree.unflatten(def, [10, 20]), [10, { x: 20 }]);
 * ```
 */
export function unflatten(def: TreeDef, leaves: readonly unknown[]): unknown {
  if (leaves.length !== def.numLeaves) {
    throw new TreeError(
      `tree.unflatten(): the structure ${def} has ${def.numLeaves} leaves; got ${leaves.length}`,
    );
  }
  let next = 0;
  const rebuild = (node: Node): unknown => {
    switch (node.kind) {
      case "leaf":
        return leaves[next++];
      case "none":
        return node.value;
      case "array":
        return node.children.map(rebuild);
      case "object": {
        const out: Record<string, unknown> = {};
        node.keys.forEach((k, i) => (out[k] = rebuild(node.children[i])));
        return out;
      }
    }
  };
  return rebuild(def.node);
}

/**
 * Throws a {@linkcode TreeError} unless `b` has the structure of `a`, naming the path in
 * each tree where they part.
 *
 * @ignore
 */
export function checkSameStructure(
  a: unknown,
  b: unknown,
  op: string,
  nameA: string,
  nameB: string,
): void {
  const stack: [unknown, unknown, string][] = [[a, b, ""]];
  const fail = (pa: string, da: string, pb: string, db: string): never => {
    throw new TreeError(
      `${op}: ${nameB} does not have the structure of ${nameA}: ${nameA} has ${da} at ` +
        `${showPath(pa)} but ${nameB} has ${db} at ${showPath(pb)}`,
    );
  };
  while (stack.length > 0) {
    const [x, y, path] = stack.pop() as [unknown, unknown, string];
    const xa = Array.isArray(x), ya = Array.isArray(y);
    const xo = isPlainObject(x), yo = isPlainObject(y);
    const xn = x === null || x === undefined, yn = y === null || y === undefined;
    const xl = !xa && !xo && !xn, yl = !ya && !yo && !yn;
    if (xl && yl) continue;
    if (xn && yn && x === y) continue;
    if (xa && ya) {
      if (x.length !== y.length) fail(path, describe(x), path, describe(y));
      for (let i = x.length - 1; i >= 0; i--) stack.push([x[i], y[i], `${path}[${i}]`]);
      continue;
    }
    if (xo && yo) {
      const kx = sortedKeys(x), ky = sortedKeys(y);
      const onlyX = kx.find((k) => !(k in y));
      const onlyY = ky.find((k) => !(k in x));
      if (onlyX !== undefined || onlyY !== undefined) {
        // name the key found in one tree only, and its counterpart in the other
        fail(
          onlyX === undefined ? path : keyPath(path, onlyX),
          onlyX === undefined ? describe(x) : describe(x[onlyX]),
          onlyY === undefined ? path : keyPath(path, onlyY),
          onlyY === undefined ? describe(y) : describe(y[onlyY]),
        );
      }
      for (let i = kx.length - 1; i >= 0; i--) {
        stack.push([x[kx[i]], y[kx[i]], keyPath(path, kx[i])]);
      }
      continue;
    }
    fail(path, describe(x), path, describe(y));
  }
}

/**
 * Applies `f` to every leaf of `tree` (and the matching leaves of `rest`, which must have
 * the same structure), returning a tree of the results.
 *
 * @param f the function of one leaf from each tree
 * @param tree the pytree that sets the structure
 * @param rest more pytrees of the same structure
 * @returns the tree of `f`'s results
 * @throws {TreeError} when a tree in `rest` has another structure (naming both paths)
 * @example An SGD step over a tree of parameters
 * ```ts
 * import { type Tensor, tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = { w: tensor([1, 2]), b: tensor(0.5) };
 * const grads = { w: tensor([1, 1]), b: tensor(1) };
 * const next = tree.map((p: Tensor, g: Tensor) => p.sub(g.mul(0.5)), params, grads);
 * assert.deepEqual(next.w.toArray(), [0.5, 1.5]);
 * ```
 */
export function map<T, L>(
  // deno-lint-ignore no-explicit-any
  f: (leaf: any, ...rest: any[]) => L,
  tree: T,
  ...rest: readonly unknown[]
): MapLeaves<T, L> {
  const [leaves, def] = flatten(tree);
  const others = rest.map((r, i) => {
    checkSameStructure(tree, r, "tree.map()", "tree 0", `tree ${i + 1}`);
    return flatten(r)[0];
  });
  return unflatten(def, leaves.map((x, i) => f(x, ...others.map((o) => o[i])))) as MapLeaves<
    T,
    L
  >;
}

/** @ignore The leaf as a tensor: tensors as they are, numbers as 0-d tensors; else a TypeError. */
export function leafTensor(x: unknown, op: string, path: string): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === "number") return scalar(x);
  throw new TypeError(
    `${op}: the leaf at ${showPath(path)} must be a Tensor or a number; got ${describe(x)}`,
  );
}

/**
 * The leaves of a pytree as one flat vector, and the function that turns such a vector back
 * into the tree (as `jax.flatten_util.ravel_pytree`). Both directions are differentiable, so
 * a Hessian over all parameters or a Newton step can work on the flat vector. Leaves are cast
 * to their common dtype; `unravel` casts each back and turns number leaves into 0-d tensors.
 *
 * @param tree a pytree whose leaves are tensors or numbers
 * @returns `[flat, unravel]`
 * @throws {TypeError} for a leaf that is neither a tensor nor a number
 * @example A Newton step on all parameters at once
 * ```ts
 * import { type Tensor, tensor, tree } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const [flat, unravel] = tree.ravel({ w: tensor([[1, 2]]), b: tensor(3) });
 * assert.deepEqual(flat.toArray(), [3, 1, 2]);
 * const back = unravel(flat.mul(2)) as { w: Tensor; b: Tensor };
 * assert.deepEqual(back.w.toArray(), [[2, 4]]);
 * ```
 */
export function ravel<T>(tree: T): [Tensor, (flat: Tensor) => MapLeaves<T, Tensor>] {
  const [raw, def] = flatten(tree);
  const paths = leavesWithPath(tree).map(([p]) => p);
  const ts = raw.map((x, i) => leafTensor(x, "tree.ravel()", paths[i]));
  const dtypes = ts.map((t, i) => (typeof raw[i] === "number" ? null : t.dtype));
  let dtype: DType = ts.length === 0 ? getDefaultDtype() : ts[0].dtype;
  for (const t of ts) dtype = promoteTypes(dtype, t.dtype);
  if (!isFloating(dtype) && ts.length > 0) dtype = getDefaultDtype();
  const shapes = ts.map((t) => t.shape);
  const sizes = shapes.map(sizeOf);
  const total = sizes.reduce((a, b) => a + b, 0);
  const parts = ts.map((t) => reshape(t.dtype === dtype ? t : cast(t, dtype), [-1]));
  const flat = parts.length === 0
    ? filled([0], dtype, 0)
    : parts.length === 1
    ? parts[0]
    : cat(parts);
  const unravel = (v: Tensor): MapLeaves<T, Tensor> => {
    if (!(v instanceof Tensor) || v.ndim !== 1 || v.shape[0] !== total) {
      throw new TypeError(
        `tree.ravel() unravel: expects a 1-D tensor of ${total} elements; got ${
          v instanceof Tensor ? `shape ${fmtShape(v.shape)}` : typeof v
        }`,
      );
    }
    let offset = 0;
    const out = shapes.map((s, i) => {
      const piece = sizes.length === 1 ? v : slice(v, 0, offset, offset + sizes[i]);
      offset += sizes[i];
      const shaped = reshape(piece, s);
      const want = dtypes[i];
      return want !== null && want !== shaped.dtype ? cast(shaped, want) : shaped;
    });
    return unflatten(def, out) as MapLeaves<T, Tensor>;
  };
  return [flat, unravel];
}
