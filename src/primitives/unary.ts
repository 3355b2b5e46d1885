/**
 * Unary elementwise primitives. Each entry gives only its derivative `f'(x, y)` (`y` the
 * output), written in Tensor operations so it can be differentiated again; the
 * {@linkcode elementwise} factory makes `vjp = g · f'` and `jvp = t · f'` from it.
 *
 * Why each is a primitive: every one is a single kernel pass whose composite form would
 * either take more passes (`tan` as `sin / cos`, `cosh` from two `exp`, `relu` as a masked
 * product, `sign`) or lose accuracy (`expm1`, `log1p`, `log2` at powers of two, `acos` near
 * 1, `asinh`/`acosh`/`atanh`, the overflow-free `sigmoid` and `softplus`, `erf`). `neg`,
 * `reciprocal`, `square` and `rsqrt` are not primitives: they are `mul`, `div` and `pow`
 * with a constant operand, one pass as well.
 *
 * @module
 */

import { type DType, floatResult } from "../dtype.ts";
import type { Tensor } from "../tensor.ts";
import {
  tanhBackwardInputKernel,
  tanhBackwardKernel,
  tanhBackwardTangentKernel,
  toInt64Values,
  unaryKernel,
  type UnaryOp,
} from "../kernels/elementwise.ts";
import { add, mul, neg, pow, sub } from "../ops/arithmetic.ts";
import { gt, maskOf } from "../ops/compare.ts";
import { cos, cosh, exp, rsqrt, sigmoid, sign, sin, sinh } from "../ops/math.ts";
import { likeOutput, output, outputLike, soleTangents } from "./helpers.ts";
import { apply, isPlainCall, isRecordOnlyCall } from "../autograd/dispatch.ts";
import { elementwise, over, zeroTangent } from "./factories.ts";
import type { MaybeTensor, Rule, RuleTable } from "./types.ts";
import type { CustomCall } from "./custom.ts";
import { type BatchTable, broadcasting, each } from "../vmap/batching.ts";

/** Parameters of the unary primitives (none). */
export type UnaryParams = { [K in UnaryOp]: null };

type Deriv = (x: Tensor, y: Tensor) => Tensor | number;

function forwardOf(op: UnaryOp, dtypeOf: (d: DType) => DType) {
  return (inputs: readonly Tensor[]): Tensor => {
    const x = inputs[0];
    const out = output(x.shape, dtypeOf(x.dtype));
    unaryKernel(op, x._buf, out._buf);
    if (out.dtype === "int64") toInt64Values(out._buf);
    return out;
  };
}

const same = (d: DType) => d;

/**
 * A unary primitive with derivative `f'(x, y)` (`y` the output). `keep` keeps the input's
 * dtype (for integer-preserving ops); otherwise the result is floating.
 */
function unary(op: UnaryOp, name: string, deriv: Deriv, keep = false): Rule<null> {
  return elementwise(name, forwardOf(op, keep ? same : floatResult), (_, x, y) => deriv(x[0], y));
}

/** A unary primitive whose derivative is a quotient `1 / h(x, y)`: exact division, no reciprocal. */
function unaryQuotient(op: UnaryOp, name: string, h: Deriv): Rule<null> {
  return elementwise(name, forwardOf(op, floatResult), (_, x, y) => over(h(x[0], y)));
}

/** A piecewise-constant primitive (floor, sign, ...): zero derivative everywhere. */
function stepwise(op: UnaryOp, name: string): Rule<null> {
  return zeroTangent(name, forwardOf(op, same), true);
}

const oneMinusSquare = (v: Tensor) => sub(1, pow(v, 2));

/**
 * tanh with a one-pass backward where nothing is recorded: `g · (1 − y²)` in one loop and one
 * buffer instead of three (`pow`, `sub`, `mul`), rounding after each step as those three do
 * (so the bits are the same). Anything else (a graph to build, a transform level, mixed
 * dtypes or shapes) takes the composite rule.
 */
function fusedTanh(rule: Rule<null>): Rule<null> {
  return {
    ...rule,
    vjp(g, inputs, y, params, needs) {
      if (!needs[0] || !likeOutput(y, [g])) return rule.vjp(g, inputs, y, params, needs);
      if (isPlainCall([g, y])) return [tanhBackwardOf(g, y)];
      const t = fusedTanhTangent(g, y);
      if (t !== null) return [t];
      // a graph to record (createGraph) and nothing else: one node, as PyTorch records
      if (isRecordOnlyCall([g, y])) return [apply("custom", [g, y], TANH_BACKWARD)];
      return rule.vjp(g, inputs, y, params, needs);
    },
    // The tangent `t · (1 − y²)` is tanh's backward applied to `t` (PyTorch's
    // `auto_element_wise`): one loop where nothing records, one TanhBackwardBackward0 node
    // where only the tape does (the forward pass of a Hessian-vector product), as PyTorch.
    jvp(tangents, inputs, y, params) {
      const t = tangents[0];
      if (t !== null && likeOutput(y, [t])) {
        if (isPlainCall([t, y])) return tanhBackwardOf(t, y);
        if (isRecordOnlyCall([t, y])) return apply("custom", [t, y], TANH_BACKWARD);
      }
      return rule.jvp(tangents, inputs, y, params);
    },
  };
}

/** `g · (1 − y²)` in one loop, for `g` shaped and typed like `y` (float32 or float64). */
function tanhBackwardOf(g: Tensor, y: Tensor): Tensor {
  const out = outputLike(y, y.dtype);
  tanhBackwardKernel(g._buf, y._buf, out._buf, y.dtype === "float32");
  return out;
}

/**
 * tanh's backward `g · (1 − y²)` recorded as ONE node under `createGraph` (PyTorch's
 * `TanhBackwardBackward0`) instead of the composite's three (`pow`, `sub`, `mul`): a
 * reverse-over-reverse pass (nested `grad`, a Laplacian by one backward per dimension) then
 * runs one fused rule per layer. Every result rounds as the composite's kernels round (same
 * bits); where a transform or forward level watches, the rules are the composite's Tensor ops.
 */
const TANH_BACKWARD: CustomCall = {
  name: "TanhBackwardBackward0",
  op: "tanh's backward",
  kind: "customVjp",
  vectorized: false,
  inline: ([g, y]) => mul(g, oneMinusSquare(y)),
  forward: ([g, y]) => tanhBackwardOf(g, y),
  vjp(gg, [g, y], _out, needs): MaybeTensor[] {
    if (isPlainCall([gg, g, y]) && likeOutput(y, [gg, g])) {
      let dy: Tensor | null = null;
      if (needs[1]) {
        dy = outputLike(y, y.dtype);
        tanhBackwardInputKernel(gg._buf, g._buf, y._buf, dy._buf, y.dtype === "float32");
      }
      return [needs[0] ? tanhBackwardOf(gg, y) : null, dy];
    }
    const again = isRecordOnlyCall([gg, y]) && likeOutput(y, [gg]);
    return [
      needs[0]
        ? (again ? apply("custom", [gg, y], TANH_BACKWARD) : mul(gg, oneMinusSquare(y)))
        : null,
      needs[1] ? mul(neg(mul(gg, g)), mul(y, 2)) : null,
    ];
  },
  jvp([tg, ty], [g, y]) {
    // the composite's: tg · (1 − y²) + (−(ty · 2y)) · g
    const a = tg === null ? null : mul(tg, oneMinusSquare(y));
    if (ty === null) return a;
    const b = mul(neg(mul(ty, mul(y, 2))), g);
    return a === null ? b : add(a, b);
  },
};

/**
 * tanh's backward under one plain tangent level with nothing recorded (the inner backward
 * pass of a Hessian-vector product, forward over reverse): the product and its tangent in two
 * loops instead of the composite's ten primitives, rounding as they do (same bits). `null`
 * where the composite must run (another level, a graph to record, batched or other-shaped
 * tangents).
 */
function fusedTanhTangent(g: Tensor, y: Tensor): Tensor | null {
  const sole = soleTangents([g, y], y);
  if (sole === undefined) return null;
  const out = tanhBackwardOf(g, y);
  const { level, tangents: [tg, ty] } = sole;
  if (level === null || (tg === null && ty === null)) return out;
  const t = outputLike(y, y.dtype);
  tanhBackwardTangentKernel(
    g._buf,
    y._buf,
    tg === null ? null : tg._buf,
    ty === null ? null : ty._buf,
    t._buf,
    y.dtype === "float32",
  );
  out._fw = { level, tangent: t, next: null };
  return out;
}

/** Rules of the unary primitives. */
export const unaryRules: RuleTable<UnaryParams> = {
  // d e^x = e^x dx
  exp: unary("exp", "ExpBackward0", (_x, y) => y),
  // d(e^x - 1) = e^x dx
  expm1: unary("expm1", "Expm1Backward0", (_x, y) => add(y, 1)),
  // d log x = dx / x
  log: unaryQuotient("log", "LogBackward0", (x) => x),
  // d log(1 + x) = dx / (1 + x)
  log1p: unaryQuotient("log1p", "Log1PBackward0", (x) => add(x, 1)),
  // d log2 x = dx / (x ln 2)
  log2: unaryQuotient("log2", "Log2Backward0", (x) => mul(x, Math.LN2)),
  // d √x = dx / (2√x)
  sqrt: unaryQuotient("sqrt", "SqrtBackward0", (_x, y) => mul(y, 2)),
  // d|x| = sign(x) dx (0 at 0, as PyTorch)
  abs: unary("abs", "AbsBackward0", (x) => sign(x), true),
  sign: stepwise("sign", "SignBackward0"),
  // d sin x = cos x dx
  sin: unary("sin", "SinBackward0", (x) => cos(x)),
  // d cos x = -sin x dx
  cos: unary("cos", "CosBackward0", (x) => neg(sin(x))),
  // d tan x = (1 + tan² x) dx
  tan: unary("tan", "TanBackward0", (_x, y) => add(pow(y, 2), 1)),
  // d asin x = dx / √(1 - x²)
  asin: unary("asin", "AsinBackward0", (x) => rsqrt(oneMinusSquare(x))),
  // d acos x = -dx / √(1 - x²)
  acos: unary("acos", "AcosBackward0", (x) => neg(rsqrt(oneMinusSquare(x)))),
  // d atan x = dx / (1 + x²)
  atan: unaryQuotient("atan", "AtanBackward0", (x) => add(pow(x, 2), 1)),
  // d sinh x = cosh x dx
  sinh: unary("sinh", "SinhBackward0", (x) => cosh(x)),
  // d cosh x = sinh x dx
  cosh: unary("cosh", "CoshBackward0", (x) => sinh(x)),
  // d tanh x = (1 - tanh² x) dx
  tanh: fusedTanh(unary("tanh", "TanhBackward0", (_x, y) => oneMinusSquare(y))),
  // d asinh x = dx / √(x² + 1)
  asinh: unary("asinh", "AsinhBackward0", (x) => rsqrt(add(pow(x, 2), 1))),
  // d acosh x = dx / √(x² - 1)
  acosh: unary("acosh", "AcoshBackward0", (x) => rsqrt(sub(pow(x, 2), 1))),
  // d atanh x = dx / (1 - x²)
  atanh: unaryQuotient("atanh", "AtanhBackward0", (x) => oneMinusSquare(x)),
  // d σ(x) = σ(x)(1 - σ(x)) dx
  sigmoid: unary("sigmoid", "SigmoidBackward0", (_x, y) => mul(y, sub(1, y))),
  // d relu x = [x > 0] dx (0 at 0, as PyTorch)
  relu: unary("relu", "ReluBackward0", (x) => maskOf(gt(x, 0), x), true),
  // d log(1 + e^x) = σ(x) dx
  softplus: unary("softplus", "SoftplusBackward0", (x) => sigmoid(x)),
  // d erf x = (2/√π) e^(-x²) dx
  erf: unary("erf", "ErfBackward0", (x) => mul(exp(neg(pow(x, 2))), 2 / Math.sqrt(Math.PI))),
  floor: stepwise("floor", "FloorBackward0"),
  ceil: stepwise("ceil", "CeilBackward0"),
  round: stepwise("round", "RoundBackward0"),
  logicalNot: zeroTangent("logicalNot", forwardOf("logicalNot", () => "bool")),
};

/** Batching rules of the unary primitives: elementwise, the batch is one more dimension. */
export const unaryBatchRules: BatchTable<UnaryParams> = each<UnaryParams>(unaryRules, broadcasting);
