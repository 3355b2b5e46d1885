/**
 * Batching levels for `vmap`. Inside `vmap`, a batched tensor is a wrapper: its `shape` is
 * the logical (per-example) shape, and `_bat.phys` is the physical tensor holding all
 * examples, with the batch dimension first. Every primitive applied to a wrapper runs its
 * batching rule on the physical tensors instead (see `rules.ts`), so autograd and forward
 * mode see only physical tensors. Levels nest like a stack: a wrapper's physical tensor may
 * itself be a wrapper of an outer level.
 *
 * @module
 */

import { allocate, type Storage } from "../dtype.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";

/** @ignore A vmap level: its position in the stack and its batch size. */
export class VmapLevel {
  /** Position in the stack; `-1` once the level has ended. */
  depth: number;
  /** The batch size. */
  readonly size: number;
  /** What random operations inside this level do (see `VmapOptions.randomness`). */
  readonly randomness: Randomness;
  constructor(depth: number, size: number, randomness: Randomness = "error") {
    this.depth = depth;
    this.size = size;
    this.randomness = randomness;
  }
}

/**
 * What random operations do inside `vmap`, as `torch.func.vmap`'s `randomness`: `"error"`
 * refuses them, `"different"` draws independently for every example, `"same"` draws once
 * and shares the draw between the examples.
 */
export type Randomness = "error" | "different" | "same";

/** @ignore What makes a tensor batched: its level and its physical tensor (batch dim first). */
export interface BatchEntry {
  readonly level: VmapLevel;
  readonly phys: Tensor;
}

const stack: VmapLevel[] = [];

/** @ignore Starts a new innermost vmap level of batch size `size`. */
export function enterVmap(size: number, randomness: Randomness = "error"): VmapLevel {
  const level = new VmapLevel(stack.length, size, randomness);
  stack.push(level);
  return level;
}

/** @ignore Ends the innermost level, which must be `level`. */
export function exitVmap(level: VmapLevel): void {
  const top = stack.pop();
  if (top !== level) throw new Error("vmap levels must end in the order they began");
  level.depth = -1;
}

/** @ignore A batched tensor at `level` whose physical tensor is `phys` (batch dim first). */
export function wrap(phys: Tensor, level: VmapLevel): Tensor {
  if (phys.shape[0] !== level.size) {
    throw new Error(
      `Internal error: a batching rule returned batch size ${
        phys.shape[0]
      }, expected ${level.size}`,
    );
  }
  const t = new Tensor(allocate(phys.dtype, 0), phys.shape.slice(1), phys.dtype, TRUSTED);
  t._bat = { level, phys };
  return t;
}

/** @ignore A batched tensor at the same level as `entry`, with a new physical tensor. */
export function rewrap(entry: BatchEntry, phys: Tensor): Tensor {
  return wrap(phys, entry.level);
}

/** @ignore Whether `x` is batched at `level`, directly or under inner levels. */
export function isBatchedAt(x: Tensor, level: VmapLevel): boolean {
  for (let t = x; t._bat !== null; t = t._bat.phys) if (t._bat.level === level) return true;
  return false;
}

function swapFirstTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[0] = 1;
  perm[1] = 0;
  return apply("permute", [x], { perm });
}

/**
 * @ignore `x` seen from `level`: a tensor whose first dimension is `level`'s batch and which
 * is still batched at the levels inside it; null when `x` is not batched at `level`. Wrappers
 * nest inner levels outside, so a batch found deeper is moved out past the inner levels.
 */
export function unwrapAt(x: Tensor, level: VmapLevel): Tensor | null {
  const b = x._bat;
  if (b === null || b.level.depth < level.depth) return null;
  if (b.level === level) return b.phys;
  const inner = unwrapAt(b.phys, level); // [B_level, B_x, ...] still batched below
  return inner === null ? null : wrap(swapFirstTwo(inner), b.level);
}

/**
 * @ignore `p` (whose first dimension is `level`'s batch) as a tensor batched at `level`,
 * keeping the nesting order when `p` is batched at inner levels itself.
 */
export function wrapAt(p: Tensor, level: VmapLevel): Tensor {
  const b = p._bat;
  if (b === null || b.level.depth < level.depth) return wrap(p, level);
  // p = W{ [B_w, B_level, ...] }: push the wrap for `level` inside W's.
  return wrap(wrapAt(swapFirstTwo(b.phys), level), b.level);
}

/**
 * @ignore The innermost live level among the inputs' wrappers.
 *
 * @throws {Error} for a batched tensor used after its vmap returned
 */
export function topLevel(inputs: readonly Tensor[]): VmapLevel | null {
  let top: VmapLevel | null = null;
  for (const x of inputs) {
    const b = x._bat;
    if (b === null) continue;
    if (b.level.depth < 0) {
      throw new Error(
        "A batched tensor was used after its vmap() returned: return it from the vmapped " +
          "function instead of keeping it in a variable outside",
      );
    }
    if (top === null || b.level.depth > top.depth) top = b.level;
  }
  return top;
}

/** @ignore Refuses to read the values of a batched tensor. */
export function checkConcrete(t: Tensor, op: string): void {
  if (t._bat !== null) {
    throw new TypeError(
      `${op}() cannot read the values of a batched tensor inside vmap(); return the tensor ` +
        `from the vmapped function and read it outside`,
    );
  }
}

/**
 * @ignore The values behind `t` for a check that must see every element (index bounds,
 * class targets): its own storage, or under vmap the storage of its innermost physical
 * tensor, which holds every example's values (a wrapper has no storage of its own).
 */
export function concreteStorage(t: Tensor): Storage {
  let p = t;
  while (p._bat !== null) p = p._bat.phys;
  return p._buf;
}

/**
 * @ignore A random tensor of per-example shape `shape` drawn by `draw`, following the
 * randomness of the live vmap levels: outside vmap and under `"same"` one plain draw; under
 * `"different"` one draw per example of each such level (a tensor batched at those levels);
 * under `"error"` a TypeError naming `op`.
 */
export function sampleUnderVmap(
  shape: readonly number[],
  op: string,
  draw: (shape: readonly number[]) => Tensor,
): Tensor {
  if (stack.length === 0) return draw(shape);
  const different: VmapLevel[] = [];
  for (const level of stack) {
    if (level.randomness === "error") {
      throw new TypeError(
        `${op}() is random and was called inside vmap() with randomness "error" (the ` +
          `default, as torch.func.vmap): pass { randomness: "different" } for an independent ` +
          `draw per example or { randomness: "same" } for one shared draw, or draw outside vmap`,
      );
    }
    if (level.randomness === "different") different.push(level);
  }
  if (different.length === 0) return draw(shape);
  let t = draw([...different.map((l) => l.size), ...shape]); // outermost level first
  for (const level of different) t = wrap(t, level);
  return t;
}
