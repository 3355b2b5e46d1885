/**
 * Helpers for Taylor series held as one stacked tensor: rows along a new leading axis. In a
 * jet (`mode: "jet"`) row `k − 1` holds the normalized coefficient `x_k = x⁽ᵏ⁾ / k!` for
 * `k = 1..K` (the value `x_0` is the primal itself); in a collapsed second-order series
 * (`mode: "lap"`, the forward Laplacian) rows `0..D−1` hold the first derivatives along the D
 * directions and row `D` the sum of the D second derivatives. Everything here is written in
 * Tensor operations, so reverse mode differentiates through it.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import type { MaybeTensor, Params, Primitive } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { type FwLevel, hasEnabledEntry } from "../autograd/forward_ad.ts";
import { BATCH_RULES, type BatchRule } from "../vmap/rules.ts";
import { cast, filled } from "../ops/shape.ts";
import { add } from "../ops/arithmetic.ts";

/** How a Taylor level's series are laid out (see the module doc). */
export interface TaylorCtx {
  /** `"jet"`: K normalized coefficients; `"lap"`: D directions and one summed 2nd order. */
  readonly mode: "jet" | "lap";
  /** Rows of every series: K for a jet, D + 1 for the forward Laplacian. */
  readonly rows: number;
  /**
   * The level whose entries the inputs carry, when the rule runs for a level (not on jets
   * inside another rule): lets a rule re-enter it (custom operations' inline definitions).
   */
  readonly level?: FwLevel;
}

/** The Taylor rule of a primitive: the output's series from the inputs' series. */
export type TaylorRule<T> = (
  series: readonly MaybeTensor[],
  inputs: readonly Tensor[],
  out: Tensor,
  params: T,
  ctx: TaylorCtx,
) => MaybeTensor;

/** A value with its series at the level being propagated (`s` null: a constant). */
export interface Jet {
  readonly x: Tensor;
  readonly s: MaybeTensor;
}

/** Rows `[from, to)` of a stacked series. */
export function rows(s: Tensor, from: number, to: number): Tensor {
  if (from === 0 && to === s.shape[0]) return s;
  return apply("slice", [s], {
    starts: s.shape.map((_, d) => (d === 0 ? from : 0)),
    steps: s.shape.map(() => 1),
    shape: [to - from, ...s.shape.slice(1)],
  });
}

/** Row `i` of a stacked series, without the series axis. */
export function row(s: Tensor, i: number): Tensor {
  return apply("reshape", [rows(s, i, i + 1)], { shape: s.shape.slice(1) });
}

/** `t` with a new leading axis of size 1. */
export function lift(t: Tensor): Tensor {
  return apply("reshape", [t], { shape: [1, ...t.shape] });
}

/** Concatenation along the series axis. */
export function catRows(parts: readonly Tensor[]): Tensor {
  return parts.length === 1 ? parts[0] : apply("cat", parts, { dim: 0 });
}

/** The sum over the series axis (rows `[from, to)`). */
export function sumRows(s: Tensor, from = 0, to = s.shape[0]): Tensor {
  return apply("sum", [rows(s, from, to)], { dims: [0], keepdim: false });
}

/** A constant column `[v(0), v(1), …]` of `n` rows shaped to broadcast against `[n, …]` of rank `rank`. */
export function column(n: number, rank: number, like: Tensor, v: (i: number) => number): Tensor {
  const c = filled([n, ...new Array<number>(rank - 1).fill(1)], like.dtype, 0);
  for (let i = 0; i < n; i++) c._buf[i] = v(i);
  return c;
}

/** Applies primitive `prim` to every row of the inputs marked `stacked` (the others are constants). */
export function overRows<P extends Primitive>(
  prim: P,
  xs: readonly Tensor[],
  stacked: readonly boolean[],
  params: Params[P],
): Tensor {
  const rule = BATCH_RULES[prim] as BatchRule<Params[P]> | undefined;
  if (rule === undefined) throw new Error(`Internal error: ${prim} has no batching rule`);
  let size = 0;
  for (let i = 0; i < xs.length; i++) if (stacked[i]) size = xs[i].shape[0];
  return rule(xs, stacked, params, size);
}

/**
 * The series `s` made to fit output `out`: its dtype, given `out`'s rank, and expanded to
 * `[rows, ...out.shape]` unless `broadcast` allows it to stay a broadcast series (size-1
 * dims where it is the same all along `out`'s dim; see {@linkcode takesBroadcast}).
 */
export function conformSeries(
  s: Tensor,
  out: Tensor,
  ctx: TaylorCtx,
  prim: string,
  broadcast = false,
): Tensor {
  let r = s;
  const shape = [ctx.rows, ...out.shape];
  if (r.dtype !== out.dtype && isFloating(out.dtype)) r = cast(r, out.dtype);
  if (!shapesEqual(r.shape, shape)) {
    if (r.ndim > shape.length || r.shape[0] !== ctx.rows) {
      throw new Error(
        `Internal error: the Taylor rule of ${prim} returned shape ${fmtShape(r.shape)} ` +
          `for an output of shape ${fmtShape(out.shape)} with ${ctx.rows} rows`,
      );
    }
    if (r.ndim < shape.length) {
      const pad = new Array<number>(shape.length - r.ndim).fill(1);
      r = apply("reshape", [r], { shape: [r.shape[0], ...pad, ...r.shape.slice(1)] });
    }
    if (!broadcast || !r.shape.every((n, i) => n === shape[i] || n === 1)) {
      r = apply("expand", [r], { shape });
    }
  }
  return r;
}

/**
 * Series are `[rows, ...x.shape]`, or, for the rules marked by {@linkcode takesBroadcast}, a
 * broadcast series of the same rank with size 1 along dims of `x` where it does not change
 * (the directions of a batched `laplacian` are the same at every point: `[D + 1, 1, d]` for
 * `B` points of `d` coordinates instead of `[D + 1, B, d]`). The level expands a broadcast
 * series before any other rule sees it.
 */
const BROADCAST_RULES = new WeakSet<object>();

/** Marks `rule` as one that takes broadcast series and may return one (see `BROADCAST_RULES`). */
export function takesBroadcast<T>(rule: TaylorRule<T>): TaylorRule<T> {
  BROADCAST_RULES.add(rule);
  return rule;
}

/** Whether `rule` was marked by {@linkcode takesBroadcast}. */
export function isBroadcastRule<T>(rule: TaylorRule<T>): boolean {
  return BROADCAST_RULES.has(rule);
}

/** The series `s` of `x` as a full `[rows, ...x.shape]` series (a broadcast one expanded). */
export function expanded(s: Tensor, x: Tensor): Tensor {
  if (s.ndim === x.ndim + 1 && s.numel === s.shape[0] * x.numel) return s;
  return apply("expand", [s], { shape: [s.shape[0], ...x.shape] });
}

/**
 * For a series `s` of `x` that is the same along a block of leading dims of `x` (`s` is
 * `[rows, 1, …, 1, ...x.shape.slice(j)]`), the number of elements of one of its rows (`x.numel`
 * for a full series); -1 for any other broadcast.
 */
export function rowSize(s: Tensor, x: Tensor): number {
  if (s.ndim !== x.ndim + 1) return -1;
  let m = 1, i = s.ndim - 1;
  for (; i >= 1 && s.shape[i] === x.shape[i - 1]; i--) m *= s.shape[i];
  for (; i >= 1; i--) if (s.shape[i] !== 1) return -1;
  return m;
}

/** Zeros in the layout of a series for `x`. */
export function zeroSeries(x: Tensor, ctx: TaylorCtx): Tensor {
  return filled([ctx.rows, ...x.shape], x.dtype, 0);
}

/**
 * Whether an outer transform watches any of `ts`: reverse mode (grad enabled and the tensor
 * requires grad) or an enabled forward-mode or Taylor level. Unwatched series may take the
 * plain-loop kernels; watched ones must go through Tensor operations.
 */
export function watched(...ts: readonly MaybeTensor[]): boolean {
  const recording = isGradEnabled();
  for (const t of ts) {
    if (t === null) continue;
    if (t._bat !== null) return true;
    if (recording && t._requiresGrad) return true;
    if (hasEnabledEntry(t)) return true;
  }
  return false;
}

/** A tensor of `shape` and `t`'s dtype over the storage `buf` (from a kernel). */
export function fromKernel(buf: Float64Array, shape: readonly number[], like: Tensor): Tensor {
  if (like.dtype === "float64") return new Tensor(buf, shape, "float64", TRUSTED);
  const out = filled(shape, like.dtype, 0);
  out._buf.set(buf);
  return out;
}

/** `s` plus `t` on the last row only (the summed second-order row of a collapsed series). */
export function addLastRow(s: Tensor, t: Tensor): Tensor {
  const n = s.shape[0];
  const last = add(row(s, n - 1), t);
  return catRows([rows(s, 0, n - 1), lift(conformTo(last, s.shape.slice(1)))]);
}

function conformTo(t: Tensor, shape: readonly number[]): Tensor {
  return shapesEqual(t.shape, shape) ? t : apply("expand", [t], { shape });
}
