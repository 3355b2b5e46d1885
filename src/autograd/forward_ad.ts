/**
 * Forward-mode levels. A tensor may carry one tangent per level, in a short linked list.
 * Levels nest like a stack: while the tangent rule of an operation runs for level L, only
 * the levels entered before L are enabled, so the tangent itself carries tangents of the
 * outer levels and never of L or of the levels inside it. That keeps nested `jvp` calls
 * free of perturbation confusion.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, Params, Primitive } from "../primitives/types.ts";

/**
 * @ignore How a level other than plain forward mode pushes its entries through a primitive
 * (Taylor mode registers one): the output's entry from the inputs' entries (`null` for
 * none), or `null` when the output's entry is zero. Runs with only the outer levels enabled.
 */
export type LevelRule = <P extends Primitive>(
  prim: P,
  entries: readonly MaybeTensor[],
  inputs: readonly Tensor[],
  out: Tensor,
  params: Params[P],
) => MaybeTensor;

/**
 * @ignore A forward-mode level. `depth` is its position in the stack of live levels; `rule`
 * replaces the primitives' tangent rules for levels that carry something else than a tangent
 * (a Taylor series), so the dispatcher never needs to know those transforms.
 */
export class FwLevel {
  /** Position in the stack; `-1` once the level has ended. */
  depth: number;
  /** The level's own propagation rule, or `null` for a plain tangent level. */
  readonly rule: LevelRule | null;
  constructor(depth: number, rule: LevelRule | null = null) {
    this.depth = depth;
    this.rule = rule;
  }
}

/** @ignore One tangent of a tensor: its level, the tangent tensor, and the next entry. */
export interface TangentEntry {
  readonly level: FwLevel;
  readonly tangent: Tensor;
  readonly next: TangentEntry | null;
}

const stack: FwLevel[] = [];
/** Levels at stack positions below `limit` are enabled. */
let limit = 0;

/** @ignore How many levels are enabled now (0 on the fast path). */
export function fwEnabledCount(): number {
  return limit;
}

/** @ignore Whether `level` is enabled now. */
export function isEnabled(level: FwLevel): boolean {
  return level.depth >= 0 && level.depth < limit;
}

/**
 * @ignore Starts a new innermost level (with its own propagation `rule` for a non-tangent
 * level). Pair with {@linkcode exitLevel} in `finally`.
 */
export function enterLevel(rule: LevelRule | null = null): FwLevel {
  if (limit !== stack.length) {
    throw new Error("A forward-mode level cannot start inside a tangent rule");
  }
  const level = new FwLevel(stack.length, rule);
  stack.push(level);
  limit = stack.length;
  return level;
}

/** @ignore Ends the innermost level, which must be `level`. */
export function exitLevel(level: FwLevel): void {
  const top = stack.pop();
  if (top !== level) throw new Error("Forward-mode levels must end in the order they began");
  level.depth = -1;
  limit = stack.length;
}

/** @ignore Runs `fn` with only the levels below `level` enabled (a tangent rule for `level`). */
export function belowLevel<T>(level: FwLevel, fn: () => T): T {
  const saved = limit;
  limit = level.depth;
  try {
    return fn();
  } finally {
    limit = saved;
  }
}

/**
 * @ignore Runs `fn` with `level` itself enabled again (and the levels inside it still off):
 * a level's own rule re-entering its level, as Taylor mode does to run a custom operation's
 * inline definition on series.
 */
export function atLevel<T>(level: FwLevel, fn: () => T): T {
  const saved = limit;
  limit = level.depth + 1;
  try {
    return fn();
  } finally {
    limit = saved;
  }
}

/**
 * @ignore Whether `t` carries an entry (a tangent or a Taylor series) at an enabled
 * forward-mode level.
 */
export function hasEnabledEntry(t: Tensor): boolean {
  for (let e = t._fw; e !== null; e = e.next) if (isEnabled(e.level)) return true;
  return false;
}

/** @ignore The tangent of `t` at `level`, or `null` (a zero tangent). */
export function tangentAt(t: Tensor, level: FwLevel): Tensor | null {
  for (let e = t._fw; e !== null; e = e.next) if (e.level === level) return e.tangent;
  return null;
}
