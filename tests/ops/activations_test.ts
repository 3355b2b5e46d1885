/**
 * Tests of the activation functions and the elementwise two-argument functions of
 * src/ops/activations.ts: values, first and second derivatives and grad_fn names against
 * PyTorch 1.13 (tests/fixtures/gen_nn.py) at kinks, ties, thresholds and ±1e3; derivatives to
 * third order (reverse and forward mode) against finite differences over random shapes; dtype
 * handling; and errors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import {
  anyTensorArb,
  awayFrom,
  broadcastPairArb,
  checkDerivatives,
  property,
  tensorArb,
} from "../support/props.ts";
import { type Case, checkCase, dec, type Fn } from "../support/nn_fixture.ts";
import data from "../fixtures/nn.json" with { type: "json" };

/** The same cases as `ACTIVATIONS` in gen_nn.py, by id. */
const CASES: Record<string, Fn> = {
  logsigmoid_extreme: tg.logSigmoid,
  softplus_extreme: (x) => tg.softplus(x),
  softplus_threshold: (x) => tg.softplus(x),
  softplus_beta: (x) => tg.softplus(x, 2, 1),
  softplus_beta_half: (x) => tg.softplus(x, 0.5, 20),
  leaky_relu_kink: (x) => tg.leakyRelu(x),
  leaky_relu_slope: (x) => tg.leakyRelu(x, 0.2),
  leaky_relu_negative_slope: (x) => tg.leakyRelu(x, -0.5),
  elu_kink: (x) => tg.elu(x),
  elu_alpha: (x) => tg.elu(x, 0.5),
  elu_extreme: (x) => tg.elu(x),
  gelu: (x) => tg.gelu(x),
  gelu_tanh: (x) => tg.gelu(x, "tanh"),
  silu: tg.silu,
  maximum_ties: tg.maximum,
  minimum_ties: tg.minimum,
  maximum_column: tg.maximum,
  clamp_numbers: (x) => tg.clamp(x, -0.5, 1),
  clamp_min_only: (x) => tg.clamp(x, -0.5),
  clamp_max_only: (x) => tg.clamp(x, null, 1),
  clamp_crossed_numbers: (x) => tg.clamp(x, 1, 0),
  clamp_tensors: (x, lo, hi) => tg.clamp(x, lo, hi),
  clamp_tensor_min_broadcast: (x, lo) => tg.clamp(x, lo),
  clamp_tensor_max_broadcast: (x, hi) => tg.clamp(x, undefined, hi),
  atan2_quadrants: tg.atan2,
  atan2_broadcast: tg.atan2,
};

/**
 * Second derivatives where PyTorch's double-backward masks use a strict inequality while its
 * first derivative takes the inclusive branch (`elu` at 0: first derivative α but second 0;
 * `softplus` at βx = threshold: first derivative σ(βx) but second 0). Ours stays the
 * derivative of the first derivative (α·eˣ, β·σ′(βx)); these elements are checked below
 * against that closed form instead. Case id → indices of those elements.
 */
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const SECOND_AT_KINKS: Record<string, [number[], (x: number) => number]> = {
  softplus_threshold: [[1], (x) => sigmoid(x) * (1 - sigmoid(x))],
  softplus_beta: [[1], (x) => 2 * sigmoid(2 * x) * (1 - sigmoid(2 * x))],
  elu_kink: [[2, 3], (x) => Math.exp(x)],
  elu_alpha: [[2, 3], (x) => 0.5 * Math.exp(x)],
  elu_extreme: [[3], (x) => Math.exp(x)],
};

/**
 * The fixture's second-order gradient of input `i`, with the elements of
 * {@linkcode SECOND_AT_KINKS} replaced in that of the first input.
 */
function expectedSecond(id: string, c: Case, i: number): tg.NestedArray {
  const second = dec(c.second[i]!);
  if (i !== 0) return second;
  if (!(id in SECOND_AT_KINKS)) return second;
  const [indices, f2] = SECOND_AT_KINKS[id];
  const x = dec(c.inputs[0].data) as number[];
  const out = [...(second as number[])];
  for (const j of indices) out[j] = f2(x[j]) * Math.sin(j + 1) * Math.cos(j + 1);
  return out;
}

Deno.test("activations match PyTorch 1.13 at kinks, ties, thresholds and ±1e3: values, first and second derivatives, grad_fn", async (t) => {
  const fixture = data.activations as unknown as Record<string, Case>;
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fixture).sort());
  for (const [id, c] of Object.entries(fixture)) {
    await t.step(id, () => checkCase(id, c, CASES[id], { second: expectedSecond }));
  }
});

const f64 = (v: tg.NestedArray) => tg.tensor(v, { dtype: "float64" });

Deno.test("logSigmoid and softplus are finite at ±1e3 and have derivative 1/2 at 0", () => {
  const x = f64([-1000, 0, 1000]);
  assertClose(tg.logSigmoid(x), [-1000, -Math.LN2, 0], { atol: 0, rtol: 0 });
  assert.deepEqual(tg.softplus(x).toArray(), [0, Math.LN2, 1000]);
  const d = tg.derivative((v: Tensor) => tg.softplus(v), 1);
  assert.equal(d(f64(0)).item(), 0.5);
  const dl = tg.derivative((v: Tensor) => tg.logSigmoid(v), 1);
  assert.equal(dl(f64(0)).item(), 0.5);
  assert.deepEqual(tg.grad((v: Tensor) => tg.sum(tg.logSigmoid(v)))(x).toArray(), [1, 0.5, 0]);
  // second derivative σ(x)(1 − σ(x)) = 1/4 at 0, 0 at the extremes
  const d2 = tg.derivative((v: Tensor) => tg.softplus(v), 2);
  assert.equal(d2(f64(0)).item(), 0.25);
  assert.equal(d2(f64(1000)).item(), 0);
});

Deno.test("activations keep float32 and float64 dtypes", () => {
  const fns: Fn[] = [
    tg.logSigmoid,
    (x) => tg.softplus(x, 2, 5),
    (x) => tg.leakyRelu(x),
    (x) => tg.elu(x),
    (x) => tg.gelu(x),
    (x) => tg.gelu(x, "tanh"),
    tg.silu,
    (x) => tg.clamp(x, 0, 1),
    (x) => tg.maximum(x, 0.5),
    (x) => tg.minimum(0.5, x),
    (x) => tg.atan2(x, 2),
  ];
  for (const dtype of ["float32", "float64"] as const) {
    const x = tg.tensor([-1, 0.25, 3], { dtype });
    for (const f of fns) assert.equal(f(x).dtype, dtype);
  }
  // float64 precision is kept: softplus(1e-10) = log(1 + e^1e-10) differs from log 2 by 5e-11
  assert.ok(Math.abs(tg.softplus(f64([1e-10])).item() - Math.LN2 - 5e-11) < 1e-15);
  assert.ok(Math.abs(tg.softplus(f64([1e-10]).float()).item() - Math.LN2) < 1e-7);
});

Deno.test("maximum, minimum and atan2 broadcast numbers and promote dtypes", () => {
  const a = tg.tensor([1, 5, 3], { dtype: "float32" });
  const b = tg.tensor([[2], [4]], { dtype: "float64" });
  const m = tg.maximum(a, b);
  assert.equal(m.dtype, "float64");
  assert.deepEqual(m.toArray(), [[2, 5, 3], [4, 5, 4]]);
  assert.deepEqual(tg.minimum(3, a).toArray(), [1, 3, 3]);
  assert.deepEqual(a.maximum(2).toArray(), [2, 5, 3]);
  assert.deepEqual(a.minimum(2).toArray(), [1, 2, 2]);
  assert.deepEqual(tg.maximum(tg.tensor([1, 7], { dtype: "int64" }), 4).toArray(), [4, 7]);
  assertClose(f64([1, -1]).atan2(f64(0)), [Math.PI / 2, -Math.PI / 2]);
  assert.deepEqual(f64([-2, 0.5, 3]).clamp(0, 1).toArray(), [0, 0.5, 1]);
});

Deno.test("clamp takes min = max and crossed bounds as PyTorch, and keeps NaN", () => {
  assert.deepEqual(tg.clamp(f64([-1, 0.5, 2]), 0.5, 0.5).toArray(), [0.5, 0.5, 0.5]);
  assert.deepEqual(tg.clamp(f64([-1, 0.5, 2]), 2, 1).toArray(), [1, 1, 1]);
  const y = tg.clamp(f64([NaN, 3]), 0, 1).toArray() as number[];
  assert.ok(Number.isNaN(y[0]));
  assert.equal(y[1], 1);
  // the gradient passes at both bounds (inclusive), not outside
  const g = tg.grad((x: Tensor) => tg.sum(tg.clamp(x, 0, 1)))(f64([-0.5, 0, 0.5, 1, 1.5]));
  assert.deepEqual(g.toArray(), [0, 1, 1, 1, 0]);
});

/** Broadcast pairs of float64 tensors with values in [min, max]. */
function pairArb(min = -2, max = 2): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastPairArb().chain(([sa, sb]) =>
    fc.tuple(tensorArb(sa, min, max), tensorArb(sb, min, max))
  );
}

Deno.test("smooth activations match finite differences to third order, forward and reverse", () => {
  const smooth: [string, Fn][] = [
    ["logSigmoid", tg.logSigmoid],
    ["softplus", (x) => tg.softplus(x)],
    ["softplus beta 2", (x) => tg.softplus(x, 2, 1e9)],
    ["gelu", (x) => tg.gelu(x)],
    ["gelu tanh", (x) => tg.gelu(x, "tanh")],
    ["silu", tg.silu],
  ];
  for (const [name, f] of smooth) {
    property(anyTensorArb(-3, 3), (x) => {
      try {
        checkDerivatives((v) => tg.sum(f(v).mul(f(v))), x);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }, 8);
  }
});

Deno.test("piecewise activations match finite differences to third order away from their kinks", () => {
  const piecewise: [string, Fn, number[]][] = [
    ["leakyRelu", (x) => tg.leakyRelu(x, 0.1), [0]],
    ["elu", (x) => tg.elu(x, 0.7), [0]],
    ["softplus threshold", (x) => tg.softplus(x, 2, 1), [0.5]],
    ["clamp", (x) => tg.clamp(x, -0.5, 1), [-0.5, 1]],
  ];
  for (const [name, f, kinks] of piecewise) {
    property(awayFrom(anyTensorArb(-2, 2), kinks, 0.05), (x) => {
      try {
        checkDerivatives((v) => tg.sum(f(v).mul(tg.exp(v))), x);
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }, 8);
  }
});

/** Pairs whose elements differ by more than `gap` everywhere after broadcasting. */
function apartPairArb(gap: number): fc.Arbitrary<[Tensor, Tensor]> {
  return pairArb().filter(([a, b]) =>
    (tg.sub(a, b).abs().toTypedArray() as Float64Array).every((d) => d > gap)
  );
}

Deno.test("maximum and minimum match finite differences to third order over broadcast shapes", () => {
  property(apartPairArb(0.05), ([a, b]) => {
    checkDerivatives((x, y) => tg.sum(tg.maximum(x, y).mul(tg.sin(x))), [a, b]);
    checkDerivatives((x, y) => tg.sum(tg.minimum(x, y).pow(3)), [a, b]);
  }, 10);
});

Deno.test("clamp with tensor bounds matches finite differences to third order", () => {
  property(
    broadcastPairArb().chain(([sx, sb]) =>
      fc.tuple(tensorArb(sx), tensorArb(sb, -1, 0), tensorArb(sb, 0.2, 1))
    ).filter(([x, lo, hi]) =>
      (tg.sub(x, lo).abs().toTypedArray() as Float64Array).every((d) => d > 0.05) &&
      (tg.sub(x, hi).abs().toTypedArray() as Float64Array).every((d) => d > 0.05)
    ),
    ([x, lo, hi]) => {
      checkDerivatives((v, l, h) => tg.sum(tg.clamp(v, l, h).pow(2).mul(tg.cos(v))), [x, lo, hi]);
    },
    10,
  );
});

Deno.test("atan2 matches finite differences to third order over broadcast shapes", () => {
  property(
    // away from the origin and from the branch cut (a = 0, b < 0)
    pairArb().filter(([a, b]) =>
      (tg.add(a.pow(2), b.pow(2)).toTypedArray() as Float64Array).every((r) => r > 0.1) &&
      (a.toTypedArray() as Float64Array).every((v) => Math.abs(v) > 0.05)
    ),
    ([a, b]) => checkDerivatives((y, x) => tg.sum(tg.atan2(y, x).mul(y)), [a, b]),
    10,
  );
});

Deno.test("activations reject integer inputs, missing bounds and non-tensors", () => {
  const i = tg.tensor([1, 2], { dtype: "int64" });
  for (const f of [tg.logSigmoid, tg.softplus, tg.elu, tg.gelu, tg.silu, tg.leakyRelu]) {
    assert.throws(
      () => f(i),
      (e: unknown) => e instanceof tg.DtypeError && /int64/.test(String(e)),
    );
  }
  assert.throws(
    () => tg.clamp(f64([1])),
    (e: unknown) => e instanceof TypeError && /clamp/.test(String(e)),
  );
  assert.throws(() => tg.clamp(f64([1]), null, null), TypeError);
  assert.throws(
    () => tg.maximum(1, 2),
    (e: unknown) => e instanceof TypeError && /maximum/.test(String(e)),
  );
  assert.throws(
    () => tg.maximum(f64([1, 2]), f64([1, 2, 3])),
    (e: unknown) =>
      e instanceof tg.ShapeError && /\[2\]/.test(String(e)) && /\[3\]/.test(String(e)),
  );
  assert.throws(() => tg.minimum(f64([1, 2]), f64([[1], [2], [3]]).reshape([1, 3])), tg.ShapeError);
  assert.throws(() => tg.atan2(f64([1, 2]), f64([1, 2, 3])), tg.ShapeError);
  assert.throws(() => tg.clamp(f64([1, 2]), f64([0, 0, 0])), tg.ShapeError);
  assert.throws(() => tg.softplus("x" as unknown as Tensor), TypeError);
  assert.throws(() => tg.clamp(f64([1]), "0" as unknown as number), TypeError);
  assert.throws(
    () => tg.gelu(f64([1]), "exact" as "none"),
    (e: unknown) => e instanceof TypeError && /gelu/.test(String(e)),
  );
});
