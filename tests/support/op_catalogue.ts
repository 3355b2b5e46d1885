/**
 * The catalogue of elementwise functions of one tensor: each entry once, with its reference
 * mathematics in plain JavaScript, the domain random tests draw from and the points (kinks,
 * poles, ties) they keep away from. It drives every per-op test of these functions: values
 * and third-order derivatives over random shapes (`ops_property_test.ts`,
 * `ops_core_test.ts`) and the samples the README's operations table is gradchecked at
 * (`ops_table.ts`); later rule families (Taylor mode) can take their cases from it too.
 *
 * @module
 */

import type fc from "fast-check";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { anyTensorArb, awayFrom } from "./props.ts";

/** One case: a function of one tensor and where it is checked. */
export interface UnaryCase {
  /** The case's name: the function's, plus its parameters when they matter (`pow 3`). */
  readonly name: string;
  /** The function. */
  readonly f: (x: Tensor) => Tensor;
  /** The same mathematics on one number. */
  readonly ref: (v: number) => number;
  /** The interval inputs are drawn from. */
  readonly lo: number;
  readonly hi: number;
  /** Points inputs keep `gap` away from (kinks, poles, jumps). */
  readonly avoid: readonly number[];
  readonly gap: number;
}

function c(
  name: string,
  f: (x: Tensor) => Tensor,
  ref: (v: number) => number,
  lo: number,
  hi: number,
  avoid: readonly number[] = [],
  gap = 0.05,
): UnaryCase {
  return { name, f, ref, lo, hi, avoid, gap };
}

/** The error function by its Maclaurin series (enough terms for |x| ≤ 3 in float64). */
export function erfRef(x: number): number {
  let s = 0;
  let term = x;
  for (let n = 0; n < 80; n++) {
    s += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * s;
}

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
const integers = [-2, -1, 0, 1, 2];

/** Every elementwise function of one tensor (and the number forms of the binary ones). */
export const UNARY: readonly UnaryCase[] = [
  c("neg", tg.neg, (v) => -v, -2, 2),
  c("exp", tg.exp, Math.exp, -2, 2),
  c("expm1", tg.expm1, Math.expm1, -2, 2),
  c("log", tg.log, Math.log, 0.3, 3),
  c("log1p", tg.log1p, Math.log1p, -0.6, 2),
  c("log2", tg.log2, Math.log2, 0.3, 3),
  c("sqrt", tg.sqrt, Math.sqrt, 0.3, 3),
  c("rsqrt", tg.rsqrt, (v) => 1 / Math.sqrt(v), 0.4, 3),
  c("square", tg.square, (v) => v * v, -2, 2),
  c("abs", tg.abs, Math.abs, -2, 2, [0]),
  c("sign", tg.sign, Math.sign, -2, 2, [0]),
  c("sin", tg.sin, Math.sin, -3, 3),
  c("cos", tg.cos, Math.cos, -3, 3),
  c("tan", tg.tan, Math.tan, -1, 1),
  c("asin", tg.asin, Math.asin, -0.8, 0.8),
  c("acos", tg.acos, Math.acos, -0.8, 0.8),
  c("atan", tg.atan, Math.atan, -2, 2),
  c("sinh", tg.sinh, Math.sinh, -2, 2),
  c("cosh", tg.cosh, Math.cosh, -2, 2),
  c("tanh", tg.tanh, Math.tanh, -2, 2),
  c("asinh", tg.asinh, Math.asinh, -2, 2),
  c("acosh", tg.acosh, Math.acosh, 1.3, 3),
  c("atanh", tg.atanh, Math.atanh, -0.8, 0.8),
  c("sigmoid", tg.sigmoid, sigmoid, -3, 3),
  c("logSigmoid", tg.logSigmoid, (v) => Math.log(sigmoid(v)), -4, 4),
  c("softplus", (x) => tg.softplus(x), (v) => Math.log1p(Math.exp(v)), -4, 4),
  c(
    "softplus β=2",
    (x) => tg.softplus(x, 2, 5),
    (v) => (2 * v > 5 ? v : Math.log1p(Math.exp(2 * v)) / 2),
    -4,
    4,
    [2.5],
  ),
  c("relu", tg.relu, (v) => Math.max(v, 0), -2, 2, [0]),
  c("leakyRelu", (x) => tg.leakyRelu(x, 0.2), (v) => (v > 0 ? v : 0.2 * v), -2, 2, [0]),
  c("elu", (x) => tg.elu(x, 1.5), (v) => (v > 0 ? v : 1.5 * Math.expm1(v)), -2, 2, [0]),
  c("gelu", (x) => tg.gelu(x), (v) => (v * (1 + erfRef(v / Math.SQRT2))) / 2, -2, 2),
  c(
    "gelu tanh",
    (x) => tg.gelu(x, "tanh"),
    (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
    -2,
    2,
  ),
  c("silu", tg.silu, (v) => v * sigmoid(v), -3, 3),
  c("erf", tg.erf, erfRef, -2, 2),
  c("reciprocal", tg.reciprocal, (v) => 1 / v, -2, 2, [0], 0.3),
  c("floor", tg.floor, Math.floor, -2, 2, integers),
  c("ceil", tg.ceil, Math.ceil, -2, 2, integers),
  // half-way points are where round-half-even and Math.round differ: kept away from
  c("round", tg.round, Math.round, -2, 2, [-1.5, -0.5, 0.5, 1.5]),
  c("clamp", (x) => tg.clamp(x, -0.5, 1), (v) => Math.min(Math.max(v, -0.5), 1), -2, 2, [-0.5, 1]),
  c("pow 0", (x) => tg.pow(x, 0), () => 1, -2, 2),
  c("pow 1", (x) => tg.pow(x, 1), (v) => v, -2, 2),
  c("pow 2", (x) => tg.pow(x, 2), (v) => v * v, -2, 2),
  c("pow 3", (x) => tg.pow(x, 3), (v) => v ** 3, -2, 2),
  c("pow 0.5", (x) => tg.pow(x, 0.5), Math.sqrt, 0.3, 3),
  c("pow -1", (x) => tg.pow(x, -1), (v) => 1 / v, -2, 2, [0], 0.3),
  c("pow -1.5", (x) => tg.pow(x, -1.5), (v) => v ** -1.5, 0.3, 3),
  c("pow -2.5", (x) => tg.pow(x, -2.5), (v) => v ** -2.5, 0.5, 3),
  c("2 ** x", (x) => tg.pow(2, x), (v) => 2 ** v, -2, 2),
  c("add 2.5", (x) => tg.add(x, 2.5), (v) => v + 2.5, -2, 2),
  c("2.5 - x", (x) => tg.sub(2.5, x), (v) => 2.5 - v, -2, 2),
  c("2.5 / x", (x) => tg.div(2.5, x), (v) => 2.5 / v, -2, 2, [0], 0.3),
];

/** The case named `name`. */
export function unaryCase(name: string): UnaryCase {
  const found = UNARY.find((u) => u.name === name);
  if (found === undefined) throw new Error(`no case ${name} in the op catalogue`);
  return found;
}

/** Random float64 tensors (rank ≤ maxRank, sizes ≤ maxDim) from the case's domain. */
export function inputsOf(u: UnaryCase, maxRank = 3, maxDim = 4): fc.Arbitrary<Tensor> {
  const arb = anyTensorArb(u.lo, u.hi, maxRank, maxDim);
  return u.avoid.length === 0 ? arb : awayFrom(arb, u.avoid, u.gap);
}

/** Fixed points at fractions `ts` of the case's domain, moved off the points it avoids. */
function pointsAt(u: UnaryCase, ts: readonly number[]): number[] {
  return ts.map((t) => {
    let v = u.lo + t * (u.hi - u.lo);
    for (const a of u.avoid) if (Math.abs(v - a) < u.gap * 2) v = a + u.gap * 2;
    return v;
  });
}

/** Three fixed points of the case's domain, away from what it avoids: a gradcheck sample. */
export function samplePoints(u: UnaryCase): Tensor {
  return tg.tensor(pointsAt(u, [0.21, 0.47, 0.83]), { dtype: "float64" });
}

/** A fixed batch of 3 examples of 3 points each (`[3, 3]`) from the case's domain. */
export function sampleBatch(u: UnaryCase): Tensor {
  const ts = [0.13, 0.37, 0.61, 0.29, 0.53, 0.77, 0.21, 0.47, 0.83];
  return tg.tensor(pointsAt(u, ts), { dtype: "float64", shape: [3, 3] });
}
