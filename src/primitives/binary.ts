/**
 * Binary elementwise primitives (broadcasting), comparisons and `where`. Gradients may come
 * out in the broadcast shape: the engine sums them to each input's shape.
 *
 * Why each is a primitive: `add` (with `alpha = −1` it is `sub`, as PyTorch's
 * `sub(a, b) = add(a, b, alpha=-1)`), `mul`, `div`, `pow`, `atan2`, `maximum` and `minimum`
 * are one kernel pass each; as composites they would take two or more passes (`a − b` as
 * `a + (−b)`, `atan2` through a quotient loses the quadrant and accuracy near 0, `minimum` as
 * `−max(−a, −b)`). The comparisons and logical operations are one pass each and have no
 * derivative. Operations with a number (`x + 2`, `2 / x`, `x ** 3`, `−x`, `1/x`, `x²`,
 * `1/√x`) are these primitives with a cached 0-d constant operand, which the kernels run as
 * a single contiguous loop (see `ops/arithmetic.ts`).
 *
 * @module
 */

import { type DType, floatResult, promoteShaped, promoteTypes, type Storage } from "../dtype.ts";
import { broadcastShapes } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import {
  binaryKernel,
  type BinaryOp,
  scalarRightKernel,
  squareBackwardKernel,
  toInt64Values,
  whereKernel,
} from "../kernels/elementwise.ts";
import { add, div, mul, neg, pow, sub } from "../ops/arithmetic.ts";
import { eq, gt, logicalAnd, lt, maskOf, where } from "../ops/compare.ts";
import { log } from "../ops/math.ts";
import { likeOutput, output, outputLike, soleTangents } from "./helpers.ts";
import { isPlainCall } from "../autograd/dispatch.ts";
import { elementwise, type Forward, over, zeroTangent } from "./factories.ts";
import type { Rule, RuleTable } from "./types.ts";
import { type BatchTable, broadcasting, each } from "../vmap/batching.ts";

/** Parameters of the binary primitives. */
export interface BinaryParams {
  /** `a + alpha · b`: `alpha = −1` is subtraction. */
  add: { readonly alpha: 1 | -1 };
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
}

function binaryForward(op: BinaryOp, dtypeOf: (a: DType, b: DType) => DType): Forward<unknown> {
  return (inputs) => {
    // indexing, not destructuring: this is the hottest path of small graphs
    const a = inputs[0], b = inputs[1];
    if (b.ndim === 0 && a.dtype === b.dtype) {
      // `x * 2`: a 0-d operand of the tensor's own dtype leaves its shape and dtype as they are
      const out = outputLike(a, dtypeOf(a.dtype, a.dtype));
      if (scalarRightKernel(op, a._buf, b._buf[0], out._buf)) {
        if (out.dtype === "int64") toInt64Values(out._buf);
        return out;
      }
    }
    const shape = broadcastShapes(a.shape, b.shape, op);
    const d = promoteShaped(a.dtype, a.ndim === 0, b.dtype, b.ndim === 0);
    const out = output(shape, dtypeOf(d, d));
    binaryKernel(op, inPrecision(a, d), a.shape, inPrecision(b, d), b.shape, shape, out._buf);
    if (out.dtype === "int64") toInt64Values(out._buf);
    return out;
  };
}

/**
 * The values of `x` in the precision of the computation dtype `d`: a 0-d float64 operand of a
 * float32 operation is rounded to float32 first, as PyTorch casts every operand to the
 * common dtype (so `float32 [1.403406] > 0-d float64 1.403406` is false, and their difference
 * 0). Every other promotion is exact, so the storage is used as it is.
 */
function inPrecision(x: Tensor, d: DType): Storage {
  return x.dtype === "float64" && d === "float32" ? Float32Array.from(x._buf) : x._buf;
}

const addForward = binaryForward("add", promoteTypes);
const subForward = binaryForward("sub", promoteTypes);

const floatOf = (a: DType, b: DType) => floatResult(promoteTypes(a, b));
const boolOf = () => "bool" as const;

/** A comparison or logical primitive: no gradient. */
function predicate(op: BinaryOp): Rule<null> {
  return zeroTangent(op, binaryForward(op, boolOf));
}

/** max/min(a, b): the gradient goes to the winner, split in half on ties (as PyTorch). */
function extremum(op: "maximum" | "minimum"): Rule<null> {
  const wins = op === "maximum" ? gt : lt;
  return elementwise(
    op === "maximum" ? "MaximumBackward0" : "MinimumBackward0",
    binaryForward(op, promoteTypes),
    (i, [a, b]) => {
      // weight of `a`: 1 where a wins, 1/2 on ties, 0 where b wins
      const wa = add(maskOf(wins(a, b), a), mul(maskOf(eq(a, b), a), 0.5));
      return i === 0 ? wa : sub(1, wa);
    },
  );
}

/** Rules of the binary primitives. */
export const binaryRules: RuleTable<BinaryParams> = {
  // d(a + αb) = da + α db
  add: {
    // `sub` names its node SubBackward0
    name: "AddBackward0",
    saves: false,
    forward: (inputs, p) => (p.alpha === 1 ? addForward : subForward)(inputs, p),
    vjp: (g, _i, _o, { alpha }, needs) => [g, needs[1] ? (alpha === 1 ? g : neg(g)) : null],
    jvp([ta, tb], _i, _o, p) {
      if (tb === null) return ta;
      if (ta === null) return p.alpha === 1 ? tb : neg(tb);
      return add(ta, p.alpha === 1 ? tb : neg(tb));
    },
  },
  // d(a b) = b da + a db
  mul: elementwise("MulBackward0", binaryForward("mul", promoteTypes), (i, x) => x[1 - i]),
  // d(a / b) = da / b − (a / b) db / b
  div: elementwise(
    "DivBackward0",
    binaryForward("div", floatOf),
    (i, [_a, b], out) => (i === 0 ? over(b) : neg(div(out, b))),
  ),
  // d(a^b) = b a^(b−1) da + a^b log(a) db, with the log term 0 where a = 0 and the first
  // term 0 where b = 0 (as PyTorch: d(0^0)/da = 0)
  pow: fusedSquare(elementwise(
    "PowBackward1",
    binaryForward("pow", promoteTypes),
    (i, [a, b], out) => (i === 0 ? powBaseDerivative(a, b) : powLogTerm(a, out)),
  )),
  maximum: extremum("maximum"),
  minimum: extremum("minimum"),
  // d atan2(a, b) = (b da − a db) / (a² + b²)
  atan2: elementwise("Atan2Backward0", binaryForward("atan2", floatOf), (i, [a, b]) => {
    const r = add(mul(a, a), mul(b, b));
    return i === 0 ? div(b, r) : neg(div(a, r));
  }),
  eq: predicate("eq"),
  ne: predicate("ne"),
  lt: predicate("lt"),
  le: predicate("le"),
  gt: predicate("gt"),
  ge: predicate("ge"),
  logicalAnd: predicate("logicalAnd"),
  logicalOr: predicate("logicalOr"),
  // d where(c, a, b) = where(c, da, db): a selection, not a product (∞ · 0 would be NaN)
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
};

/**
 * `b a^(b−1)`, zero where `b = 0` (so `d(0^0)/da = 0` as PyTorch, not `0 · ∞`). A constant
 * exponent `c` (a 0-d tensor that carries no derivative) spells out the common cases so that
 * higher derivatives stay small. For a tensor exponent the base is replaced by 1 where
 * `a = b = 0`, so that no ∞ appears in the masked branch and higher derivatives stay finite:
 * at integer exponents they come out exact (`d²(x^1)/dx² = 0` at `x = 0`).
 */
function powBaseDerivative(a: Tensor, b: Tensor): Tensor | number {
  if (b.ndim === 0 && !b._requiresGrad && b._fw === null && b._bat === null) {
    const c = b._buf[0];
    if (c === 0) return 0;
    if (c === 1) return 1;
    if (c === 2) return mul(a, 2);
    return mul(pow(a, c - 1), c);
  }
  const zero = logicalAnd(eq(a, 0), eq(b, 0));
  return where(zero, 0, mul(b, pow(where(zero, 1, a), sub(b, 1))));
}

/** `a^b log(a)`, zero where `a = 0` (the limit PyTorch uses for `b > 0`). */
function powLogTerm(a: Tensor, out: Tensor): Tensor {
  const zero = eq(a, 0);
  return where(zero, 0, mul(out, log(where(zero, 1, a))));
}

/**
 * `a²` (`pow` with the constant exponent 2) with a one-pass backward `g · (2a)` where nothing
 * is recorded, and under one plain tangent level (the inner backward of a Hessian-vector
 * product) with its tangent in a second pass: one primitive's work instead of two (four with
 * the tangent), rounding as the composite does (same bits). Anything else (a graph to record,
 * another level, a batched or broadcast operand, mixed dtypes) takes the composite rule.
 */
function fusedSquare(rule: Rule<null>): Rule<null> {
  return {
    ...rule,
    vjp(g, inputs, out, params, needs) {
      const a = inputs[0], b = inputs[1], d = a.dtype;
      if (
        !needs[0] || needs[1] || b.ndim !== 0 || b._requiresGrad || b._fw !== null ||
        b._bat !== null || b._buf[0] !== 2 || out.dtype !== d || !likeOutput(a, [g])
      ) {
        return rule.vjp(g, inputs, out, params, needs);
      }
      const f32 = d === "float32";
      if (isPlainCall([g, a])) {
        const r = outputLike(a, d);
        squareBackwardKernel(g._buf, a._buf, r._buf, null, null, null, f32);
        return [r, null];
      }
      const sole = soleTangents([g, a], a);
      if (sole === undefined) return rule.vjp(g, inputs, out, params, needs);
      const { level, tangents: [tg, ta] } = sole;
      const r = outputLike(a, d);
      const t = tg === null && ta === null ? null : outputLike(a, d);
      squareBackwardKernel(
        g._buf,
        a._buf,
        r._buf,
        tg === null ? null : tg._buf,
        ta === null ? null : ta._buf,
        t === null ? null : t._buf,
        f32,
      );
      if (t !== null && level !== null) r._fw = { level, tangent: t, next: null };
      return [r, null];
    },
  };
}

/** Batching rules of the binary primitives: elementwise, examples aligned by their own ranks. */
export const binaryBatchRules: BatchTable<BinaryParams> = each<BinaryParams>(
  binaryRules,
  broadcasting,
);
