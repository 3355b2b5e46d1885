/**
 * The Taylor rule table: for every primitive, how its output's series follows from its
 * inputs' series. Typed `{ [P in Primitive]: TaylorRule<Params[P]> }`, so a primitive without
 * a Taylor rule does not compile. Most entries come from the rule shapes of `shapes.ts`; a
 * new elementwise function costs one line naming its ODE.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, Params, Primitive } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, div, mul, neg, scalar, sub } from "../ops/arithmetic.ts";
import { eq, ge, gt, lt, maskOf, where } from "../ops/compare.ts";
import { abs, cos, cosh, sign, sin, sinh } from "../ops/math.ts";
import { pow } from "../ops/arithmetic.ts";
import { reducedShape, unreduce } from "../primitives/factories.ts";
import { AutogradError } from "../errors.ts";
import { atLevel, tangentAt } from "../autograd/forward_ad.ts";
import {
  conformSeries,
  expanded,
  type Jet,
  overRows,
  rowSize,
  takesBroadcast,
  type TaylorCtx,
  type TaylorRule,
  zeroSeries,
} from "./series.ts";
import {
  bilinear,
  linear,
  pair,
  power,
  quadrature,
  riccati,
  unaryRule,
  type UnaryShape,
  weighted,
  zero,
} from "./shapes.ts";
import { fits, LazySeries, linearLazy, withLazy } from "./lazy.ts";
import { choleskyRule, detRule, logabsdetRule, solveRule, triangularSolveRule } from "./linalg.ts";

/** Applies `prim` to jets: the primal as usual, the series by the primitive's Taylor rule. */
export function jetApply<P extends Primitive>(
  prim: P,
  jets: readonly Jet[],
  params: Params[P],
  ctx: TaylorCtx,
): Jet {
  const xs = jets.map((j) => j.x);
  const out = apply(prim, xs, params);
  const ss = jets.map((j) => j.s);
  if (!isFloating(out.dtype) || ss.every((s) => s === null)) return { x: out, s: null };
  const s = (TAYLOR_RULES[prim] as TaylorRule<Params[P]>)(ss, xs, out, params, ctx);
  return { x: out, s: s === null ? null : conformSeries(s, out, ctx, prim) };
}

type UnaryPrim = "exp" | "sigmoid" | "log";
const ju = (prim: UnaryPrim) => (a: Jet, ctx: TaylorCtx): Jet => jetApply(prim, [a], null, ctx);
const jexp = ju("exp"), jsig = ju("sigmoid");
/** A jet through a unary shape whose value is `f(x)` (for functions that are not primitives). */
const jshape = (shape: UnaryShape, f: (x: Tensor) => Tensor) => (a: Jet, ctx: TaylorCtx): Jet => {
  const y = f(a.x);
  return { x: y, s: a.s === null ? null : unaryRule(shape)([a.s], [a.x], y, null, ctx) };
};
const jrecip = jshape(riccati(0, 0, -1), (x) => div(1, x)); // y' = −y² x'
const jrsqrt = jshape(power(-0.5), (x) => pow(x, -0.5));
const jmul = (a: Jet, b: Jet, ctx: TaylorCtx): Jet => jetApply("mul", [a, b], null, ctx);
/** `c·a` and `a + c` for constants: affine maps need no rule. */
const jscale = (a: Jet, c: number): Jet => ({ x: mul(a.x, c), s: a.s && mul(a.s, c) });
const jshift = (a: Jet, c: number | Tensor): Jet => ({ x: add(a.x, c), s: a.s });
const jsq = (a: Jet, ctx: TaylorCtx): Jet => jmul(a, a, ctx);

/** A rule computed by running other primitives' rules on jets. */
function composite<T>(
  f: (jets: Jet[], inputs: readonly Tensor[], out: Tensor, params: T, ctx: TaylorCtx) => Jet,
): TaylorRule<T> {
  return (series, inputs, out, params, ctx) =>
    f(inputs.map((x, i) => ({ x, s: series[i] })), inputs, out, params, ctx).s;
}

/**
 * `x^c` for a number `c`: repeated products (Cauchy) for small whole `c`, the power recurrence
 * otherwise. The recurrence divides by x_0 at every order and loses accuracy geometrically
 * where |x_0| is small against the series' scale (`tanh(x)²` at 0.3: 23% off at order 30), and
 * fails at zeros; the products are stable everywhere (negative whole powers: products of the
 * Riccati 1/x, which divides by nothing).
 */
function powNumber(s: Tensor, x: Tensor, out: Tensor, c: number, ctx: TaylorCtx): MaybeTensor {
  if (c === 0) return null;
  if (c === 1) return s;
  if (Number.isInteger(c) && Math.abs(c) <= 64) {
    // x^−m = (1/x)^m, with 1/x from its Riccati recurrence (no division by x_0)
    let base: Jet = c > 0 ? { x, s } : jrecip({ x, s }, ctx), acc: Jet | null = null;
    for (let e = Math.abs(c); e > 0; e >>= 1) {
      if (e & 1) acc = acc === null ? base : jmul(acc, base, ctx);
      if (e > 1) base = jsq(base, ctx);
    }
    return (acc as Jet).s;
  }
  return unaryRule(power(c))([s], [x], out, null, ctx);
}

/**
 * `a^b`: for a constant exponent the power shape (a number: repeated products for
 * whole powers), else `exp(b log a)`.
 */
const powRule: TaylorRule<null> = ([sa, sb], [a, b], out, _p, ctx) => {
  if (sb === null) {
    const sx = sa as Tensor;
    if (b.numel === 1 && out.numel === a.numel) return powNumber(sx, a, out, b._buf[0], ctx);
    const x = apply("expand", [a], { shape: out.shape });
    const s = overRows("expand", [sx], [true], { shape: out.shape });
    return unaryRule(power(b))([s], [x], out, null, ctx);
  }
  // z = b log a, y = exp(z) with y_0 the output
  const z = jmul({ x: b, s: sb }, jetApply("log", [{ x: a, s: sa }], null, ctx), ctx);
  return unaryRule(riccati(0, 1, 0))([z.s], [z.x], out, null, ctx);
};

/** `atan2(a, b)`: `atan(a/b)` where `|b| ≥ |a|`, else `−atan(b/a)` (equal up to a constant). */
const atan2Rule = composite<null>(([ja, jb], [a, b], _o, _p, ctx) => {
  const first = ge(abs(b), abs(a));
  const zero0 = scalar(0, a.dtype);
  const pick = (j: Jet, onFirst: boolean): Jet => ({
    x: where(first, onFirst ? j.x : 1, onFirst ? 1 : j.x),
    s: j.s === null ? null : overRows(
      "where",
      [first, onFirst ? j.s : zero0, onFirst ? zero0 : j.s],
      [false, onFirst, !onFirst],
      null,
    ),
  });
  const q1 = jetApply("div", [pick(ja, true), pick(jb, true)], null, ctx);
  const q2 = jetApply("div", [pick(jb, false), pick(ja, false)], null, ctx);
  const t1 = jetApply("atan", [q1], null, ctx), t2 = jetApply("atan", [q2], null, ctx);
  const zs = (s: MaybeTensor, x: Tensor) => s ?? zeroSeries(x, ctx);
  const s = overRows(
    "where",
    [first, zs(t1.s, t1.x), neg(zs(t2.s, t2.x))],
    [false, true, true],
    null,
  );
  return { x: t1.x, s };
});

/** The weight of `a` in `maximum(a, b)`: 1 where it wins, 1/2 on ties (as the JVP). */
function extremum(wins: typeof gt): TaylorRule<null> {
  return ([sa, sb], [a, b]) => {
    const wa = add(maskOf(wins(a, b), a), mul(maskOf(eq(a, b), a), 0.5));
    const ta = sa === null ? null : overRows("mul", [sa, wa], [true, false], null);
    const tb = sb === null ? null : overRows("mul", [sb, sub(1, wa)], [true, false], null);
    if (ta === null) return tb;
    if (tb === null) return ta;
    return add(ta, tb);
  };
}

/** The series of `log Σ exp(x)` along `dim` (kept), shifted by the constant max for stability. */
function logsumexpJet(x: Jet, dim: number, ctx: TaylorCtx): Jet {
  const m = apply("amax", [x.x], { dims: [dim], keepdim: true });
  const e = jexp(jshift(x, neg(m)), ctx);
  const s = jetApply("sum", [e], { dims: [dim], keepdim: true }, ctx);
  return jshift(jetApply("log", [s], null, ctx), m);
}

/** Rules of reductions that pick extremes: the derivative splits among ties (as the JVP). */
function extremeRule(): TaylorRule<Params["amax"]> {
  return weighted<Params["amax"]>(
    ([x], out, p) => {
      const mask = maskOf(eq(x, unreduce(out, x.shape, p)), x);
      return apply("div", [mask, apply("sum", [mask], { dims: p.dims, keepdim: true })], null);
    },
    (w, p) => overRows("sum", [w], [true], p),
  );
}

const sqrtOf = (v: number) => Math.sqrt(v);

const divJets = composite<null>(([a, b], _i, _o, _p, ctx) => jmul(a, jrecip(b, ctx), ctx));

/** `a / b`: by a constant `b`, linear in `a` (a broadcast series stays one); else `a · (1/b)`. */
const divRule = takesBroadcast<null>((series, inputs, out, params, ctx) => {
  const [sa, sb] = series;
  if (sb === null) return overRows("div", [sa as Tensor, inputs[1]], [true, false], null);
  const full = series.map((s, i) => (s === null ? null : expanded(s, inputs[i])));
  return divJets(full, inputs, out, params, ctx);
});
const divByConstant = linearLazy(divRule, "div");
withLazy(
  divRule,
  (series, ...rest) => (series[1] === null ? divByConstant(series, ...rest) : undefined),
);

const reshapeLinear = linear("reshape");

/**
 * `reshape` of a series that is the same along leading dims of `x` (the batch of a shared
 * series): when the new shape ends in dims holding exactly one of its rows, the reshaped row
 * keeps the series broadcast; otherwise it is expanded and reshaped.
 */
const reshapeRule = takesBroadcast<Params["reshape"]>((series, [x], out, params, ctx) => {
  const s = series[0];
  if (s === null) return null;
  const m = rowSize(s, x);
  if (m > 0 && m < x.numel) {
    const shape = params.shape;
    let t = shape.length, size = 1;
    while (t > 0 && size < m) size *= shape[--t];
    if (size === m) {
      const ones = new Array<number>(t).fill(1);
      return apply("reshape", [s], { shape: [s.shape[0], ...ones, ...shape.slice(t)] });
    }
  }
  return reshapeLinear([expanded(s, x)], [x], out, params, ctx);
});
// a lazy series is whole (`[rows, ...x.shape]`): reshaped, it keeps its elements' order
withLazy(
  reshapeRule,
  ([s], _i, out, _p, ctx) =>
    s instanceof LazySeries ? s.reshaped([ctx.rows, ...out.shape]) : undefined,
);

/** `a + α b`: with one series, it passes through (a lazy one stays lazy). */
const addRule = takesBroadcast<Params["add"]>(([sa, sb], _i, _o, { alpha }) => {
  if (sb === null) return sa;
  if (sa === null) return alpha === 1 ? sb : neg(sb);
  return overRows("add", [sa, sb], [true, true], { alpha });
});
const addLazy = linearLazy(addRule, "add");
withLazy(addRule, (series, inputs, out, params, ctx) => {
  const [sa, sb] = series;
  if (sa instanceof LazySeries && sb === null && fits(sa, out, ctx)) return sa;
  return addLazy(series, inputs, out, params, ctx);
});

/** Every primitive's Taylor rule. */
export const TAYLOR_RULES: { readonly [P in Primitive]: TaylorRule<Params[P]> } = {
  // unary: linear, piecewise, and one ODE each
  exp: unaryRule(riccati(0, 1, 0)), // y' = y x'
  expm1: unaryRule(riccati(1, 1, 0)), // y' = (1 + y) x'
  log: unaryRule(quadrature((x, c) => jrecip(x, c))), // y' = x' / x
  log1p: unaryRule(quadrature((x, c) => jrecip(jshift(x, 1), c))), // y' = x' / (1 + x)
  log2: unaryRule(quadrature((x, c) => jrecip(jscale(x, Math.LN2), c))), // y' = x' / (x ln 2)
  sqrt: unaryRule(power(0.5)), // x y' = y x' / 2
  abs: weighted(([x]) => sign(x)), // the branch at the point (0 at 0, as the JVP)
  sign: zero(),
  sin: unaryRule(pair(-1, false, cos)), // s' = c x', c' = −s x'
  cos: unaryRule(pair(-1, true, sin)),
  tan: unaryRule(riccati(1, 0, 1)), // y' = (1 + y²) x'
  asin: unaryRule(quadrature((x, c) => jrsqrt(jshift(jscale(jsq(x, c), -1), 1), c))), // y' = x'/√(1−x²)
  acos: unaryRule(
    quadrature((x, c) => jscale(jrsqrt(jshift(jscale(jsq(x, c), -1), 1), c), -1)), // y' = −x'/√(1−x²)
  ),
  atan: unaryRule(quadrature((x, c) => jrecip(jshift(jsq(x, c), 1), c))), // y' = x' / (1 + x²)
  sinh: unaryRule(pair(1, false, cosh)), // s' = c x', c' = s x'
  cosh: unaryRule(pair(1, true, sinh)),
  tanh: unaryRule(riccati(1, 0, -1)), // y' = (1 − y²) x'
  asinh: unaryRule(quadrature((x, c) => jrsqrt(jshift(jsq(x, c), 1), c))), // y' = x'/√(x²+1)
  acosh: unaryRule(quadrature((x, c) => jrsqrt(jshift(jsq(x, c), -1), c))), // y' = x'/√(x²−1)
  atanh: unaryRule(quadrature((x, c) => jrecip(jshift(jscale(jsq(x, c), -1), 1), c))), // x'/(1−x²)
  sigmoid: unaryRule(riccati(0, 1, -1)), // y' = y (1 − y) x'
  relu: weighted(([x]) => maskOf(gt(x, 0), x)), // the branch at the point (0 at 0)
  softplus: unaryRule(quadrature((x, c) => jsig(x, c))), // y' = σ(x) x'
  // y' = (2/√π) e^(−x²) x'
  erf: unaryRule(quadrature((x, c) => jscale(jexp(jscale(jsq(x, c), -1), c), 2 / sqrtOf(Math.PI)))),
  floor: zero(),
  ceil: zero(),
  round: zero(),
  logicalNot: zero(),
  // binary: (a + αb)⁽ᵏ⁾ = a⁽ᵏ⁾ + α b⁽ᵏ⁾
  // (broadcast series add as they are)
  add: addRule,
  mul: bilinear("mul"),
  div: divRule,
  pow: powRule,
  maximum: extremum(gt),
  minimum: extremum(lt),
  atan2: atan2Rule,
  eq: zero(),
  ne: zero(),
  lt: zero(),
  le: zero(),
  gt: zero(),
  ge: zero(),
  logicalAnd: zero(),
  logicalOr: zero(),
  where: ([_sc, sa, sb], [c, a, b], _o, _p, ctx) => {
    if (sa === null && sb === null) return null;
    const za = sa ?? zeroSeries(a, ctx), zb = sb ?? zeroSeries(b, ctx);
    return overRows("where", [c, za, zb], [false, true, true], null);
  },
  // reductions
  sum: linear("sum"),
  amax: extremeRule(),
  amin: extremeRule(),
  norm2: composite(([x], _i, _o, p, ctx) => {
    // √(Σ x²), with a zero series where the norm is 0 (its JVP's convention there)
    const q = jetApply("sum", [jsq(x, ctx)], p, ctx);
    if (q.s === null) return q;
    const zero = eq(q.x, 0);
    const r = jetApply("sqrt", [{ x: where(zero, 1, q.x), s: where(zero, 0, q.s) }], null, ctx);
    return { x: r.x, s: r.s === null ? null : where(zero, 0, r.s) };
  }),
  cumsum: linear("cumsum"),
  argmax: zero(),
  argmin: zero(),
  logsumexp: ([s], [x], _out, { dim, keepdim }, ctx) => {
    const l = logsumexpJet({ x, s }, dim, ctx);
    if (l.s === null || keepdim) return l.s;
    return overRows("reshape", [l.s], [true], {
      shape: reducedShape(x.shape, { dims: [dim], keepdim }),
    });
  },
  softmax: ([s], [x], out, { dim }, ctx) => {
    const l = logsumexpJet({ x, s }, dim, ctx);
    const z = overRows("add", [s as Tensor, l.s as Tensor], [true, true], { alpha: -1 });
    return unaryRule(riccati(0, 1, 0))([z], [x], out, null, ctx); // y = exp(x − lse)
  },
  logSoftmax: ([s], [x], _o, { dim }, ctx) => {
    const l = logsumexpJet({ x, s }, dim, ctx);
    return overRows("add", [s as Tensor, l.s as Tensor], [true, true], { alpha: -1 });
  },
  // layout: all linear
  reshape: reshapeRule,
  permute: linear("permute"),
  expand: linear("expand"),
  cast: (series, inputs, out, params, ctx) =>
    isFloating(params.dtype) ? linear("cast")(series, inputs, out, params, ctx) : null,
  cat: (series, inputs, out, params, ctx) =>
    linear("cat", inputs.map((_, i) => i))(series, inputs, out, params, ctx),
  slice: linear("slice"),
  sliceScatter: linear("sliceScatter"),
  matmul: bilinear("matmul"),
  gather: linear("gather"), // linear in x; the index is a constant
  scatterAdd: linear("scatterAdd", [0, 2]),
  // linear algebra through the defining identities
  solve: solveRule,
  triangularSolve: triangularSolveRule,
  det: detRule,
  detSign: zero(),
  logabsdet: logabsdetRule,
  cholesky: choleskyRule,
  // an operation defined by closures brings a VJP or JVP, not a series rule: its inline
  // definition in Tensor operations (checkpoint's function, customJvp's `inline`) runs at
  // this level again instead, or the call is refused
  custom: (_s, inputs, out, call, ctx) => {
    const level = ctx.level;
    if (call.inline === null || level === undefined) {
      throw new AutogradError(
        `${call.op} has no Taylor-mode rule: a custom operation defines first-order rules (a ` +
          `VJP or a JVP), from which jet, derivative and laplacian cannot build series; give ` +
          `it an inline definition in Tensor operations`,
      );
    }
    const inline = call.inline;
    const y = atLevel(level, () => inline(inputs));
    if (y.numel !== out.numel) {
      throw new AutogradError(`${call.op}: its inline definition returns another shape than it`);
    }
    return tangentAt(y, level);
  },
};
