/**
 * Binary elementwise primitives (broadcasting), their scalar forms, comparisons and `where`.
 * Gradients may come out in the broadcast shape: the engine sums them to each input's shape.
 *
 * @module
 */

import {
  type DType,
  floatResult,
  promoteShaped,
  promoteTypes,
  promoteWithNumber,
} from "../dtype.ts";
import { broadcastShapes } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import {
  binaryKernel,
  type BinaryOp,
  scalarKernel,
  type ScalarOp,
  toInt64Values,
  whereKernel,
} from "../kernels/elementwise.ts";
import { add, div, mul, neg, pow, sub } from "../ops/arithmetic.ts";
import { eq, gt, logicalAnd, lt, maskOf, where } from "../ops/compare.ts";
import { log } from "../ops/math.ts";
import { addMaybe, mulMaybe, output, subMaybe } from "./helpers.ts";
import type { Rule, RuleTable } from "./types.ts";

/** Parameters of the binary primitives. */
export interface BinaryParams {
  add: null;
  sub: null;
  mul: null;
  div: null;
  pow: null;
  maximum: null;
  minimum: null;
  atan2: null;
  eq: null;
  ne: null;
  lt: null;
  le: null;
  gt: null;
  ge: null;
  logicalAnd: null;
  logicalOr: null;
  where: null;
  /** `x + c` */
  addScalar: number;
  /** `x * c` */
  mulScalar: number;
  /** `x / c` */
  divScalar: number;
  /** `x ** c` */
  powScalar: number;
  /** `c - x` */
  rsubScalar: number;
  /** `c / x` */
  rdivScalar: number;
}

function binaryForward(op: BinaryOp, dtypeOf: (a: DType, b: DType) => DType) {
  return (inputs: readonly Tensor[]): Tensor => {
    const [a, b] = inputs;
    const shape = broadcastShapes(a.shape, b.shape, op);
    const d = promoteShaped(a.dtype, a.ndim === 0, b.dtype, b.ndim === 0);
    const out = output(shape, dtypeOf(d, d));
    binaryKernel(op, a._buf, a.shape, b._buf, b.shape, shape, out._buf);
    if (out.dtype === "int64") toInt64Values(out._buf);
    return out;
  };
}

function scalarForward(op: ScalarOp, dtypeOf: (d: DType, c: number) => DType = promoteWithNumber) {
  return (inputs: readonly Tensor[], c: number): Tensor => {
    const x = inputs[0];
    const out = output(x.shape, dtypeOf(x.dtype, c));
    scalarKernel(op, x._buf, c, out._buf);
    if (out.dtype === "int64") toInt64Values(out._buf);
    return out;
  };
}

const floatOf = (a: DType, b: DType) => floatResult(promoteTypes(a, b));
const boolOf = () => "bool" as const;

/** A comparison or logical primitive: no gradient. */
function predicate(op: BinaryOp): Rule<null> {
  return {
    name: op,
    saves: false,
    forward: binaryForward(op, boolOf),
    vjp: () => [null, null],
    jvp: () => null,
  };
}

/** The gradient of max/min(a, b): to the winner, split in half on ties (as PyTorch). */
function extremum(op: "maximum" | "minimum"): Rule<null> {
  const name = op === "maximum" ? "MaximumBackward0" : "MinimumBackward0";
  const wins = op === "maximum" ? gt : lt;
  // weight of `a` in the result: 1 where a wins, 1/2 on ties, 0 where b wins
  const weightA = (a: Tensor, b: Tensor) =>
    add(maskOf(wins(a, b), a), mul(maskOf(eq(a, b), a), 0.5));
  return {
    name,
    saves: true,
    forward: binaryForward(op, promoteTypes),
    vjp(g, [a, b], _out, _p, needs) {
      const wa = weightA(a, b);
      return [needs[0] ? mul(g, wa) : null, needs[1] ? mul(g, sub(1, wa)) : null];
    },
    jvp([ta, tb], [a, b]) {
      const wa = weightA(a, b);
      return addMaybe(mulMaybe(ta, wa), mulMaybe(tb, sub(1, wa)));
    },
  };
}

/** Rules of the binary primitives. */
export const binaryRules: RuleTable<BinaryParams> = {
  // d(a + b) = da + db
  add: {
    name: "AddBackward0",
    saves: false,
    forward: binaryForward("add", promoteTypes),
    vjp: (g) => [g, g],
    jvp: ([ta, tb]) => addMaybe(ta, tb),
  },
  // d(a - b) = da - db
  sub: {
    name: "SubBackward0",
    saves: false,
    forward: binaryForward("sub", promoteTypes),
    vjp: (g, _i, _o, _p, needs) => [g, needs[1] ? neg(g) : null],
    jvp: ([ta, tb]) => subMaybe(ta, tb),
  },
  // d(a b) = da b + a db
  mul: {
    name: "MulBackward0",
    saves: true,
    forward: binaryForward("mul", promoteTypes),
    vjp: (g, [a, b], _o, _p, needs) => [needs[0] ? mul(g, b) : null, needs[1] ? mul(g, a) : null],
    jvp: ([ta, tb], [a, b]) => addMaybe(mulMaybe(ta, b), mulMaybe(tb, a)),
  },
  // d(a / b) = da / b - (a / b) db / b
  div: {
    name: "DivBackward0",
    saves: true,
    forward: binaryForward("div", floatOf),
    vjp(g, [_a, b], out, _p, needs) {
      const gb = div(g, b);
      return [needs[0] ? gb : null, needs[1] ? neg(mul(gb, out)) : null];
    },
    jvp: ([ta, tb], [_a, b], out) => {
      const num = subMaybe(ta, mulMaybe(tb, out));
      return num === null ? null : div(num, b);
    },
  },
  // d(a^b) = b a^(b-1) da + a^b log(a) db, with the log term 0 where a = 0 and the first
  // term 0 where b = 0 (as PyTorch: d(0^0)/da = 0)
  pow: {
    name: "PowBackward1",
    saves: true,
    forward: binaryForward("pow", promoteTypes),
    vjp(g, [a, b], out, _p, needs) {
      return [
        needs[0] ? mul(g, powBaseTerm(a, b)) : null,
        needs[1] ? mul(g, powLogTerm(a, out)) : null,
      ];
    },
    jvp: ([ta, tb], [a, b], out) =>
      addMaybe(
        mulMaybe(ta, powBaseTerm(a, b)),
        mulMaybe(tb, powLogTerm(a, out)),
      ),
  },
  maximum: extremum("maximum"),
  minimum: extremum("minimum"),
  // d atan2(a, b) = (b da - a db) / (a² + b²)
  atan2: {
    name: "Atan2Backward0",
    saves: true,
    forward: binaryForward("atan2", floatOf),
    vjp(g, [a, b], _o, _p, needs) {
      const r = div(g, add(mul(a, a), mul(b, b)));
      return [needs[0] ? mul(r, b) : null, needs[1] ? neg(mul(r, a)) : null];
    },
    jvp: ([ta, tb], [a, b]) => {
      const num = subMaybe(mulMaybe(ta, b), mulMaybe(tb, a));
      return num === null ? null : div(num, add(mul(a, a), mul(b, b)));
    },
  },
  eq: predicate("eq"),
  ne: predicate("ne"),
  lt: predicate("lt"),
  le: predicate("le"),
  gt: predicate("gt"),
  ge: predicate("ge"),
  logicalAnd: predicate("logicalAnd"),
  logicalOr: predicate("logicalOr"),
  // d where(c, a, b) = where(c, da, db)
  where: {
    name: "WhereBackward0",
    saves: true,
    forward(inputs) {
      const [c, a, b] = inputs;
      const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, "where"), b.shape, "where");
      const out = output(shape, promoteShaped(a.dtype, a.ndim === 0, b.dtype, b.ndim === 0));
      whereKernel(c._buf, c.shape, a._buf, a.shape, b._buf, b.shape, shape, out._buf);
      return out;
    },
    vjp: (g, [c], _o, _p, needs) => [
      null,
      needs[1] ? where(c, g, 0) : null,
      needs[2] ? where(c, 0, g) : null,
    ],
    jvp: ([_tc, ta, tb], [c]) => {
      if (ta === null && tb === null) return null;
      return where(c, ta ?? 0, tb ?? 0);
    },
  },
  // d(x + c) = dx
  addScalar: {
    name: "AddBackward0",
    saves: false,
    forward: scalarForward("add"),
    vjp: (g) => [g],
    jvp: ([t]) => t,
  },
  // d(x c) = c dx
  mulScalar: {
    name: "MulBackward0",
    saves: false,
    forward: scalarForward("mul"),
    vjp: (g, _i, _o, c) => [mul(g, c)],
    jvp: ([t], _i, _o, c) => mulMaybe(t, c),
  },
  // d(x / c) = dx / c
  divScalar: {
    name: "DivBackward0",
    saves: false,
    forward: scalarForward("div", (d) => floatResult(d)),
    vjp: (g, _i, _o, c) => [div(g, c)],
    jvp: ([t], _i, _o, c) => (t === null ? null : div(t, c)),
  },
  // d(x^c) = c x^(c-1) dx
  powScalar: {
    name: "PowBackward0",
    saves: true,
    forward: scalarForward("pow"),
    vjp: (g, [x], _o, c) => [mul(g, powScalarDerivative(x, c))],
    jvp: ([t], [x], _o, c) => mulMaybe(t, powScalarDerivative(x, c)),
  },
  // d(c - x) = -dx
  rsubScalar: {
    name: "RsubBackward1",
    saves: false,
    forward: scalarForward("rsub"),
    vjp: (g) => [neg(g)],
    jvp: ([t]) => (t === null ? null : neg(t)),
  },
  // d(c / x) = -(c / x) dx / x
  rdivScalar: {
    name: "DivBackward1",
    saves: true,
    forward: scalarForward("rdiv", (d) => floatResult(d)),
    vjp: (g, [x], out) => [neg(mul(g, div(out, x)))],
    jvp: ([t], [x], out) => (t === null ? null : neg(mul(t, div(out, x)))),
  },
};

/** `c x^(c-1)`, with the common exponents spelled out so higher derivatives stay small. */
function powScalarDerivative(x: Tensor, c: number): Tensor | number {
  if (c === 0) return 0;
  if (c === 1) return 1;
  if (c === 2) return mul(x, 2);
  return mul(pow(x, c - 1), c);
}

/**
 * `b a^(b-1)`, zero at `a = b = 0` (so `d(0^0)/da = 0` as PyTorch, not `0 · ∞`). The base is
 * replaced by 1 there, so that no ∞ appears in the masked branch and higher derivatives stay
 * finite: at integer exponents they come out exact (`d²(x^1)/dx² = 0` at `x = 0`).
 */
function powBaseTerm(a: Tensor, b: Tensor): Tensor {
  const zero = logicalAnd(eq(a, 0), eq(b, 0));
  return where(zero, 0, mul(b, pow(where(zero, 1, a), sub(b, 1))));
}

/** `a^b log(a)`, zero where `a = 0` (the limit PyTorch uses for `b > 0`). */
function powLogTerm(a: Tensor, out: Tensor): Tensor {
  const zero = eq(a, 0);
  return where(zero, 0, mul(out, log(where(zero, 1, a))));
}
