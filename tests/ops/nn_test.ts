/**
 * Tests of the neural-network functions of src/ops/nn.ts (and `logsumexp`): values, first
 * and second derivatives and grad_fn names against PyTorch 1.13 (tests/fixtures/gen_nn.py),
 * including ±1e3 logits, both kinds of cross-entropy targets and every option; derivatives to
 * third order (reverse and forward mode) against finite differences over random shapes and
 * dims; dropout's statistics; and errors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { anyTensorArb, checkDerivatives, property, shapeArb, tensorArb } from "../support/props.ts";
import { type Case, checkCase, type Fn } from "../support/nn_fixture.ts";
import data from "../fixtures/nn.json" with { type: "json" };

/** The same cases as `NN` in gen_nn.py, by id. Class weights are constants, as in PyTorch. */
const CASES: Record<string, Fn> = {
  logsumexp_all: (x) => tg.logsumexp(x, [0, 1]),
  logsumexp_dim1: (x) => tg.logsumexp(x, 1),
  logsumexp_dim0_keepdim: (x) => tg.logsumexp(x, 0, true),
  logsumexp_dims_3d: (x) => tg.logsumexp(x, [0, 2]),
  logsumexp_negative_dim: (x) => x.logsumexp(-1),
  logsumexp_big: (x) => tg.logsumexp(x, 1),
  softmax_dim1: (x) => tg.softmax(x, 1),
  softmax_dim0: (x) => x.softmax(0),
  softmax_3d_middle: (x) => tg.softmax(x, 1),
  softmax_big: (x) => tg.softmax(x, 1),
  log_softmax_dim1: (x) => tg.logSoftmax(x, 1),
  log_softmax_3d_last: (x) => x.logSoftmax(-1),
  log_softmax_big: (x) => tg.logSoftmax(x, 1),
  ce_index: (x, t) => tg.crossEntropy(x, t),
  ce_index_sum: (x, t) => tg.crossEntropy(x, t, { reduction: "sum" }),
  ce_index_none: (x, t) => tg.crossEntropy(x, t, { reduction: "none" }),
  ce_index_big: (x, t) => tg.crossEntropy(x, t),
  ce_index_weight: (x, t, w) => tg.crossEntropy(x, t, { weight: w.detach() }),
  ce_index_ignore: (x, t) => tg.crossEntropy(x, t),
  ce_index_ignore_custom: (x, t) => tg.crossEntropy(x, t, { ignoreIndex: 1 }),
  ce_index_ignore_weight_sum: (x, t, w) =>
    tg.crossEntropy(x, t, { weight: w.detach(), reduction: "sum" }),
  ce_index_smoothing: (x, t) => tg.crossEntropy(x, t, { labelSmoothing: 0.1 }),
  ce_index_smoothing_weight: (x, t, w) =>
    tg.crossEntropy(x, t, { weight: w.detach(), labelSmoothing: 0.2 }),
  ce_index_smoothing_ignore: (x, t) => tg.crossEntropy(x, t, { labelSmoothing: 0.3 }),
  ce_index_smoothing_ignore_weight: (x, t, w) =>
    tg.crossEntropy(x, t, { weight: w.detach(), labelSmoothing: 0.3 }),
  ce_index_smoothing_none: (x, t) =>
    tg.crossEntropy(x, t, { labelSmoothing: 0.3, reduction: "none" }),
  ce_index_smoothing_sum: (x, t) =>
    tg.crossEntropy(x, t, { labelSmoothing: 0.3, reduction: "sum" }),
  ce_unbatched: (x, t) => tg.crossEntropy(x, t),
  ce_spatial: (x, t) => tg.crossEntropy(x, t),
  ce_spatial_weight_none: (x, t, w) =>
    tg.crossEntropy(x, t, { weight: w.detach(), reduction: "none" }),
  ce_prob: (x, p) => tg.crossEntropy(x, p),
  ce_prob_sum: (x, p) => tg.crossEntropy(x, p, { reduction: "sum" }),
  ce_prob_none: (x, p) => tg.crossEntropy(x, p, { reduction: "none" }),
  ce_prob_weight_smoothing: (x, p, w) =>
    tg.crossEntropy(x, p, { weight: w.detach(), labelSmoothing: 0.2 }),
  ce_prob_big: (x, p) => tg.crossEntropy(x, p),
  ce_prob_spatial: (x, p) => tg.crossEntropy(x, p),
  ce_prob_unbatched: (x, p) => tg.crossEntropy(x, p),
  nll: (x, t) => tg.nllLoss(x, t),
  nll_sum: (x, t) => tg.nllLoss(x, t, { reduction: "sum" }),
  nll_none_ignore: (x, t) => tg.nllLoss(x, t, { reduction: "none" }),
  nll_weight_ignore: (x, t, w) => tg.nllLoss(x, t, { weight: w.detach() }),
  nll_spatial: (x, t) => tg.nllLoss(x, t),
  nll_unbatched: (x, t) => tg.nllLoss(x, t),
  mse: (a, b) => tg.mseLoss(a, b),
  mse_sum: (a, b) => tg.mseLoss(a, b, { reduction: "sum" }),
  mse_none: (a, b) => tg.mseLoss(a, b, { reduction: "none" }),
  l1_equal: (a, b) => tg.l1Loss(a, b),
  l1_sum: (a, b) => tg.l1Loss(a, b, { reduction: "sum" }),
  l1_none: (a, b) => tg.l1Loss(a, b, { reduction: "none" }),
  huber: (a, b) => tg.huberLoss(a, b),
  huber_delta: (a, b) => tg.huberLoss(a, b, { delta: 2, reduction: "sum" }),
  huber_none: (a, b) => tg.huberLoss(a, b, { reduction: "none", delta: 0.5 }),
  bce: (p, y) => tg.binaryCrossEntropy(p, y),
  bce_clamped: (p, y) => tg.binaryCrossEntropy(p, y, { reduction: "none" }),
  bce_weight_sum: (p, y, w) =>
    tg.binaryCrossEntropy(p, y, { weight: w.detach(), reduction: "sum" }),
  bce_logits: (x, y) => tg.binaryCrossEntropyWithLogits(x, y),
  bce_logits_zero: (x, y) => tg.binaryCrossEntropyWithLogits(x, y, { reduction: "none" }),
  bce_logits_pos_weight: (x, y, pw) =>
    tg.binaryCrossEntropyWithLogits(x, y, { posWeight: pw.detach() }),
  bce_logits_pos_weight_weight_sum: (x, y, pw, w) =>
    tg.binaryCrossEntropyWithLogits(x, y, {
      weight: w.detach(),
      posWeight: pw.detach(),
      reduction: "sum",
    }),
  linear_2d_bias: (x, w, b) => tg.linear(x, w, b),
  linear_2d: (x, w) => tg.linear(x, w),
  linear_1d_bias: (x, w, b) => tg.linear(x, w, b),
  linear_3d_bias: (x, w, b) => tg.linear(x, w, b),
  linear_vector_weight: (x, w) => tg.linear(x, w),
};

/**
 * Gradients that differ from PyTorch's on purpose. At p = 0 or 1 exactly, PyTorch's binary
 * cross-entropy backward divides by max(p(1 − p), 1e−12), giving 0 where the numerator
 * p − y is 0 and ±1e12 elsewhere (±inf for the target, and ±inf second derivatives); ours is
 * the derivative of the computed (clamped) loss: the one-sided derivative of the log that is
 * finite there, 0 through a clamped log. The values agree; our gradients are these closed
 * forms (weights sin(k)), and the second derivatives are not compared.
 */
const S = (k: number) => Math.sin(k);
const OWN_GRADS: Record<string, tg.NestedArray[]> = {
  // p = [0, 1, 0, 1], y = [0, 0, 1, 1]: ∂/∂p = (1 − y)/(1 − p) − y/p where finite, else 0;
  // ∂/∂y = log(1 − p) − log p with the logs clamped to ≥ −100
  bce_clamped: [[S(1), 0, 0, -S(4)], [100 * S(1), -100 * S(2), 100 * S(3), -100 * S(4)]],
};

/** PyTorch's binary cross-entropy double backward adds 1e-12 to p and 1 − p. */
const SECOND_TOL = { atol: 1e-10, rtol: 1e-9 };

Deno.test("nn functions match PyTorch 1.13 (options, ±1e3 logits): values, first and second derivatives, grad_fn", async (t) => {
  const fixture = data.nn as unknown as Record<string, Case>;
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fixture).sort());
  for (const [id, c] of Object.entries(fixture)) {
    await t.step(
      id,
      () => checkCase(id, c, CASES[id], { ownGrads: OWN_GRADS, secondTol: SECOND_TOL }),
    );
  }
});

/** A float64 tensor of rank 1..3 with a random dim of it, values in [min, max]. */
function tensorDimArb(min = -2, max = 2): fc.Arbitrary<[Tensor, number]> {
  return shapeArb(3, 3).filter((s) => s.length > 0).chain((s) =>
    fc.tuple(tensorArb(s, min, max), fc.integer({ min: -s.length, max: s.length - 1 }))
  );
}

/** Logits `[N, C, d…]` (or `[C]`) with int64 class indices of the right shape. */
function classificationArb(): fc.Arbitrary<[Tensor, Tensor]> {
  return fc.oneof(
    fc.tuple(fc.integer({ min: 2, max: 4 })).map(([c]) => [c]),
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 })),
    fc.tuple(
      fc.integer({ min: 1, max: 2 }),
      fc.integer({ min: 2, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    ),
  ).chain((shape) => {
    const c = shape.length === 1 ? 0 : 1;
    const tShape = shape.filter((_, i) => i !== c);
    const n = tShape.reduce((a, b) => a * b, 1);
    return fc.tuple(
      tensorArb(shape, -3, 3),
      fc.array(fc.integer({ min: 0, max: shape[c] - 1 }), { minLength: n, maxLength: n })
        .map((v) => tg.tensor(v, { dtype: "int64", shape: tShape })),
    );
  });
}

Deno.test("logsumexp, softmax and logSoftmax match finite differences to third order over random shapes and dims", () => {
  property(tensorDimArb(), ([x, dim]) => {
    checkDerivatives((v) => tg.sum(tg.softmax(v, dim).mul(tg.sin(v))), x);
    checkDerivatives((v) => tg.sum(tg.logSoftmax(v, dim).pow(2)), x);
    checkDerivatives((v) => tg.sum(tg.logsumexp(v, dim, true).pow(2)), x);
  }, 8);
  property(anyTensorArb(-2, 2, 3, 3), (x) => {
    checkDerivatives((v) => tg.logsumexp(v).pow(2), x);
    if (x.ndim >= 2) checkDerivatives((v) => tg.sum(tg.logsumexp(v, [0, -1]).exp()), x);
  }, 8);
});

Deno.test("crossEntropy and nllLoss match finite differences to third order over random shapes and targets", () => {
  property(classificationArb(), ([x, t]) => {
    const classes = x.shape[x.ndim === 1 ? 0 : 1];
    const w = tg.arange(1, classes + 1, 1, { dtype: "float64" }).div(classes);
    checkDerivatives((v) => tg.crossEntropy(v, t), x);
    checkDerivatives((v) => tg.crossEntropy(v, t, { weight: w, labelSmoothing: 0.2 }), x);
    checkDerivatives((v) => tg.crossEntropy(v, t, { reduction: "none" }).pow(2).sum(), x);
    const p = tg.softmax(x.mul(2), x.ndim === 1 ? 0 : 1);
    checkDerivatives((v) => tg.crossEntropy(v, p), x);
    checkDerivatives((v) => tg.nllLoss(v.pow(2).neg(), t, { weight: w, reduction: "sum" }), x);
  }, 8);
});

Deno.test("crossEntropy with probability targets is differentiable in the target too", () => {
  property(
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 })).chain(([n, c]) =>
      fc.tuple(tensorArb([n, c]), tensorArb([n, c], 0, 1))
    ),
    ([x, p]) => {
      checkDerivatives((v, q) => tg.crossEntropy(v, q, { labelSmoothing: 0.1 }), [x, p]);
    },
    8,
  );
});

Deno.test("regression losses match finite differences to third order away from their kinks", () => {
  const pairs = shapeArb(3, 3).chain((s) => fc.tuple(tensorArb(s), tensorArb(s)));
  const apart = (gaps: number[]) =>
    pairs.filter(([a, b]) =>
      (tg.sub(a, b).toTypedArray() as Float64Array).every((d) =>
        gaps.every((g) => Math.abs(d - g) > 0.05)
      )
    );
  property(pairs, ([a, b]) => {
    checkDerivatives((x, y) => tg.mseLoss(x, y), [a, b]);
    checkDerivatives((x, y) => tg.mseLoss(x, y, { reduction: "none" }).pow(2).sum(), [a, b]);
  }, 8);
  property(apart([0]), ([a, b]) => {
    checkDerivatives((x, y) => tg.l1Loss(x, y, { reduction: "sum" }).mul(tg.sum(x)), [a, b]);
  }, 8);
  property(apart([-0.7, 0.7]), ([a, b]) => {
    checkDerivatives((x, y) => tg.huberLoss(x, y, { delta: 0.7 }).mul(tg.sum(x)), [a, b]);
  }, 8);
});

Deno.test("binary cross-entropy losses match finite differences to third order", () => {
  const triples = shapeArb(2, 3).chain((s) =>
    fc.tuple(tensorArb(s, 0.05, 0.95), tensorArb(s, 0, 1), tensorArb(s, -3, 3))
  );
  property(triples, ([p, y, x]) => {
    const w = tg.fullLike(x, 0.5).add(tg.sigmoid(y));
    checkDerivatives((q, t) => tg.binaryCrossEntropy(q, t), [p, y]);
    checkDerivatives((q) => tg.binaryCrossEntropy(q, y, { weight: w, reduction: "sum" }), p);
    checkDerivatives((v, t) => tg.binaryCrossEntropyWithLogits(v, t), [x, y]);
    checkDerivatives(
      (v) =>
        tg.binaryCrossEntropyWithLogits(v, y, {
          posWeight: tg.tensor(2.5, { dtype: "float64" }),
          weight: w,
        }),
      x,
    );
  }, 8);
});

Deno.test("linear and dropout match finite differences to third order", () => {
  property(
    fc.tuple(shapeArb(2, 2), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }))
      .chain(([batch, n, m]) =>
        fc.tuple(tensorArb([...batch, n]), tensorArb([m, n]), tensorArb([m]))
      ),
    ([x, w, b]) => {
      checkDerivatives((v, u, c) => tg.linear(v, u, c).pow(2).sum(), [x, w, b]);
      checkDerivatives((v, u) => tg.linear(v, u).sin().sum(), [x, w]);
      // a fresh generator with the same seed draws the same mask on every call
      checkDerivatives(
        (v) => tg.dropout(v, 0.3, { generator: new tg.Generator(7) }).pow(3).sum(),
        x,
      );
    },
    8,
  );
});

const f64 = (v: tg.NestedArray) => tg.tensor(v, { dtype: "float64" });
const i64 = (v: tg.NestedArray) => tg.tensor(v, { dtype: "int64" });

/** All values finite. */
function finite(t: Tensor): boolean {
  return Array.from(t.toTypedArray() as Float64Array).every(Number.isFinite);
}

Deno.test("extreme logits of ±1e3 give finite values and gradients, in float32 and float64", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const big = tg.tensor([[1000, -1000, 0], [-1000, -1000, 1000], [1000, 1000, 1000]], { dtype });
    const fns: [string, (x: Tensor) => Tensor][] = [
      ["logsumexp", (x) => tg.logsumexp(x, 1).sum()],
      ["logsumexp all", (x) => tg.logsumexp(x)],
      ["softmax", (x) => tg.softmax(x, 0).mul(tg.arange(9, { dtype }).reshape([3, 3])).sum()],
      ["logSoftmax", (x) => tg.logSoftmax(x, 1).sum()],
      ["crossEntropy index", (x) => tg.crossEntropy(x, i64([1, 0, 2]), { labelSmoothing: 0.1 })],
      ["crossEntropy prob", (x) => tg.crossEntropy(x, tg.softmax(x.detach().neg(), 1))],
      ["bce logits", (x) => tg.binaryCrossEntropyWithLogits(x, tg.fullLike(x, 0.3))],
      [
        "bce logits pos weight",
        (x) => tg.binaryCrossEntropyWithLogits(x, tg.onesLike(x), { posWeight: tg.fullLike(x, 3) }),
      ],
    ];
    for (const [name, f] of fns) {
      const x = big.requiresGrad_();
      const y = f(x);
      assert.equal(y.dtype, dtype, `${name} ${dtype}: dtype`);
      assert.ok(finite(y), `${name} ${dtype}: value ${y.toArray()}`);
      const g = tg.grad(f)(big);
      assert.ok(finite(g), `${name} ${dtype}: gradient ${g.toArray()}`);
      const h = tg.hvp(f, big, tg.onesLike(big));
      assert.ok(finite(h), `${name} ${dtype}: second derivative ${h.toArray()}`);
    }
  }
  // exact values: the loss of a confidently wrong logit is the margin
  assert.equal(tg.crossEntropy(f64([[1000, -1000]]), i64([1])).item(), 2000);
  assert.equal(tg.binaryCrossEntropyWithLogits(f64([-1000]), f64([1])).item(), 1000);
});

Deno.test("crossEntropy of class indices equals the probability form of one-hot targets", () => {
  const x = f64([[0.3, -0.8, 1.1, 0.2], [0.55, 0.9, -0.45, -1.2], [0.1, 0.2, 0.3, 0.4]]);
  const t = i64([3, 0, 1]);
  const oneHot = f64([[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0]]);
  for (const labelSmoothing of [0, 0.25]) {
    assertClose(
      tg.crossEntropy(x, t, { labelSmoothing }),
      tg.crossEntropy(x, oneHot, { labelSmoothing }),
      { atol: 1e-14, rtol: 1e-14 },
    );
  }
  // nllLoss after logSoftmax is crossEntropy
  assertClose(tg.nllLoss(tg.logSoftmax(x, 1), t), tg.crossEntropy(x, t), { atol: 1e-15 });
  // a −∞ log-probability of another class does not leak into the loss or the gradient
  const logp = f64([[-Infinity, -0.5], [-1, -Infinity]]).requiresGrad_();
  const loss = tg.nllLoss(logp, i64([1, 0]));
  assert.equal(loss.item(), 0.75);
  loss.backward();
  assert.deepEqual(logp.grad!.toArray(), [[0, -0.5], [-0.5, 0]]);
});

Deno.test("softmax sums to one, logSoftmax is its log, logsumexp handles -Infinity", () => {
  const x = f64([[0.3, -0.8, 1.1], [0.55, 0.9, -0.45]]);
  assertClose(tg.sum(tg.softmax(x, 1), 1), [1, 1], { atol: 1e-15 });
  assertClose(tg.logSoftmax(x, 0), tg.log(tg.softmax(x, 0)), { atol: 1e-15 });
  assert.equal(tg.logsumexp(f64([-Infinity, 0])).item(), 0);
  assert.equal(tg.logsumexp(f64([-Infinity, -Infinity])).item(), -Infinity);
  assert.deepEqual(tg.softmax(f64(5), 0).toArray(), 1);
  assert.deepEqual(tg.logSoftmax(tg.tensor([1, 1], { dtype: "float32" }), -1).dtype, "float32");
});

Deno.test("nllLoss and crossEntropy: all targets ignored gives NaN for mean and 0 for sum, as PyTorch", () => {
  const x = f64([[0.3, -0.8, 1.1], [0.55, 0.9, -0.45]]);
  assert.ok(Number.isNaN(tg.crossEntropy(x, i64([-100, -100])).item()));
  assert.equal(tg.crossEntropy(x, i64([-100, -100]), { reduction: "sum" }).item(), 0);
  assert.deepEqual(tg.nllLoss(x, i64([-100, 1]), { reduction: "none" }).toArray(), [0, -0.9]);
});

Deno.test("dropout is seeded, unbiased, the identity in evaluation and zeros at p = 1", () => {
  const x = tg.ones([4000], { dtype: "float64" });
  const a = tg.dropout(x, 0.25, { generator: new tg.Generator(11) });
  const b = tg.dropout(x, 0.25, { generator: new tg.Generator(11) });
  assert.deepEqual(a.toArray(), b.toArray());
  const values = Array.from(a.toTypedArray() as Float64Array);
  assert.ok(values.every((v) => v === 0 || v === 1 / 0.75));
  const dropped = values.filter((v) => v === 0).length / values.length;
  assert.ok(Math.abs(dropped - 0.25) < 0.03, `dropped fraction ${dropped}`);
  assert.ok(Math.abs(tg.mean(a).item() - 1) < 0.05);
  assert.equal(tg.dropout(x, 0.5, { training: false }), x);
  assert.equal(tg.dropout(x, 0), x);
  assert.ok(tg.dropout(x, 1).toTypedArray().every((v) => v === 0));
  assert.equal(tg.dropout(tg.ones([3], { dtype: "float32" }), 0.5).dtype, "float32");
  // the default generator follows manualSeed
  tg.manualSeed(3);
  const c = tg.dropout(x, 0.5);
  tg.manualSeed(3);
  assert.deepEqual(tg.dropout(x, 0.5).toArray(), c.toArray());
  // the gradient is the mask
  const v = tg.ones([50], { dtype: "float64" }).requiresGrad_();
  const y = tg.dropout(v, 0.5, { generator: new tg.Generator(1) });
  y.sum().backward();
  assert.deepEqual(v.grad!.toArray(), y.detach().toArray());
  assert.equal(y.gradFn?.name, "MulBackward0");
});

Deno.test("binaryCrossEntropyWithLogits keeps its default behaviour and weights broadcast", () => {
  const x = f64([[0.3, -0.8, 1.1], [0.55, 0.9, -0.45]]);
  const y = f64([[0, 1, 1], [1, 0, 0.5]]);
  // default: mean of softplus(x) − x·y
  const expected = tg.mean(tg.softplus(x).sub(x.mul(y)));
  assertClose(tg.binaryCrossEntropyWithLogits(x, y), expected, { atol: 1e-15 });
  // posWeight 1 is no weight; weight scales each element
  assertClose(
    tg.binaryCrossEntropyWithLogits(x, y, { posWeight: f64([1, 1, 1]) }),
    expected,
    { atol: 1e-15 },
  );
  assertClose(
    tg.binaryCrossEntropyWithLogits(x, y, { weight: f64([[2], [2]]), reduction: "sum" }),
    expected.mul(12),
    { atol: 1e-14 },
  );
  // equals binaryCrossEntropy of the sigmoid where that is accurate
  assertClose(
    tg.binaryCrossEntropyWithLogits(x, y, { reduction: "none" }),
    tg.binaryCrossEntropy(tg.sigmoid(x), y, { reduction: "none" }),
    { atol: 1e-14 },
  );
});

/** Asserts that `f` throws an instance of `type` whose message matches every pattern. */
function throwsWith(
  f: () => unknown,
  type: new (...args: never[]) => Error,
  ...patterns: RegExp[]
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

Deno.test("nn functions reject bad shapes, dtypes, options and targets with named errors", () => {
  const x = f64([[0.3, -0.8, 1.1], [0.55, 0.9, -0.45]]);
  const t = i64([2, 0]);
  // cross-entropy and nll targets
  throwsWith(
    () => tg.crossEntropy(x, i64([2, 0, 1])),
    tg.ShapeError,
    /crossEntropy/,
    /\[3\]/,
    /\[2\]/,
  );
  throwsWith(
    () => tg.crossEntropy(x, i64([3, 0])),
    RangeError,
    /crossEntropy/,
    /target 3/,
    /3 classes/,
  );
  throwsWith(() => tg.nllLoss(x, i64([-1, 0])), RangeError, /nllLoss/, /-1/);
  throwsWith(() => tg.crossEntropy(x, f64([[1, 0, 0]])), tg.ShapeError, /crossEntropy/, /\[1, 3\]/);
  throwsWith(
    () => tg.crossEntropy(x, tg.tensor([true, false])),
    tg.DtypeError,
    /crossEntropy/,
    /bool/,
  );
  throwsWith(() => tg.nllLoss(x, f64([2, 0])), tg.DtypeError, /nllLoss/, /float64/);
  throwsWith(() => tg.nllLoss(i64([[1, 2]]), i64([0])), tg.DtypeError, /nllLoss/, /int64/);
  throwsWith(() => tg.crossEntropy(f64(1), i64(0)), tg.ShapeError, /crossEntropy/, /class/);
  throwsWith(
    () => tg.crossEntropy(i64([[1, 2]]), i64([0])),
    tg.DtypeError,
    /crossEntropy/,
    /int64/,
  );
  throwsWith(
    () => tg.crossEntropy(x, t, { weight: f64([1, 2]) }),
    tg.ShapeError,
    /weight/,
    /\[2\]/,
  );
  throwsWith(
    () => tg.nllLoss(x, t, { weight: f64([[1, 2, 3]]) }),
    tg.ShapeError,
    /nllLoss/,
    /weight/,
  );
  throwsWith(
    () => tg.crossEntropy(x, t, { labelSmoothing: 1.5 }),
    RangeError,
    /labelSmoothing/,
    /1.5/,
  );
  throwsWith(
    () => tg.crossEntropy(x, t, { reduction: "avg" as tg.Reduction }),
    TypeError,
    /crossEntropy/,
    /avg/,
  );
  throwsWith(() => tg.crossEntropy(x, [2, 0] as unknown as Tensor), TypeError, /crossEntropy/);
  // softmax family
  throwsWith(() => tg.softmax(x, 2), tg.ShapeError, /softmax/, /2/);
  throwsWith(() => tg.logSoftmax(x, -3), tg.ShapeError, /logSoftmax/, /-3/);
  throwsWith(() => tg.softmax(i64([1, 2]), 0), tg.DtypeError, /softmax/, /int64/);
  throwsWith(() => tg.logsumexp(x, 2), tg.ShapeError, /logsumexp/);
  // regression and binary losses
  for (
    const [name, f] of [
      ["mseLoss", tg.mseLoss],
      ["l1Loss", tg.l1Loss],
      ["huberLoss", tg.huberLoss],
      ["binaryCrossEntropy", tg.binaryCrossEntropy],
      ["binaryCrossEntropyWithLogits", tg.binaryCrossEntropyWithLogits],
    ] as const
  ) {
    throwsWith(() => f(x, f64([1, 2, 3])), tg.ShapeError, new RegExp(name), /\[2, 3\]/, /\[3\]/);
    throwsWith(() => f(x, x, { reduction: "all" as tg.Reduction }), TypeError, new RegExp(name));
  }
  throwsWith(() => tg.huberLoss(x, x, { delta: 0 }), RangeError, /huberLoss/, /delta/);
  throwsWith(
    () => tg.binaryCrossEntropy(i64([0, 1]), i64([0, 1])),
    tg.DtypeError,
    /binaryCrossEntropy/,
  );
  // dropout and linear
  throwsWith(() => tg.dropout(x, 1.5), RangeError, /dropout/, /1.5/);
  throwsWith(() => tg.dropout(x, -0.1), RangeError, /dropout/);
  throwsWith(() => tg.dropout(i64([1]), 0.5), tg.DtypeError, /dropout/, /int64/);
  throwsWith(() => tg.linear(x, f64([[1, 2]])), tg.ShapeError, /linear/, /\[2, 3\]/, /\[1, 2\]/);
  throwsWith(() => tg.linear(f64(1), f64([1])), tg.ShapeError, /linear/);
  throwsWith(() => tg.linear(x, f64([[[1, 2, 3]]])), tg.ShapeError, /linear/, /\[1, 1, 3\]/);
  throwsWith(
    () => tg.linear(x, f64([[1, 2, 3]]), f64([1, 2])),
    tg.ShapeError,
    /linear/,
    /bias/,
    /\[2\]/,
  );
});
