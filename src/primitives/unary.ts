/**
 * Unary elementwise primitives. Most share one rule shape, built by {@linkcode unary}:
 * `vjp = g · f'(x)` and `jvp = t · f'(x)`, with the derivative `f'` written in Tensor
 * operations (from the input `x` or the output `y`) so it can be differentiated again.
 *
 * @module
 */

import { type DType, floatResult } from "../dtype.ts";
import type { Tensor } from "../tensor.ts";
import { toInt64Values, unaryKernel, type UnaryOp } from "../kernels/elementwise.ts";
import { add, div, mul, neg, pow, sub } from "../ops/arithmetic.ts";
import { gt, maskOf } from "../ops/compare.ts";
import { cos, cosh, exp, rsqrt, sigmoid, sign, sin, sinh } from "../ops/math.ts";
import { filled } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import type { Rule, RuleTable } from "./types.ts";

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
  return {
    name,
    saves: true,
    forward: forwardOf(op, keep ? same : floatResult),
    vjp: (g, [x], y) => [mul(g, deriv(x, y))],
    jvp: ([t], [x], y) => (t === null ? null : mul(t, deriv(x, y))),
  };
}

/** A unary primitive whose derivative is a quotient `1 / h(x, y)`: exact division, no reciprocal. */
function unaryQuotient(op: UnaryOp, name: string, h: Deriv): Rule<null> {
  return {
    name,
    saves: true,
    forward: forwardOf(op, floatResult),
    vjp: (g, [x], y) => [div(g, h(x, y))],
    jvp: ([t], [x], y) => (t === null ? null : div(t, h(x, y))),
  };
}

/** A piecewise-constant primitive (floor, sign, ...): zero derivative everywhere. */
function stepwise(op: UnaryOp, name: string): Rule<null> {
  return {
    name,
    saves: false,
    forward: forwardOf(op, same),
    vjp: (g) => [filled(g.shape, g.dtype, 0)],
    jvp: () => null,
  };
}

const oneMinusSquare = (v: Tensor) => sub(1, pow(v, 2));

/** Rules of the unary primitives. */
export const unaryRules: RuleTable<UnaryParams> = {
  // d(-x) = -dx
  neg: {
    name: "NegBackward0",
    saves: false,
    forward: forwardOf("neg", same),
    vjp: (g) => [neg(g)],
    jvp: ([t]) => (t === null ? null : neg(t)),
  },
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
  // d x^(-1/2) = -(1/2) x^(-3/2) dx = -(y / 2x) dx
  rsqrt: unary("rsqrt", "RsqrtBackward0", (x, y) => mul(div(y, x), -0.5)),
  // d x² = 2x dx
  square: unary("square", "PowBackward0", (x) => mul(x, 2), true),
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
  tanh: unary("tanh", "TanhBackward0", (_x, y) => oneMinusSquare(y)),
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
  // d(1/x) = -(1/x)² dx
  reciprocal: unary("reciprocal", "ReciprocalBackward0", (_x, y) => neg(pow(y, 2))),
  logicalNot: {
    name: "logicalNot",
    saves: false,
    forward: forwardOf("logicalNot", () => "bool"),
    vjp: () => [null],
    jvp: () => null,
  },
};
