/**
 * Rule shapes for Taylor mode, one per class of primitives (as JAX's `jet` has `deflinear`
 * and `defzero`): linear primitives apply themselves to every row, piecewise-constant ones
 * give zero, bilinear ones take the Cauchy product, and every nonlinear elementwise function
 * is named by the ODE it satisfies, whose recurrence the shape runs:
 *
 * - {@linkcode riccati}: `y' = (a + b y + c y²) x'` (exp, tanh, sigmoid, tan, 1/x, …)
 * - {@linkcode pair}: `s' = c x'`, `c' = σ s x'` (sin with cos, sinh with cosh)
 * - {@linkcode power}: `x y' = p y x'` (x^p, √x, 1/√x)
 * - {@linkcode quadrature}: `y' = h(x) x'` with `h` built from other primitives (log, atan,
 *   erf, asin, softplus, …), the series of `h(x(t))` coming from their own rules.
 *
 * In the collapsed second-order layout (the forward Laplacian) a unary shape needs only
 * `f'` and `f''` at the point: `y_d = f' x_d`, `Δy = f' Δx + f'' Σ_d x_d²`.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, mul, pow, sub } from "../ops/arithmetic.ts";
import { filled, sumToShape } from "../ops/shape.ts";
import type { Storage } from "../dtype.ts";
import {
  cauchyKernel,
  lapLastKernel,
  lapUnaryKernel,
  lapUnaryVjpKernel,
  pairKernel,
  powerKernel,
  riccatiChainKernel,
  riccatiDerivsKernel,
  riccatiKernel,
} from "../kernels/taylor.ts";
import {
  addLastRow,
  catRows,
  column,
  expanded,
  fromKernel,
  type Jet,
  lift,
  overRows,
  row,
  rows,
  rowSize,
  sumRows,
  takesBroadcast,
  type TaylorCtx,
  type TaylorRule,
  watched,
  zeroSeries,
} from "./series.ts";
import { broadcastShapes } from "../shape.ts";
import { isGradEnabled } from "../autograd/grad_mode.ts";
import { hasEnabledEntry } from "../autograd/forward_ad.ts";
import type { CustomCall } from "../primitives/custom.ts";
import type { MaybeTensor } from "../primitives/types.ts";
import { shapesEqual, sizeOf } from "../shape.ts";
import { matmulFilled, matmulRows, matmulRowsView, type RowSource } from "../kernels/matmul.ts";
import { lapStepInto, lapStepView, type Riccati } from "../kernels/lap.ts";
import { LazySeries, linearLazy, storageForSum, withLazy } from "./lazy.ts";

/** A rule for primitives with no Taylor series (piecewise constant, predicates): zero. */
export function zero<T>(): TaylorRule<T> {
  return () => null;
}

/**
 * A primitive linear in the inputs `which` (the others, such as indices, are constants):
 * it applies itself to every row of their series, zeros standing in for missing ones.
 */
export function linear<P extends Primitive>(
  prim: P,
  which: readonly number[] = [0],
): TaylorRule<Params[P]> {
  const rule: TaylorRule<Params[P]> = (series, inputs, _out, params, ctx) => {
    if (which.every((i) => series[i] === null)) return null;
    const stacked = inputs.map((_, i) => which.includes(i));
    const xs = inputs.map((x, i) => (stacked[i] ? series[i] ?? zeroSeries(x, ctx) : x));
    return overRows(prim, xs, stacked, params);
  };
  return withLazy(rule, linearLazy(rule, prim));
}

/** A primitive that multiplies its input elementwise by a constant weight (relu, abs, amax…). */
export function weighted<T>(
  weight: (inputs: readonly Tensor[], out: Tensor, params: T) => Tensor,
  reduce?: (s: Tensor, params: T) => Tensor,
): TaylorRule<T> {
  return ([s], inputs, out, params) => {
    if (s === null) return null;
    const w = mul(s, weight(inputs, out, params));
    return reduce === undefined ? w : reduce(w, params);
  };
}

/** The value `x` and its series `s` stacked: `[x_0, x_1, …]`. */
export function full(x: Tensor, s: Tensor): Tensor {
  return catRows([lift(x), s]);
}

/** Rows of `a` at the row indices `idx` (a gather along the series axis). */
function takeRows(a: Tensor, idx: readonly number[]): Tensor {
  const rest = a.shape.slice(1);
  const m = rest.reduce((p, d) => p * d, 1);
  const index = filled([idx.length, ...rest], "int64", 0);
  for (let p = 0; p < idx.length; p++) index._buf.fill(idx[p], p * m, (p + 1) * m);
  return apply("gather", [a, index], { dim: 0 });
}

/** A stacked series given rank `rank` by size-1 dims after the series axis (to broadcast). */
function padRows(s: Tensor, rank: number): Tensor {
  if (s.ndim >= rank) return s;
  const ones = new Array<number>(rank - s.ndim).fill(1);
  return apply("reshape", [s], { shape: [s.shape[0], ...ones, ...s.shape.slice(1)] });
}

/**
 * The truncated Cauchy product of two full series (row 0 the values) under the bilinear
 * primitive `prim`: row `m − from` of the result is `Σ_{j=0..m} prim(a_j, b_{m−j})`.
 */
export function cauchy<P extends "mul" | "matmul">(
  prim: P,
  params: Params[P],
  a: Tensor,
  b: Tensor,
  from: number,
): Tensor {
  const r = a.shape[0];
  if (prim === "mul" && !watched(a, b)) {
    const [pa, pb] = [padRows(a, b.ndim), padRows(b, a.ndim)];
    const shape = broadcastShapes(pa.shape, pb.shape, "mul");
    const ea = apply("expand", [pa], { shape }), eb = apply("expand", [pb], { shape });
    const n = ea.numel / r;
    return fromKernel(cauchyKernel(ea._buf, eb._buf, r, n, from), [r - from, ...shape.slice(1)], a);
  }
  const ia: number[] = [], ib: number[] = [], seg: number[] = [];
  for (let m = from; m < r; m++) {
    for (let j = 0; j <= m; j++) {
      ia.push(j);
      ib.push(m - j);
      seg.push(m - from);
    }
  }
  const prods = overRows(prim, [takeRows(a, ia), takeRows(b, ib)], [true, true], params);
  const rest = prods.shape.slice(1);
  const sum = filled([r - from, seg.length], prods.dtype, 0);
  seg.forEach((m, p) => (sum._buf[m * seg.length + p] = 1));
  const flat = apply("reshape", [prods], { shape: [seg.length, prods.numel / seg.length] });
  const c = apply("matmul", [sum, flat], { transA: false, transB: false });
  return apply("reshape", [c], { shape: [r - from, ...rest] });
}

/**
 * `s · op(w)` for every row of `s` (`[rows, ..., m, k]`, possibly a broadcast series) and a
 * matrix `w`: one matrix product over the stored rows.
 */
function rowsTimesMatrix(s: Tensor, w: Tensor, transB: boolean): Tensor {
  const k = s.shape[s.ndim - 1];
  const flat = apply("reshape", [s], { shape: [s.numel / k, k] });
  const p = apply("matmul", [flat, w], { transA: false, transB });
  return apply("reshape", [p], { shape: [...s.shape.slice(0, -1), p.shape[1]] });
}

/**
 * A bilinear primitive (`mul`, `matmul`): the Cauchy product of the two series; with one
 * constant side it is linear in the other. A product by a constant (elementwise, or a matrix
 * on the right) keeps a broadcast series broadcast where the constant is the same along its
 * dims (the shared directions of a batched `laplacian` go through input scaling and the first
 * layer as one small product).
 */
export function bilinear<P extends "mul" | "matmul">(prim: P): TaylorRule<Params[P]> {
  const rule: TaylorRule<Params[P]> = ([sa0, sb0], [a, b], _out, params, ctx) => {
    const mm = params as Params["matmul"];
    const byMatrix = prim === "matmul" && b.ndim === 2 && !mm.transA;
    if (
      sb0 === null && sa0 !== null && byMatrix && sa0.shape[sa0.ndim - 1] === a.shape[a.ndim - 1]
    ) {
      return rowsTimesMatrix(sa0, b, mm.transB);
    }
    // a product by a constant broadcasts a broadcast series like any other operand
    if (prim === "mul" && sb0 === null) {
      return overRows(prim, [sa0 as Tensor, b], [true, false], params);
    }
    if (prim === "mul" && sa0 === null) {
      return overRows(prim, [a, sb0 as Tensor], [false, true], params);
    }
    const sa = sa0 === null ? null : expanded(sa0, a), sb = sb0 === null ? null : expanded(sb0, b);
    const left = (s: Tensor) =>
      byMatrix ? rowsTimesMatrix(s, b, mm.transB) : overRows(prim, [s, b], [true, false], params);
    const right = (s: Tensor) => overRows(prim, [a, s], [false, true], params);
    if (sa === null) return sb === null ? null : right(sb);
    if (sb === null) return left(sa);
    if (ctx.mode === "lap") {
      // (ab)_d = a_d b + a b_d,  Δ(ab) = Δa b + a Δb + 2 Σ_d a_d b_d
      const d = ctx.rows - 1;
      const cross = sumRows(overRows(prim, [rows(sa, 0, d), rows(sb, 0, d)], [true, true], params));
      return addLastRow(add(left(sa), right(sb)), mul(cross, 2));
    }
    return cauchy(prim, params, full(a, sa), full(b, sb), 1);
  };
  const byConstant = linearLazy(rule, prim);
  return withLazy(takesBroadcast(rule), (series, inputs, out, params, ctx) => {
    const [sa, sb] = series, [a, b] = inputs, mm = params as Params["matmul"];
    if (!(sa instanceof LazySeries) || sb !== null || watched(a, b)) return undefined;
    if (prim === "matmul" && b.ndim === 2 && !mm.transA && a.dtype === b.dtype) {
      return lazyProduct(sa, b, mm.transB, [ctx.rows, ...out.shape]);
    }
    return byConstant(series, inputs, out, params, ctx);
  });
}

/**
 * `s · op(w)` for a lazy `s`, lazy itself: its summed row is one small product, and the whole
 * series (when a consumer needs it) one product whose A the step that made `s` writes straight
 * into the matrix kernel's memory (see `LazyParts.view`).
 */
function lazyProduct(s: LazySeries, w: Tensor, transB: boolean, shape: number[]): LazySeries {
  s.adopt();
  return new LazySeries(shape, s.dtype, {
    full: () => {
      const out = fusedProduct(s, w, transB, shape, false);
      return out === null ? rowsTimesMatrix(s.whole(), w, transB) : fromKernel(out, shape, w);
    },
    last: () => rowsTimesMatrix(s.summed(), w, transB),
    gemmView: () => fusedProduct(s, w, transB, shape, true),
  }, [s, w]);
}

/**
 * {@linkcode lazyProduct}'s whole series as one float64 product fed from the step's memory, as
 * a new array or (`inMemory`) left in the matrix kernel's memory; null where it does not run so.
 */
function fusedProduct(
  s: LazySeries,
  w: Tensor,
  transB: boolean,
  shape: number[],
  inMemory: boolean,
): Float64Array | null {
  if (w.dtype !== "float64" || s.dtype !== "float64") return null;
  const k = s.shape[s.ndim - 1], m = sizeOf(s.shape) / k, n = shape[shape.length - 1];
  // on the pool's shared memory, the step writes its rows where the product reads A
  const placed = matmulFilled(
    (memory, free) => s.lapInto(memory, 0, free),
    m,
    k,
    w._buf as Float64Array,
    n,
    transB,
    inMemory,
  );
  if (placed !== null) return placed;
  // the step's rows in the lap module's memory, made before the product starts: making the
  // series inside it could run another product in the same memory
  const a = s.lapView();
  if (a === null) return null;
  const rowsOfA: RowSource = (v, at, i0, rows) => v.set(a.subarray(i0 * k, (i0 + rows) * k), at);
  const run = inMemory ? matmulRowsView : matmulRows;
  return run(rowsOfA, m, k, w._buf as Float64Array, n, transB) as Float64Array | null;
}

/** An elementwise unary shape: its jet recurrence and its first two derivatives at a point. */
export interface UnaryShape {
  /** The K normalized coefficients of `y = f(x)` from those of `x` (`y` the value). */
  jet(x: Tensor, s: Tensor, y: Tensor, ctx: TaylorCtx): Tensor;
  /** `[f'(x), f''(x)]` for the collapsed second order. */
  derivs(x: Tensor, y: Tensor): readonly [Tensor | number, Tensor | number];
  /** `f'` and `f''` at every element by a plain loop (for unwatched values), when it has one. */
  derivsKernel?(x: Tensor, y: Tensor): readonly [Storage, Storage];
  /**
   * The collapsed step as one recorded operation of `[s, y]`, for a function whose `f'` and
   * `f''` follow from its value `y` (then they are no recorded operations of their own).
   */
  readonly step?: CustomCall;
  /** For a Riccati function (`f' = a + b y + c y²`), `[a, b, c]`: kernels compute `f'`, `f''` from `y`. */
  readonly coefficients?: Riccati;
}

/**
 * The rule of an elementwise unary primitive of shape `shape`. In the collapsed second order
 * it takes a broadcast series (shared along leading dims) and returns a full one.
 */
export function unaryRule<T>(shape: UnaryShape): TaylorRule<T> {
  const rule: TaylorRule<T> = takesBroadcast(([s0], [x], y, _p, ctx) => {
    if (s0 === null) return null;
    if (ctx.mode === "jet") return shape.jet(x, expanded(s0, x), y, ctx);
    // y_d = f' x_d,  Δy = f' Δx + f'' Σ_d x_d²
    let s = rowSize(s0, x) > 0 ? s0 : expanded(s0, x);
    if (s.ndim < y.ndim + 1) {
      // y = f(x) may have more (size-1, leading) dims than x: pow's broadcast exponent
      const ones = new Array<number>(y.ndim + 1 - s.ndim).fill(1);
      s = apply("reshape", [s], { shape: [s.shape[0], ...ones, ...s.shape.slice(1)] });
    }
    const d = ctx.rows - 1;
    if (!watched(x, s, y)) {
      const [e1, e2] = shape.derivsKernel?.(x, y) ??
        shape.derivs(x, y).map((v) => elementsOf(v, y)._buf);
      const m = s.numel / s.shape[0];
      return fromKernel(lapUnaryKernel(s._buf, e1, e2, d, y.numel, m), [ctx.rows, ...y.shape], s);
    }
    if (shape.step !== undefined && !levelWatched(s, y)) return apply("custom", [s, y], shape.step);
    const [d1, d2] = shape.derivs(x, y);
    const [e1, e2] = [elementsOf(d1, y), elementsOf(d2, y)];
    if (!levelWatched(s, e1, e2)) return apply("custom", [s, e1, e2], LAP_UNARY);
    const first = rows(s, 0, d);
    const sq = apply("sum", [mul(first, first)], { dims: [0], keepdim: false });
    const second = add(mul(row(s, d), e1), mul(sq, e2));
    return catRows([mul(first, e1), lift(second)]);
  });
  return withLazy(rule, lazyStep(shape));
}

/**
 * The lazy variant of {@linkcode unaryRule} (see `lazy.ts`): where nothing watches the step,
 * its series is made only when read, the summed row alone where only that is.
 */
function lazyStep(shape: UnaryShape): (
  series: readonly MaybeTensor[],
  inputs: readonly Tensor[],
  y: Tensor,
  params: unknown,
  ctx: TaylorCtx,
) => LazySeries | undefined {
  return ([s0], [x], y, _p, ctx) => {
    if (s0 === null || !shapesEqual(x.shape, y.shape)) return undefined;
    // a lazy series (whole: [rows, ...x.shape]) stays unmade until a part needs it
    const lazy = s0 instanceof LazySeries;
    let s = s0;
    if (!lazy && rowSize(s, x) <= 0) s = expanded(s, x);
    if (s.dtype !== y.dtype || watched(x, s, y)) return undefined;
    // f' and f'' now, or (a Riccati function's, float64) from y inside the kernels
    const abc = y.dtype === "float64" ? shape.coefficients : undefined;
    // the parts read f' and f'' through their storage: the series holds their tensors
    const derivs = abc !== undefined || shape.derivsKernel !== undefined
      ? []
      : shape.derivs(x, y).map((v) => elementsOf(v, y));
    const fresh = abc !== undefined ? undefined : shape.derivsKernel?.(x, y); // new arrays
    // tensors' storage is read when a part is made, so a released tensor throws then
    const e = (): readonly [Storage, Storage] =>
      abc !== undefined ? [y._buf, y._buf] : fresh ?? [derivs[0]._buf, derivs[1]._buf];
    const d = ctx.rows - 1, n = y.numel, m = lazy ? n : s.numel / s.shape[0];
    const src = lazy ? s0.adopt() : s;
    const buf = () => (src instanceof LazySeries ? src.whole()._buf : src._buf);
    const shaped = (b: Float64Array, r: number) => fromKernel(b, [r, ...y.shape], y);
    return new LazySeries([ctx.rows, ...y.shape], y.dtype, {
      full: () => shaped(lapUnaryKernel(buf(), ...e(), d, n, m, abc), ctx.rows),
      // the summed row alone: where only this reads the series, from the product in memory
      last: () => shaped(lapLastKernel(storageForSum(src), ...e(), d, n, m, abc), 1),
      lapView: () => lapStepView(buf(), ...e(), d, n, m, abc),
      lapInto: (memory, at, free) => lapStepInto(memory, at, free, buf(), ...e(), d, n, m, abc),
    }, [src, y, ...derivs]);
  };
}

/** Whether `vmap` or an enabled forward-mode or Taylor level watches any of `ts`. */
function levelWatched(...ts: readonly MaybeTensor[]): boolean {
  for (const t of ts) {
    if (t === null) continue;
    if (t._bat !== null) return true;
    if (hasEnabledEntry(t)) return true;
  }
  return false;
}

/** The masks `[1, …, 1, 0]` (the D direction rows) and `[0, …, 0, 1]` (the summed row). */
function rowMasks(s: Tensor): [Tensor, Tensor] {
  const n = s.shape[0];
  return [
    column(n, s.ndim, s, (i) => (i < n - 1 ? 1 : 0)),
    column(n, s.ndim, s, (i) => (i === n - 1 ? 1 : 0)),
  ];
}

const sum0 = (t: Tensor) => apply("sum", [t], { dims: [0], keepdim: false });

/**
 * The collapsed second-order step of an elementwise function as one recorded operation (the
 * forward Laplacian of a network under reverse mode: one node per activation instead of a
 * dozen). Inputs `[s, f', f'']` (the series `[D + 1, ...n]`, or one shared along leading dims
 * of `n` such as `[D + 1, 1, k]`, and the derivatives at the point, shaped `n`); output
 * `[f'·s_1, …, f'·s_D, f'·Δs + f''·Σ_d s_d²]`, shaped `[D + 1, ...n]`. The forward pass and,
 * outside `createGraph`, the VJP are plain loops; otherwise the VJP is written in Tensor
 * operations (so it differentiates again), as are the JVP and the inline definition.
 */
/** @ignore (exported for its tests) */
export const LAP_UNARY: CustomCall = {
  name: "LaplacianUnaryBackward",
  op: "laplacian's collapsed unary step",
  kind: "taylor",
  vectorized: false,
  inline: ([s, e1, e2]) => {
    const [m, last] = rowMasks(s);
    const sq = sum0(mul(mul(s, s), m));
    return add(mul(s, e1), mul(last, lift(mul(sq, e2))));
  },
  forward: ([s, e1, e2]) => lapForward(s, e1._buf, e2._buf, e1),
  vjp(g, [s, e1, e2], _out, needs) {
    const r = s.shape[0];
    if (!isGradEnabled() && !levelWatched(g, s, e1, e2)) {
      const n = e1.numel, m = s.numel / r;
      const bufs = lapUnaryVjpKernel(g._buf, s._buf, e1._buf, e2._buf, r - 1, n, needs, m);
      return bufs.map((b, i) => (b === null ? null : fromKernel(b, [s, e1, e2][i].shape, s)));
    }
    const [m, last] = rowMasks(s);
    const gl = sum0(mul(g, last));
    return [
      needs[0] ? sumToShape(add(mul(g, e1), mul(mul(s, m), mul(mul(e2, gl), 2))), s.shape) : null,
      needs[1] ? sum0(mul(g, s)) : null,
      needs[2] ? mul(gl, sum0(mul(mul(s, s), m))) : null,
    ];
  },
  jvp([ts, t1, t2], [s, e1, e2]) {
    // d(s f') = ts f' + s tf';  d(f'' Σ s_d²) = 2 f'' Σ s_d ts_d + tf'' Σ s_d² (last row)
    const [m, last] = rowMasks(s);
    const terms: Tensor[] = [];
    let lastRow: Tensor | null = null;
    if (ts !== null) {
      terms.push(mul(ts, e1));
      lastRow = mul(sum0(mul(mul(s, ts), m)), mul(e2, 2));
    }
    if (t1 !== null) terms.push(mul(s, t1));
    if (t2 !== null) {
      const q = mul(sum0(mul(mul(s, s), m)), t2);
      lastRow = lastRow === null ? q : add(lastRow, q);
    }
    if (lastRow !== null) terms.push(mul(last, lift(lastRow)));
    return terms.length === 0 ? null : terms.reduce((a, b) => add(a, b));
  },
};

/** The collapsed step of `s` with `f'`, `f''` given per element of `like` (a plain loop). */
function lapForward(s: Tensor, e1: Storage, e2: Storage, like: Tensor): Tensor {
  const r = s.shape[0];
  const buf = lapUnaryKernel(s._buf, e1, e2, r - 1, like.numel, s.numel / r);
  return fromKernel(buf, [r, ...like.shape], s);
}

/**
 * The collapsed step of a Riccati function `f' = a + b y + c y²` from its value: inputs
 * `[s, y]`, output as {@linkcode LAP_UNARY}'s with `f'` and `f'' = (b + 2 c y) f'` computed
 * inside, and `y`'s gradient `g₁ q + g₂ (2 c f' + q²)` (`q = b + 2 c y`, `g₁` and `g₂` the
 * gradients of `f'` and `f''`) one more loop of the VJP. The rules in Tensor operations (JVP,
 * inline definition, VJP under `createGraph`) are {@linkcode LAP_UNARY}'s, chained.
 */
function riccatiStep(a: number, b: number, c: number): CustomCall {
  // f', f'' and q = df'/dy as Tensor operations
  const derivs = (y: Tensor): [Tensor, Tensor, Tensor] => {
    const q = add(mul(y, 2 * c), b);
    const p = add(mul(add(mul(y, c), b), y), a);
    return [p, mul(q, p), q];
  };
  // df''/dy = 2 c f' + q²
  const dd2 = (p: Tensor, q: Tensor) => add(mul(p, 2 * c), mul(q, q));
  return {
    ...LAP_UNARY,
    inline: ([s, y]) => {
      const [e1, e2] = derivs(y);
      return (LAP_UNARY.inline as (i: readonly Tensor[]) => Tensor)([s, e1, e2]);
    },
    forward([s, y]) {
      const [e1, e2] = riccatiDerivsKernel(y._buf, a, b, c);
      return lapForward(s, e1, e2, y);
    },
    vjp(g, [s, y], out, needs) {
      const need3 = [needs[0], needs[1], needs[1]];
      if (!isGradEnabled() && !levelWatched(g, s, y)) {
        const r = s.shape[0], n = y.numel;
        const [e1, e2] = riccatiDerivsKernel(y._buf, a, b, c);
        const [gs, g1, g2] = lapUnaryVjpKernel(
          g._buf,
          s._buf,
          e1,
          e2,
          r - 1,
          n,
          need3,
          s.numel / r,
        );
        return [
          gs === null ? null : fromKernel(gs, s.shape, s),
          g1 === null ? null : fromKernel(riccatiChainKernel(y._buf, g1, g2!, a, b, c), y.shape, s),
        ];
      }
      const [e1, e2, q] = derivs(y);
      const [gs, g1, g2] = LAP_UNARY.vjp(g, [s, e1, e2], out, need3);
      return [gs, g1 === null ? null : add(mul(g1, q), mul(g2 as Tensor, dd2(e1, q)))];
    },
    jvp([ts, ty], [s, y], out) {
      const [e1, e2, q] = derivs(y);
      const t1 = ty === null ? null : mul(ty, q), t2 = ty === null ? null : mul(ty, dd2(e1, q));
      return LAP_UNARY.jvp([ts, t1, t2], [s, e1, e2], out);
    },
  };
}

/** `v` as a tensor of `like`'s shape (a number or a broadcastable tensor expanded). */
function elementsOf(v: Tensor | number, like: Tensor): Tensor {
  if (typeof v === "number") return filled(like.shape, like.dtype, v);
  return v.numel === like.numel ? v : apply("expand", [v], { shape: like.shape });
}

/** `j·x_j` for `j = 1..K`: the series of `x'` (times t) used by every recurrence. */
export function weightedRows(s: Tensor): Tensor {
  return mul(s, column(s.shape[0], s.ndim, s, (i) => i + 1));
}

/** Σ_{j=1..k} (j x_j) p_{k−j} for the newest k, given `pr = [p_{k−1}, …, p_0]`. */
function convolveStep(xw: Tensor, pr: Tensor, k: number): Tensor {
  return sumRows(mul(rows(xw, 0, k), pr));
}

/** `y' = (a + b y + c y²) x'`: exp (0, 1, 0), tanh (1, 0, −1), sigmoid (0, 1, −1), … */
export function riccati(a: number, b: number, c: number): UnaryShape {
  const poly = (y: Tensor) => add(mul(add(mul(y, c), b), y), a);
  return {
    jet(x, s, y) {
      const k = s.shape[0];
      if (!watched(x, s, y)) {
        return fromKernel(riccatiKernel(y._buf, s._buf, k, y.numel, a, b, c), s.shape, s);
      }
      const xw = weightedRows(s);
      const out: Tensor[] = [];
      let pr = lift(poly(y)); // [p_{m−1}, …, p_0]
      let yf = lift(y); // [y_0, …, y_{m−1}]
      let yr = yf; // [y_{m−1}, …, y_0]
      for (let m = 1; m <= k; m++) {
        const ym = mul(convolveStep(xw, pr, m), 1 / m);
        out.push(lift(ym));
        if (m === k) break;
        // p_m = b y_m + c Σ_{i=0..m} y_i y_{m−i}
        let pm = mul(ym, b);
        if (c !== 0) {
          let conv = mul(mul(y, ym), 2);
          if (m > 1) conv = add(conv, sumRows(mul(rows(yf, 1, m), rows(yr, 0, m - 1))));
          pm = add(pm, mul(conv, c));
        }
        yf = catRows([yf, lift(ym)]);
        yr = catRows([lift(ym), yr]);
        pr = catRows([lift(pm), pr]);
      }
      return catRows(out);
    },
    derivs(_x, y) {
      const p = poly(y);
      return [p, mul(add(mul(y, 2 * c), b), p)];
    },
    derivsKernel: (_x, y) => riccatiDerivsKernel(y._buf, a, b, c),
    step: riccatiStep(a, b, c),
    coefficients: [a, b, c],
  };
}

/**
 * `s' = c x'`, `c' = σ s x'`: sin and cos (σ = −1) or sinh and cosh (σ = 1) computed
 * together; `partner` gives the other function's value, `wantCos` says which one is the output.
 */
export function pair(sigma: number, wantCos: boolean, partner: (x: Tensor) => Tensor): UnaryShape {
  return {
    jet(x, s, y) {
      const k = s.shape[0];
      const other = partner(x);
      const [s0, c0] = wantCos ? [other, y] : [y, other];
      if (!watched(x, s, y)) {
        const buf = pairKernel(s0._buf, c0._buf, s._buf, k, y.numel, sigma, wantCos);
        return fromKernel(buf, s.shape, s);
      }
      const xw = weightedRows(s);
      const out: Tensor[] = [];
      let sr = lift(s0), cr = lift(c0); // newest first
      for (let m = 1; m <= k; m++) {
        const sm = mul(convolveStep(xw, cr, m), 1 / m);
        const cm = mul(convolveStep(xw, sr, m), sigma / m);
        out.push(lift(wantCos ? cm : sm));
        sr = catRows([lift(sm), sr]);
        cr = catRows([lift(cm), cr]);
      }
      return catRows(out);
    },
    derivs(x, y) {
      const other = partner(x);
      return [wantCos ? mul(other, sigma) : other, mul(y, sigma)];
    },
  };
}

/** `y = x^p` for a number or a constant tensor `p`: `x y' = p y x'`. */
export function power(p: number | Tensor): UnaryShape {
  return {
    jet(x, s, y) {
      const k = s.shape[0];
      if (typeof p === "number" && !watched(x, s, y) && x.numel === y.numel) {
        return fromKernel(powerKernel(x._buf, y._buf, s._buf, k, y.numel, p), s.shape, s);
      }
      // x_0 m y_m = Σ_{j=1..m} ((p + 1) j − m) x_j y_{m−j}
      const out: Tensor[] = [];
      let yr = lift(y);
      const p1 = add(p, 1);
      for (let m = 1; m <= k; m++) {
        const js = column(m, s.ndim, s, (i) => i + 1);
        const w = sub(mul(js, p1), m);
        const acc = sumRows(mul(mul(rows(s, 0, m), w), yr));
        const ym = apply("div", [acc, mul(x, m)], null);
        out.push(lift(ym));
        yr = catRows([lift(ym), yr]);
      }
      return catRows(out);
    },
    derivs(x) {
      const p1 = typeof p === "number" ? p - 1 : sub(p, 1);
      const p2 = typeof p === "number" ? p - 2 : sub(p, 2);
      return [mul(pow(x, p1), p), mul(mul(pow(x, p2), p), p1)];
    },
  };
}

/**
 * `y' = h(x) x'`, where `h` maps a jet to a jet through other primitives (so its series
 * comes from their rules): `y_k = (1/k) Σ_{j=1..k} j x_j h_{k−j}`.
 */
export function quadrature(h: (x: Jet, ctx: TaylorCtx) => Jet): UnaryShape {
  return {
    jet(x, s, _y, ctx) {
      const k = ctx.rows;
      let hs: Tensor;
      if (k === 1) hs = lift(h({ x, s: null }, ctx).x);
      else {
        const inner: TaylorCtx = { mode: "jet", rows: k - 1 };
        const hj = h({ x, s: rows(s, 0, k - 1) }, inner);
        hs = full(hj.x, hj.s ?? zeroSeries(hj.x, inner));
      }
      const z = cauchy("mul", null, weightedRows(s), hs, 0);
      return mul(z, column(k, z.ndim, z, (i) => 1 / (i + 1)));
    },
    derivs(x) {
      const probe: TaylorCtx = { mode: "jet", rows: 1 };
      const hj = h({ x, s: lift(filled(x.shape, x.dtype, 1)) }, probe);
      return [hj.x, hj.s === null ? 0 : row(hj.s, 0)];
    },
  };
}
