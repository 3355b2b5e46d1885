/**
 * Random programs for Taylor-mode property tests: a random float64 input of a random shape,
 * four random series terms, and a chain of shape-preserving steps drawn from the op set
 * (elementwise functions in their domains, binary ops with the input, reductions broadcast
 * back, softmax, cumsum, matrix products with constant matrices).
 */

import fc from "fast-check";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { shapeArb, tensorArb } from "./props.ts";

/** One step: a name (for messages) and the map from (value, input) to the new value. */
interface Step {
  readonly name: string;
  /** Whether the step needs a last dimension (rank ≥ 1). */
  readonly vector?: boolean;
  readonly run: (v: Tensor, x: Tensor) => Tensor;
}

const last = (v: Tensor) => v.ndim - 1;

const STEPS: readonly Step[] = [
  { name: "sin", run: (v) => tg.sin(v) },
  { name: "cos", run: (v) => tg.cos(v) },
  { name: "tanh", run: (v) => tg.tanh(v) },
  { name: "exp(v/2)", run: (v) => tg.exp(v.mul(0.5)) },
  { name: "expm1(v/3)", run: (v) => tg.expm1(v.div(3)) },
  { name: "log1p(v²)", run: (v) => tg.log1p(tg.square(v)) },
  { name: "log(2+sin v)", run: (v) => tg.log(tg.sin(v).add(2)) },
  { name: "sqrt(1+v²)", run: (v) => tg.sqrt(v.pow(2).add(1)) },
  { name: "rsqrt(2+cos v)", run: (v) => tg.rsqrt(tg.cos(v).add(2)) },
  { name: "(1+v²)^1.5", run: (v) => v.pow(2).add(1).pow(1.5) },
  { name: "v³", run: (v) => v.pow(3) },
  { name: "sigmoid", run: (v) => tg.sigmoid(v) },
  { name: "atan", run: (v) => tg.atan(v) },
  { name: "asinh", run: (v) => tg.asinh(v) },
  { name: "asin(tanh v/2)", run: (v) => tg.asin(tg.tanh(v).div(2)) },
  { name: "acos(sigmoid v)", run: (v) => tg.acos(tg.sigmoid(v)) },
  { name: "acosh(2+v²)", run: (v) => tg.acosh(v.pow(2).add(2)) },
  { name: "atanh(tanh v/2)", run: (v) => tg.atanh(tg.tanh(v).div(2)) },
  { name: "sinh", run: (v) => tg.sinh(v) },
  { name: "cosh(v/2)", run: (v) => tg.cosh(v.div(2)) },
  { name: "tan(v/3)", run: (v) => tg.tan(v.div(3)) },
  { name: "softplus", run: (v) => tg.softplus(v) },
  { name: "erf", run: (v) => tg.erf(v) },
  { name: "log2(3+v)", run: (v) => tg.log2(tg.tanh(v).add(3)) },
  { name: "1/(2+cos v)", run: (v) => tg.reciprocal(tg.cos(v).add(2)) },
  { name: "3/(2+sin v)", run: (v) => tg.div(3, tg.sin(v).add(2)) },
  { name: "relu(v)+v", run: (v) => tg.relu(v).add(v) },
  { name: "abs(v)·v", run: (v) => tg.abs(v).mul(v) },
  { name: "v·x", run: (v, x) => v.mul(x) },
  { name: "v/(2+cos x)", run: (v, x) => v.div(tg.cos(x).add(2)) },
  { name: "v−sin x", run: (v, x) => v.sub(tg.sin(x)) },
  { name: "maximum(v, x/2)", run: (v, x) => tg.maximum(v, x.div(2)) },
  { name: "(1.2+σ(v))^x", run: (v, x) => tg.pow(tg.sigmoid(v).add(1.2), x) },
  { name: "atan2(v, 1+x²)", run: (v, x) => tg.atan2(v, x.pow(2).add(1)) },
  { name: "where(x>0, v, 2v)", run: (v, x) => tg.where(tg.gt(x, 0), v, v.mul(2)) },
  { name: "softmax", vector: true, run: (v) => tg.softmax(v, last(v)) },
  { name: "logSoftmax", vector: true, run: (v) => tg.logSoftmax(v, last(v)) },
  {
    name: "logsumexp bcast",
    vector: true,
    run: (v) => tg.logsumexp(v, last(v), true).expand(v.shape).add(v),
  },
  { name: "sum bcast", vector: true, run: (v) => tg.sum(v, last(v), true).expand(v.shape) },
  { name: "amax bcast", vector: true, run: (v) => tg.amax(v, last(v), true).mul(v) },
  { name: "norm bcast", vector: true, run: (v) => tg.norm(v, 2, last(v), true).add(v) },
  { name: "cumsum", vector: true, run: (v) => tg.cumsum(v, last(v)) },
  {
    name: "v @ W",
    vector: true,
    run: (v) => {
      const n = v.shape[last(v)];
      const w = tg.tensor(
        Array.from({ length: n * n }, (_, i) => Math.sin(i + 1) * 0.7),
        { dtype: "float64", shape: [n, n] },
      );
      return tg.matmul(v.ndim === 1 ? v.reshape([1, n]) : v, w).reshape(v.shape);
    },
  },
  {
    name: "transpose twice",
    vector: true,
    run: (v) => (v.ndim >= 2 ? tg.transpose(tg.transpose(v, 0, 1).mul(1.5), 0, 1) : v.flip([0])),
  },
];

/** A random program: input, four series terms, steps. */
export interface Program {
  readonly x: Tensor;
  readonly series: Tensor[];
  readonly steps: readonly Step[];
  readonly text: string;
}

/** Runs the program's steps from `x`. */
export function runProgram(p: Program, x: Tensor): Tensor {
  let v = x;
  for (const s of p.steps) v = s.run(v, x);
  return v;
}

/** Random programs; `scalar` gives 0-d inputs, `maxSteps` bounds the chain. */
export function programArb(
  options: { readonly scalar?: boolean; readonly maxSteps?: number } = {},
): fc.Arbitrary<Program> {
  const shapes = options.scalar ? fc.constant<number[]>([]) : shapeArb(3, 3);
  return shapes.chain((shape) => {
    const usable = STEPS.filter((s) => !s.vector || shape.length > 0);
    return fc.record({
      // away from 0 (where ‖x‖ is not smooth) and from subnormal numbers
      x: tensorArb(shape, -1.5, 1.5).map((t) =>
        tg.tensor([...t.toTypedArray()].map((v) => (Math.abs(v) < 0.05 ? 0.05 + v : v)), {
          dtype: "float64",
          shape,
        })
      ),
      series: fc.tuple(
        tensorArb(shape, -1, 1),
        tensorArb(shape, -1, 1),
        tensorArb(shape, -1, 1),
        tensorArb(shape, -1, 1),
      ).map((t) => [...t]),
      steps: fc.array(fc.constantFrom(...usable), {
        minLength: 1,
        maxLength: options.maxSteps ?? 4,
      }),
    }).map((r) => ({ ...r, text: `[${shape}] ${r.steps.map((s) => s.name).join(" → ")}` }));
  });
}
