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
import { enterLevel, exitLevel, type FwLevel, tangentAt } from "../autograd/forward_ad.ts";
import { unwrapAt, wrap, wrapAt } from "../vmap/level.ts";
import {
  conformSeries,
  expanded,
  isBroadcastRule,
  type TaylorCtx,
  type TaylorRule,
} from "./series.ts";
import { TAYLOR_RULES } from "./rules.ts";

function swapFirstTwo(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[0] = 1;
  perm[1] = 0;
  return apply("permute", [x], { perm });
}

/** @ignore Runs `fn` inside a new Taylor level of layout `ctx`. */
export function withTaylorLevel<T>(layout: TaylorCtx, fn: (level: FwLevel) => T): T {
  let ctx: TaylorCtx = layout;
  const level = enterLevel((prim, entries, inputs, out, params) => {
    const rule = TAYLOR_RULES[prim] as TaylorRule<Params[typeof prim]>;
    const broadcast = isBroadcastRule(rule);
    const series = broadcast
      ? entries
      : entries.map((s, i) => (s === null ? null : expanded(s, inputs[i])));
    const s = rule(series, inputs, out, params, ctx);
    return s === null ? null : conformSeries(s, out, ctx, prim, broadcast);
  });
  ctx = { ...layout, level };
  try {
    return fn(level);
  } finally {
    exitLevel(level);
  }
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
    return s === null ? null : expanded(s, x);
  }
  const inner = seriesOf(x._bat.phys, level);
  return inner === null ? null : wrapAt(swapFirstTwo(inner), x._bat.level);
}
