/** PyTorch's autograd semantics, camelCased, and every autograd error. */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import {
  add,
  AutogradError,
  autogradGrad,
  DtypeError,
  enableGrad,
  isGradEnabled,
  matmul,
  mul,
  noGrad,
  ones,
  ShapeError,
  type Tensor,
  tensor,
} from "../mod.ts";
import { assertClose } from "../src/testing/mod.ts";
import names from "./fixtures/torch_names.json" with { type: "json" };

Deno.test("grad_fn names match PyTorch for the core operations", () => {
  const a = tensor([[0.5, 1.5], [2.0, 0.25]], { dtype: "float64", requiresGrad: true });
  const v = tensor([0.5, 1.5], { dtype: "float64", requiresGrad: true });
  const ours: Record<string, Tensor> = {
    add: a.add(a),
    add_scalar: a.add(2),
    sub: a.sub(a),
    sub_scalar: a.sub(2),
    rsub_scalar: tg.sub(2, a),
    mul: a.mul(a),
    mul_scalar: a.mul(3),
    div: a.div(a),
    div_scalar: a.div(2),
    rdiv_scalar: tg.div(2, a),
    neg: a.neg(),
    pow_scalar: a.pow(2),
    pow_tensor: a.pow(a),
    rpow: tg.pow(2, a),
    exp: a.exp(),
    log: a.log(),
    sqrt: a.sqrt(),
    abs: a.abs(),
    sin: a.sin(),
    cos: a.cos(),
    tanh: a.tanh(),
    sigmoid: a.sigmoid(),
    relu: a.relu(),
    sum: a.sum(),
    sum_dim: a.sum(0),
    mean: a.mean(),
    mean_dim: a.mean(1),
    norm: a.norm(),
    t: a.t(),
    transpose: a.transpose(0, 1),
    permute: a.permute([1, 0]),
    reshape: a.reshape([4]),
    expand: v.expand([3, 2]),
    mm: matmul(a, a),
    mv: matmul(a, v),
    dot: matmul(v, v),
    vm: matmul(v, a),
    bce_logits: tg.binaryCrossEntropyWithLogits(a, ones([2, 2], { dtype: "float64" })),
  };
  const expected = names as Record<string, string>;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(expected).sort());
  for (const [k, t] of Object.entries(ours)) assert.equal(t.gradFn?.name, expected[k], k);
});

Deno.test("leaves, gradFn and nextFunctions", () => {
  const x = ones([2], { requiresGrad: true });
  const c = tensor([1, 2]);
  const y = x.mul(c);
  assert.equal(x.isLeaf, true);
  assert.equal(x.gradFn, null);
  assert.equal(y.isLeaf, false);
  assert.equal(String(y.gradFn), "<MulBackward0>");
  const [[leaf], [constant]] = y.gradFn!.nextFunctions;
  assert.equal(leaf?.name, "AccumulateGrad");
  assert.equal(constant, null);
  const z = y.add(1);
  assert.equal(z.gradFn!.nextFunctions[0][0], y.gradFn);
  assert.equal(c.isLeaf, true);
  assert.equal(c.requiresGrad, false);
});

Deno.test("requiresGrad: settable on leaves only, floating only; requiresGrad_ returns this", () => {
  const x = tensor([1, 2]);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  x.requiresGrad = false;
  assert.equal(x.requiresGrad, false);
  const y = ones([2], { requiresGrad: true }).mul(2);
  assert.throws(() => (y.requiresGrad = false), AutogradError);
  assert.throws(() => tensor([1, 2], { dtype: "int64", requiresGrad: true }), DtypeError);
  assert.throws(() => tg.arange(3).requiresGrad_(), DtypeError);
});

Deno.test("gradients accumulate, zeroGrad resets, grad is assignable and shape-checked", () => {
  const x = tensor(1, { requiresGrad: true });
  x.pow(2).backward();
  assert.equal(x.grad!.item(), 2);
  x.pow(2).backward();
  assert.equal(x.grad!.item(), 4);
  x.zeroGrad();
  assert.equal(x.grad!.item(), 0);
  x.grad = tensor(0);
  x.pow(3).backward();
  assert.equal(x.grad!.item(), 3);
  x.grad = null;
  assert.equal(x.grad, null);
  assert.throws(() => (x.grad = tensor([1, 2])), ShapeError);
});

Deno.test("retainGraph and freed graphs, as PyTorch", async (t) => {
  await t.step("a graph with saved values refuses a second backward without retainGraph", () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x);
    y.backward();
    assert.throws(
      () => y.backward(),
      (e: unknown) => e instanceof AutogradError && /retainGraph/.test(e.message),
    );
  });
  await t.step("retainGraph keeps it", () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.mul(x);
    y.backward(undefined, { retainGraph: true });
    y.backward();
    assert.equal(x.grad!.item(), 12);
  });
  await t.step("nodes that save nothing allow a second backward (y = x + 2), as PyTorch", () => {
    const x = tensor(3, { requiresGrad: true });
    const y = x.add(2);
    y.backward();
    y.backward();
    assert.equal(x.grad!.item(), 2);
  });
});

Deno.test("backward errors", async (t) => {
  await t.step("on a tensor that does not require grad", () => {
    assert.throws(() => tensor([1]).pow(2).backward(), AutogradError);
  });
  await t.step("on a non-scalar without gradient", () => {
    const x = ones([3], { requiresGrad: true });
    assert.throws(
      () => x.mul(2).backward(),
      (e: unknown) => e instanceof AutogradError && /gradient/.test(e.message),
    );
  });
  await t.step("with a gradient of the wrong shape", () => {
    const x = ones([3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(ones([2])), ShapeError);
  });
  await t.step("shapes that do not broadcast name the op and both shapes", () => {
    for (const [name, f] of [["add", add], ["mul", mul]] as const) {
      assert.throws(() => f(ones([2, 3]), ones([4])), (e: unknown) => {
        return e instanceof ShapeError && e.message.includes(name) &&
          e.message.includes("[2, 3]") &&
          e.message.includes("[4]");
      });
    }
    assert.throws(
      () => matmul(ones([2, 3]), ones([4, 2])),
      (e: unknown) =>
        e instanceof ShapeError && /matmul/.test(e.message) && e.message.includes("[2, 3]"),
    );
  });
  await t.step("non-tensors are a TypeError naming the op", () => {
    assert.throws(
      () => add([1, 2] as unknown as Tensor, 1),
      (e: unknown) => e instanceof TypeError && /add/.test(e.message),
    );
  });
});

Deno.test("noGrad and enableGrad: functions, using, nesting, restoring on throw", () => {
  const x = ones([2], { requiresGrad: true });
  assert.equal(noGrad(() => x.mul(2)).requiresGrad, false);
  {
    using _ = noGrad();
    assert.equal(isGradEnabled(), false);
    assert.equal(x.mul(2).requiresGrad, false);
    assert.equal(enableGrad(() => x.mul(2)).requiresGrad, true);
  }
  assert.equal(isGradEnabled(), true);
  assert.throws(() =>
    noGrad(() => {
      throw new Error("boom");
    })
  );
  assert.equal(isGradEnabled(), true);
});

Deno.test("detach and data share values, not the graph; retainGrad keeps non-leaf grads", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(3);
  for (const d of [y.detach(), y.data]) {
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    assert.deepEqual(d.toArray(), [3, 6]);
  }
  y.retainGrad();
  y.sum().backward();
  assert.deepEqual(y.grad!.toArray(), [1, 1]);
  assert.deepEqual(x.grad!.toArray(), [3, 3]);
});

Deno.test("createGraph makes .grad differentiable", () => {
  const x = tensor(2, { dtype: "float64", requiresGrad: true });
  x.pow(4).backward(undefined, { createGraph: true });
  const g = x.grad!;
  assert.equal(g.requiresGrad, true);
  assert.equal(g.item(), 32);
  x.grad = null;
  g.backward();
  assert.equal(x.grad!.item(), 48);
});

Deno.test("autogradGrad: gradOutputs, allowUnused, materializeGrads, non-leaf inputs, several outputs", () => {
  const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const z = tensor([3, 4], { dtype: "float64", requiresGrad: true });
  const h = x.mul(2);
  const y = h.pow(2);
  const [gx] = autogradGrad([y], [x], {
    gradOutputs: [tensor([1, 0.5], { dtype: "float64" })],
    retainGraph: true,
  });
  assertClose(gx!, tensor([8, 8], { dtype: "float64" }));
  assert.equal(x.grad, null);
  const [gh] = autogradGrad([y.sum()], [h]);
  assertClose(gh!, h.mul(2).detach());
  assert.throws(() => autogradGrad([x.sum()], [z]), AutogradError);
  assert.deepEqual(autogradGrad([x.sum()], [z], { allowUnused: true }), [null]);
  const [m] = autogradGrad([x.sum()], [z], { allowUnused: true, materializeGrads: true });
  assert.deepEqual(m!.toArray(), [0, 0]);
  const [g2] = autogradGrad([x.sum(), x.pow(2).sum()], [x]);
  assertClose(g2!, tensor([3, 5], { dtype: "float64" }));
});

Deno.test("backward with inputs accumulates only into those", () => {
  const x = tensor(1, { requiresGrad: true });
  const w = tensor(2, { requiresGrad: true });
  x.mul(w).backward(undefined, { inputs: [w] });
  assert.equal(x.grad, null);
  assert.equal(w.grad!.item(), 1);
});
