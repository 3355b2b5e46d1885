/**
 * The Taylor level: a forward-mode level whose entries are stacked series instead of
 * tangents. It registers its own propagation rule with the level (the dispatcher calls it
 * for every primitive and never imports this module); series live on physical tensors, as
 * tangents do, so Taylor mode composes with `vmap`, reverse mode and forward mode.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import {
  belowLevel,
  enterLevel,
  exitLevel,
  type FwLevel,
  tangentAt,
} from "../autograd/forward_ad.ts";
import { unwrapAt, wrap, wrapAt } from "../vmap/level.ts";
import {
  conformSeries,
  expanded,
  isBroadcastRule,
  rows,
  type TaylorCtx,
  type TaylorRule,
} from "./series.ts";
import { TAYLOR_RULES } from "./rules.ts";
import { fits, LazySeries, lazyVariant, made } from "./lazy.ts";

function swapFirstTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[0] = 1;
  perm[1] = 0;
  return apply("permute", [x], { perm });
}

/** @ignore Runs `fn` inside a new Taylor level of layout `ctx`. */
export function withTaylorLevel<T>(layout: TaylorCtx, fn: (level: FwLevel) => T): T {
  let ctx: TaylorCtx = layout;
  const level = enterLevel((prim, entries0, inputs, out, params) => {
    let entries = entries0;
    const rule = TAYLOR_RULES[prim] as TaylorRule<Params[typeof prim]>;
    if (ctx.mode === "lap") {
      // lazy series (lazy.ts): the rule's lazy variant takes them, else they are made here
      const lazy = lazyVariant(rule)?.(entries, inputs, out, params, ctx);
      if (lazy !== undefined) return settled(lazy, out, ctx, prim);
      if (entries.some((s) => s instanceof LazySeries)) entries = entries.map(made);
    }
    const broadcast = isBroadcastRule(rule);
    const series = broadcast
      ? entries
      : entries.map((s, i) => (s === null ? null : expanded(s, inputs[i])));
    const s = rule(series, inputs, out, params, ctx);
    return s === null ? null : settled(s, out, ctx, prim, broadcast);
  });
  ctx = { ...layout, level };
  try {
    return fn(level);
  } finally {
    exitLevel(level);
  }
}

/** A rule's result as `out`'s series: a lazy one as it is where it fits, else conformed. */
function settled(s: Tensor, out: Tensor, ctx: TaylorCtx, prim: string, broadcast = false): Tensor {
  if (s instanceof LazySeries) {
    if (fits(s, out, ctx)) return s;
    s = s.whole();
  }
  return conformSeries(s, out, ctx, prim, broadcast);
}

/**
 * @ignore A tensor with the values of `x` and the series `s` (`[rows, ...x.shape]`) at
 * `level`. For a batched `x` the series goes on its physical tensor, series axis first; a
 * series that is not batched like `x` (the same at every example) stays a broadcast series.
 */
export function makeJet(x: Tensor, s: Tensor, level: FwLevel): Tensor {
  if (x._bat !== null) {
    const v = x._bat.level;
    const phys = unwrapAt(s, v);
    // a series shared by the batch stays one broadcast series: [rows, 1, ...]
    const inner = phys === null
      ? apply("reshape", [s], { shape: [s.shape[0], 1, ...s.shape.slice(1)] })
      : swapFirstTwo(phys); // [B, rows, ...] -> [rows, B, ...]
    return wrap(makeJet(x._bat.phys, inner, level), v);
  }
  const d = apply("reshape", [x], { shape: x.shape }); // a fresh tensor for the entry
  d._fw = { level, tangent: s, next: d._fw };
  return d;
}

/** @ignore The series of `x` at `level` (`[rows, ...x.shape]`, batched like `x`), or null. */
export function seriesOf(x: Tensor, level: FwLevel): Tensor | null {
  if (x._bat === null) {
    const s = tangentAt(x, level);
    return s === null ? null : expanded(belowLevel(level, () => made(s)), x);
  }
  const inner = seriesOf(x._bat.phys, level);
  return inner === null ? null : wrapAt(swapFirstTwo(inner), x._bat.level);
}

/**
 * @ignore The last row of the series of `x` at `level` (shaped and batched like `x`; the
 * summed second order of a collapsed series), or null: of a lazy series, only that row is made.
 */
export function lastRowOf(x: Tensor, level: FwLevel): Tensor | null {
  if (x._bat === null) {
    const s = tangentAt(x, level);
    if (s === null) return null;
    const n = s.shape[0];
    const last = s instanceof LazySeries
      ? belowLevel(level, () => s.summed())
      : rows(expanded(s, x), n - 1, n);
    return apply("reshape", [last], { shape: x.shape });
  }
  const inner = lastRowOf(x._bat.phys, level);
  return inner === null ? null : wrapAt(inner, x._bat.level);
}
