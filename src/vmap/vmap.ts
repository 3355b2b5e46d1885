/**
 * `vmap`: vectorizing map, as in JAX and `torch.func`. Inside the mapped function every
 * tensor has its per-example shape; each primitive runs once on the whole batch through its
 * batching rule.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape, normalizeDim } from "../shape.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { apply, registerInterpreter } from "../autograd/dispatch.ts";
import { batching } from "./batch_apply.ts";
import { enterVmap, exitVmap, type Randomness, unwrapAt, type VmapLevel, wrap } from "./level.ts";
import { materialize } from "./rules.ts";
import { scalar } from "../ops/arithmetic.ts";

export type { Randomness };

// vmap is a transform level: it registers with the dispatcher, which never imports it
registerInterpreter(batching);

/** Options of {@linkcode vmap}. */
export interface VmapOptions {
  /**
   * The batch dimension of each argument: one number for all, or one entry per argument,
   * `null` for an argument that is not batched (default 0).
   */
  readonly inDims?: number | null | readonly (number | null)[];
  /** Where the batch dimension goes in the result (default 0). */
  readonly outDims?: number;
  /**
   * What random operations (`randn`, `rand`, their `*Like` forms, `dropout`) do inside `f`,
   * as `torch.func.vmap`: `"error"` (default) refuses them, `"different"` draws
   * independently for every example, `"same"` draws once for all examples.
   */
  readonly randomness?: Randomness;
}

/** @ignore `x` with dimension `d` moved to the front. */
export function moveToFront(x: Tensor, d: number): Tensor {
  if (d === 0) return x;
  const perm = [d, ...x.shape.map((_, i) => i).filter((i) => i !== d)];
  return apply("permute", [x], { perm });
}

/** @ignore The physical tensor of `out` at `level` (materialized if unbatched), batch at `outDim`. */
export function unbatch(out: Tensor, level: VmapLevel, outDim: number): Tensor {
  const p = unwrapAt(out, level) ?? materialize(out, level.size);
  const d = normalizeDim(outDim, p.ndim, "vmap");
  if (d === 0) return p;
  const rest = p.shape.map((_, i) => i).slice(1);
  const perm = [...rest.slice(0, d), 0, ...rest.slice(d)];
  return apply("permute", [p], { perm });
}

/**
 * Vectorizes `f` over a batch dimension of its arguments: `vmap(f)(xs)` computes `f` for
 * every example of `xs` at once, as if `f` were applied to each `xs[i]` and the results
 * stacked. Composes with `grad`, `jvp` and the other transforms in either order.
 *
 * @param f a function of tensors returning a tensor or a list of tensors
 * @param options `inDims` (per argument, `null` for unbatched) and `outDims`
 * @returns the vectorized function
 * @throws {ShapeError} when the batched arguments disagree on the batch size, or none is batched
 * @throws {RangeError} for an unknown `randomness`
 * @example Per-example gradients of a loss
 * ```ts
 * import { grad, type Tensor, tensor, vmap } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const w = tensor([1, 2]);
 * const loss = (wv: Tensor, x: Tensor) => wv.mul(x).sum().pow(2);
 * const xs = tensor([[1, 0], [0, 1], [1, 1]]);
 * const perExample = vmap((x: Tensor) => grad(loss)(w, x))(xs);
 * assert.deepEqual(perExample.toArray(), [[2, 0], [0, 4], [6, 6]]);
 * ```
 */
export function vmap(
  f: (...args: Tensor[]) => Tensor,
  options?: VmapOptions,
): (...args: TensorLike[]) => Tensor;
/** With a function returning a list of tensors: a list of batched results. */
export function vmap(
  f: (...args: Tensor[]) => Tensor[],
  options?: VmapOptions,
): (...args: TensorLike[]) => Tensor[];
export function vmap(
  f: (...args: Tensor[]) => Tensor | Tensor[],
  options: VmapOptions = {},
): (...args: TensorLike[]) => Tensor | Tensor[] {
  return (...args) => {
    const inDims = options.inDims === undefined ? 0 : options.inDims;
    const dims = Array.isArray(inDims) ? inDims : args.map(() => inDims as number | null);
    if (dims.length !== args.length) {
      throw new RangeError(
        `vmap(): inDims has ${dims.length} entries for ${args.length} arguments`,
      );
    }
    let size = -1;
    const tensors = args.map((a, i) => {
      const d = dims[i];
      if (d === null || d === undefined || typeof a === "number") {
        if (d !== null && d !== undefined) {
          throw new TypeError(
            `vmap(): argument ${i} is a number and cannot be batched; use inDims null`,
          );
        }
        return typeof a === "number" ? scalar(a) : a;
      }
      if (!(a instanceof Tensor)) throw new TypeError(`vmap(): argument ${i} must be a Tensor`);
      const nd = normalizeDim(d, a.ndim, "vmap");
      const n = a.shape[nd];
      if (size >= 0 && n !== size) {
        throw new ShapeError(
          `vmap(): argument ${i} has size ${n} along its batch dimension ${d} (shape ` +
            `${fmtShape(a.shape)}), but an earlier argument has batch size ${size}`,
        );
      }
      size = n;
      return [a, nd] as const;
    });
    if (size < 0) {
      throw new ShapeError(`vmap(): no argument is batched (every inDims entry is null)`);
    }
    const randomness = options.randomness ?? "error";
    if (randomness !== "error" && randomness !== "different" && randomness !== "same") {
      throw new RangeError(
        `vmap(): randomness must be "error", "different" or "same"; got ${String(randomness)}`,
      );
    }
    const level = enterVmap(size, randomness);
    try {
      const wrapped = tensors.map((t) =>
        Array.isArray(t) ? wrap(moveToFront(t[0], t[1]), level) : (t as Tensor)
      );
      const out = f(...wrapped);
      const outDim = options.outDims ?? 0;
      if (Array.isArray(out)) return out.map((o) => unbatch(o, level, outDim));
      if (!(out instanceof Tensor)) {
        throw new TypeError(`vmap(): f must return a Tensor or a list of Tensors`);
      }
      return unbatch(out, level, outDim);
    } finally {
      exitVmap(level);
    }
  };
}
