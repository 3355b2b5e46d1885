/** PyTorch's autograd semantics, camelCased, against PyTorch 1.13 (`tests/fixtures/gen_core.py`), and every autograd error. */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
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
  setGradEnabled,
  ShapeError,
  type Tensor,
  tensor,
} from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { fails } from "../support/fails.ts";
import core from "../fixtures/core.json" with { type: "json" };

const f64 = { dtype: "float64" } as const;

Deno.test("grad_fn names match PyTorch for the operations in mod.ts", () => {
  const a = tensor([[0.5, 1.5], [2.0, 0.25]], { dtype: "float64", requiresGrad: true });
  const v = tensor([0.5, 1.5], { dtype: "float64", requiresGrad: true });
  const b3 = ones([3, 2, 2], { dtype: "float64", requiresGrad: true });
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
    expm1: tg.expm1(a),
    log: a.log(),
    log1p: tg.log1p(a),
    log2: tg.log2(a),
    sqrt: a.sqrt(),
    rsqrt: tg.rsqrt(a),
    square: tg.square(a),
    abs: a.abs(),
    sign: tg.sign(a),
    sin: a.sin(),
    cos: a.cos(),
    tan: tg.tan(a),
    asin: tg.asin(a.div(4)),
    acos: tg.acos(a.div(4)),
    atan: tg.atan(a),
    sinh: tg.sinh(a),
    cosh: tg.cosh(a),
    tanh: a.tanh(),
    asinh: tg.asinh(a),
    acosh: tg.acosh(a.add(1)),
    atanh: tg.atanh(a.div(4)),
    sigmoid: a.sigmoid(),
    relu: a.relu(),
    erf: tg.erf(a),
    floor: tg.floor(a),
    ceil: tg.ceil(a),
    round: tg.round(a),
    reciprocal: tg.reciprocal(a),
    where: tg.where(tg.gt(a, 1), a, v),
    sum: a.sum(),
    sum_dim: a.sum(0),
    sum_dims: a.sum([0, 1]),
    mean: a.mean(),
    mean_dim: a.mean(1),
    norm: a.norm(),
    norm_p1_dim: a.norm(1, 0),
    norm_inf: a.norm(Infinity),
    norm_fro: a.norm("fro"),
    t: a.t(),
    transpose: a.transpose(0, 1),
    permute: a.permute([1, 0]),
    expand: v.expand([3, 2]),
    broadcast_to: tg.broadcastTo(v, [3, 2]),
    cast: tg.cast(a, "float32"),
    mm: matmul(a, a),
    mv: matmul(a, v),
    dot: matmul(v, v),
    vm: matmul(v, a),
    bmm_broadcast: matmul(b3, a),
    batched_vector: matmul(b3, v),
    vector_batched: matmul(v, b3),
    bmm: matmul(b3, b3),
    bce_logits: tg.binaryCrossEntropyWithLogits(a, ones([2, 2], f64)),
  };
  const expected = core.names as Record<string, string>;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(expected).sort());
  const wrong = Object.entries(ours).filter(([k, t]) => t.gradFn?.name !== expected[k])
    .map(([k, t]) => `${k}: ${t.gradFn?.name} (PyTorch ${expected[k]})`);
  assert.deepEqual(wrong, []);
});

/** The leaves reachable from `t`'s node, in first-visit order (iterative walk). */
function leavesOf(t: Tensor): Tensor[] {
  const out: Tensor[] = [];
  const stack: (tg.Node | tg.AccumulateGrad | null)[] = [t.gradFn];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const fn = stack.pop()!;
    if (fn === null || seen.has(fn)) continue;
    seen.add(fn);
    if (fn instanceof tg.AccumulateGrad) out.push(fn.variable);
    else for (const [next] of [...fn.nextFunctions].reverse()) stack.push(next);
  }
  return out;
}

Deno.test("nextFunctions: AccumulateGrad for leaves, null for constants, as PyTorch", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const c = tensor([3, 4]);
  const m = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const ours: Record<string, Tensor> = {
    "x * c": x.mul(c),
    "c * x": c.mul(x),
    "x + 2": x.add(2),
    "2 - x": tg.sub(2, x),
    "x * x": x.mul(x),
    "(x * c) + 1": x.mul(c).add(1),
    "x.exp()": x.exp(),
    "x.sum()": x.sum(),
    "m @ x": matmul(m, x),
    "x @ m": matmul(x, m),
    "where(c > 3, x, c)": tg.where(tg.gt(c, 3), x, c),
  };
  const expected = core.next_functions as Record<string, (string | number | null)[][]>;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(expected).sort());
  // matrix-vector products are composites here (a matrix product between reshapes renamed
  // MvBackward0), so only the leaves they reach are compared
  const composite = new Set(["m @ x"]);
  for (const [k, t] of Object.entries(ours)) {
    if (composite.has(k)) {
      assert.deepEqual(leavesOf(t), [m, x].filter((v) => v.requiresGrad), k);
      continue;
    }
    let got = t.gradFn!.nextFunctions.map(([fn, i]) => [fn === null ? null : fn.name, i]);
    // Tapegrad's where node lists the (never differentiable) condition first; PyTorch omits it
    if (k.startsWith("where")) {
      assert.deepEqual(got[0], [null, 0]);
      got = got.slice(1);
    }
    // `2 - x` is `add(2, x, alpha=-1)` with the number as a 0-d constant operand, which
    // lists as (null, 0) like PyTorch's `x + 2`; PyTorch's rsub(Tensor, Scalar) has no slot
    if (k === "2 - x") {
      assert.deepEqual(got[0], [null, 0]);
      got = got.slice(1);
    }
    assert.deepEqual(got, expected[k], k);
  }
  const y = x.mul(c);
  const [[leaf]] = y.gradFn!.nextFunctions;
  assert.ok(leaf instanceof tg.AccumulateGrad);
  assert.equal((leaf as tg.AccumulateGrad).variable, x);
  assert.equal(y.add(1).gradFn!.nextFunctions[0][0], y.gradFn);
});

Deno.test("requiresGrad: settable on leaves only, floating only; requiresGrad_ returns this", () => {
  const x = tensor([1, 2]);
  assert.equal(x.requiresGrad_(), x);
  assert.equal(x.requiresGrad, true);
  assert.equal(x.isLeaf, true);
  x.requiresGrad = false;
  assert.equal(x.requiresGrad, false);
  assert.equal(x.requiresGrad_(true).requiresGrad_(false), x);
  assert.equal(x.requiresGrad, false);
  const y = ones([2], { requiresGrad: true }).mul(2);
  assert.equal(y.isLeaf, false);
  assert.throws(() => (y.requiresGrad = false), fails(AutogradError, /leaf/));
  assert.throws(() => y.requiresGrad_(false), fails(AutogradError));
  // a result computed from constants is a leaf
  assert.equal(tensor([1]).mul(2).isLeaf, true);
  assert.throws(
    () => tensor([1, 2], { dtype: "int64", requiresGrad: true }),
    fails(DtypeError, /int64/),
  );
  assert.throws(() => tg.arange(3).requiresGrad_(), fails(DtypeError, /int64/));
  assert.throws(() => tg.gt(tg.arange(3), 1).requiresGrad_(), fails(DtypeError, /bool/));
  assert.equal(tg.arange(3).requiresGrad_(false).requiresGrad, false);
});

Deno.test("results of integer and comparison ops never require grad", () => {
  const x = tensor([1.5, -2], { requiresGrad: true });
  for (const y of [tg.gt(x, 0), tg.eq(x, x), tg.logicalNot(x), tg.cast(x, "int64")]) {
    assert.equal(y.requiresGrad, false);
    assert.equal(y.gradFn, null);
  }
  assert.equal(tg.floor(x).requiresGrad, true, "floor has a (zero) gradient, as PyTorch");
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
  assert.throws(() => (x.grad = tensor([1, 2])), fails(ShapeError, /\[2\]/));
  const w = ones([2, 3], { requiresGrad: true });
  w.sum().backward();
  w.mul(2).sum().backward();
  assert.deepEqual(w.grad!.toArray(), [[3, 3, 3], [3, 3, 3]]);
  assert.equal(w.grad!.requiresGrad, false);
  assert.throws(() => (w.grad = ones([3, 2])), fails(ShapeError, /\[3, 2\]/, /\[2, 3\]/));
});

Deno.test("second backward without retainGraph matches PyTorch, op by op", async (t) => {
  const fs: Record<string, (x: Tensor) => Tensor> = {
    "x + 2": (x) => x.add(2),
    "x * x": (x) => x.mul(x),
    "x * 3": (x) => x.mul(3),
    "x - x": (x) => x.sub(x),
    "x.exp()": (x) => x.exp(),
    "x.neg()": (x) => x.neg(),
    "x.sum()": (x) => x.sum(),
    "x.mean()": (x) => x.mean(),
    "x.reshape(2)": (x) => x.reshape([2]),
    "x / 2": (x) => x.div(2),
    "x.pow(2)": (x) => x.pow(2),
    "x.sin()": (x) => x.sin(),
  };
  const expected = core.retain as Record<string, boolean>;
  assert.deepEqual(Object.keys(fs).sort(), Object.keys(expected).sort());
  for (const [k, f] of Object.entries(fs)) {
    await t.step(k, () => {
      const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
      const y = f(x).sum();
      y.backward();
      const first = x.grad!.toArray();
      if (expected[k]) {
        y.backward();
        assertClose(x.grad!, tensor(first, f64).mul(2));
      } else {
        assert.throws(() => y.backward(), fails(AutogradError, /retainGraph/));
      }
    });
  }
});

Deno.test("retainGraph keeps the saved values for another backward", () => {
  const x = tensor(3, { requiresGrad: true });
  const y = x.mul(x);
  y.backward(undefined, { retainGraph: true });
  y.backward(undefined, { retainGraph: true });
  y.backward();
  assert.equal(x.grad!.item(), 18);
  assert.throws(() => y.backward(), AutogradError);
});

Deno.test("createGraph makes .grad differentiable", () => {
  const x = tensor(2, { dtype: "float64", requiresGrad: true });
  x.pow(4).backward(undefined, { createGraph: true });
  const g = x.grad!;
  assert.equal(g.requiresGrad, true);
  assert.equal(g.dtype, "float64");
  assert.equal(g.item(), 32);
  x.grad = null;
  g.backward();
  assert.equal(x.grad!.item(), 48);
  assert.equal(x.grad!.dtype, "float64");
  // without createGraph the gradient is a constant
  const z = tensor(2, { dtype: "float64", requiresGrad: true });
  z.pow(4).backward();
  assert.equal(z.grad!.requiresGrad, false);
  assert.equal(z.grad!.gradFn, null);
});

Deno.test("backward errors are typed and name the shapes", async (t) => {
  await t.step("on a tensor that does not require grad", () => {
    assert.throws(() => tensor([1]).pow(2).backward(), fails(AutogradError, /grad/));
    assert.throws(() => tensor(1).backward(), fails(AutogradError));
  });
  await t.step("on a non-scalar without gradient", () => {
    const x = ones([3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(), fails(AutogradError, /gradient/, /\[3\]/));
  });
  await t.step("with a gradient of the wrong shape", () => {
    const x = ones([3], { requiresGrad: true });
    assert.throws(() => x.mul(2).backward(ones([2])), fails(ShapeError, /\[2\]/, /\[3\]/));
  });
  await t.step("with an explicit gradient of the right shape", () => {
    const x = ones([3], { requiresGrad: true });
    x.mul(2).backward(tensor([1, 2, 3]));
    assert.deepEqual(x.grad!.toArray(), [2, 4, 6]);
  });
  await t.step("shapes that do not broadcast name the op and both shapes", () => {
    for (
      const [name, f] of [["add", add], ["mul", mul], ["sub", tg.sub], ["div", tg.div]] as const
    ) {
      assert.throws(
        () => f(ones([2, 3]), ones([4])),
        fails(ShapeError, new RegExp(name), /\[2, 3\]/, /\[4\]/),
      );
    }
    assert.throws(
      () => tg.where(tg.gt(ones([2]), 0), ones([3]), 1),
      fails(ShapeError, /where/, /\[2\]/, /\[3\]/),
    );
    assert.throws(
      () => matmul(ones([2, 3]), ones([4, 2])),
      fails(ShapeError, /matmul/, /\[2, 3\]/, /\[4, 2\]/),
    );
    // batch dimensions that do not broadcast: the message names the batch shapes
    assert.throws(
      () => matmul(ones([2, 2, 3]), ones([3, 3, 2])),
      fails(ShapeError, /matmul/, /\[2\]/, /\[3\]/),
    );
    assert.throws(() => matmul(ones([]), ones([2])), fails(ShapeError, /matmul/));
  });
  await t.step("non-tensors are a TypeError naming the op", () => {
    assert.throws(() => add([1, 2] as unknown as Tensor, 1), fails(TypeError, /add/));
    assert.throws(() => tg.exp(2 as unknown as Tensor), fails(TypeError, /exp/));
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
    {
      using _e = enableGrad();
      assert.equal(isGradEnabled(), true);
      {
        using _n = noGrad();
        assert.equal(isGradEnabled(), false);
      }
      assert.equal(isGradEnabled(), true);
    }
    assert.equal(isGradEnabled(), false);
  }
  assert.equal(isGradEnabled(), true);
  assert.throws(() =>
    noGrad(() => {
      throw new Error("boom");
    })
  );
  assert.equal(isGradEnabled(), true);
  assert.throws(() => {
    using _ = noGrad();
    throw new Error("boom");
  });
  assert.equal(isGradEnabled(), true);
  noGrad(() =>
    assert.throws(() =>
      enableGrad(() => {
        throw new Error("boom");
      })
    )
  );
  assert.equal(isGradEnabled(), true);
  const prev = setGradEnabled(false);
  try {
    assert.equal(prev, true);
    assert.equal(x.mul(2).requiresGrad, false);
  } finally {
    setGradEnabled(prev);
  }
  assert.equal(isGradEnabled(), true);
});

Deno.test("detach and data share values, not the graph; retainGrad keeps non-leaf grads", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const y = x.mul(3);
  for (const d of [y.detach(), y.data, x.detach()]) {
    assert.equal(d.requiresGrad, false);
    assert.equal(d.gradFn, null);
    assert.equal(d.isLeaf, true);
  }
  assert.deepEqual(y.detach().toArray(), [3, 6]);
  assert.deepEqual(y.data.toArray(), [3, 6]);
  // small storage moves to the kept slabs, so a kept detached value does not pin the slab
  // of the tensors allocated around it; large storage is shared
  assert.notEqual(y.detach()._buf.buffer, y._buf.buffer, "small storage leaves its slab");
  const big = tensor(new Array(1000).fill(2), { requiresGrad: true }).mul(3);
  assert.equal(big.detach()._buf, big._buf, "detach shares large storage");
  assert.equal(big.data._buf, big._buf, "data shares large storage");
  // using a detached value cuts the graph
  const z = y.detach().mul(x);
  z.sum().backward();
  assert.deepEqual(x.grad!.toArray(), [3, 6]);
  x.grad = null;
  const h = x.mul(3);
  assert.equal(h.retainGrad(), h);
  const out = h.mul(h).sum();
  out.backward();
  assert.deepEqual(h.grad!.toArray(), [6, 12]);
  assert.deepEqual(x.grad!.toArray(), [18, 36]);
  // without retainGrad a non-leaf keeps no grad
  const k = x.mul(2);
  k.sum().backward();
  assert.equal(k.grad, null);
});

Deno.test("autogradGrad: gradOutputs, allowUnused, materializeGrads, non-leaf inputs, several outputs", () => {
  const x = tensor([1, 2], { dtype: "float64", requiresGrad: true });
  const z = tensor([3, 4], { dtype: "float64", requiresGrad: true });
  const h = x.mul(2);
  const y = h.pow(2);
  const [gx] = autogradGrad([y], [x], {
    gradOutputs: [tensor([1, 0.5], f64)],
    retainGraph: true,
  });
  assertClose(gx!, tensor([8, 8], f64));
  assert.equal(x.grad, null, "autogradGrad does not accumulate into .grad");
  const [gh] = autogradGrad([y.sum()], [h]);
  assertClose(gh!, h.mul(2).detach());
  assert.throws(() => autogradGrad([x.sum()], [z]), fails(AutogradError));
  assert.deepEqual(autogradGrad([x.sum()], [z], { allowUnused: true }), [null]);
  const [m] = autogradGrad([x.sum()], [z], { allowUnused: true, materializeGrads: true });
  assert.deepEqual(m!.toArray(), [0, 0]);
  const [g2] = autogradGrad([x.sum(), x.pow(2).sum()], [x]);
  assertClose(g2!, tensor([3, 5], f64));
  const [ga, gb] = autogradGrad(x.mul(z).sum(), [x, z]);
  assertClose(ga!, z.detach());
  assertClose(gb!, x.detach());
  // createGraph: second derivative of sum(x³) is 6x
  const [d1] = autogradGrad(x.pow(3).sum(), [x], { createGraph: true });
  assert.equal(d1!.requiresGrad, true);
  const [d2] = autogradGrad(d1!.sum(), [x]);
  assertClose(d2!, tensor([6, 12], f64));
  assert.throws(
    () => autogradGrad([x.mul(2)], [x]),
    fails(AutogradError, /\[2\]/),
  );
  assert.throws(
    () => autogradGrad([x.mul(2)], [x], { gradOutputs: [tensor([1, 2, 3], f64)] }),
    fails(ShapeError, /\[3\]/, /\[2\]/),
  );
  assert.throws(() => autogradGrad([tensor(1)], [x]), fails(AutogradError));
});

Deno.test("backward with inputs accumulates only into those", () => {
  const x = tensor(1, { requiresGrad: true });
  const w = tensor(2, { requiresGrad: true });
  x.mul(w).backward(undefined, { inputs: [w] });
  assert.equal(x.grad, null);
  assert.equal(w.grad!.item(), 1);
  x.mul(w).backward(undefined, { inputs: x });
  assert.equal(x.grad!.item(), 2);
  assert.equal(w.grad!.item(), 1);
});

Deno.test("a deep chain backpropagates without overflowing the stack", () => {
  const x = tensor(1, { dtype: "float64", requiresGrad: true });
  let y = x;
  for (let i = 0; i < 20_000; i++) y = y.mul(1);
  y.backward();
  assert.equal(x.grad!.item(), 1);
});

/** Behaviours that used to differ from PyTorch (issue 13 fixed them; kept as regression tests). */
Deno.test({
  name: "grad assignment, retainGrad and backward(inputs) with a non-leaf behave as in PyTorch",
  fn: () => {
    const x = tensor([1, 2], { requiresGrad: true });
    // PyTorch: "assigned grad has data of a different type"
    assert.throws(() => (x.grad = tensor([1, 2], f64)), fails(DtypeError, /float64/, /float32/));
    assert.throws(() => (x.grad = tg.arange(2)), fails(DtypeError, /int64/));
    // a non-tensor is a TypeError naming grad, not "Cannot read properties of undefined"
    assert.throws(() => (x.grad = [1, 2] as unknown as Tensor), fails(TypeError, /grad/));
    // PyTorch: "can't retain_grad on Tensor that has requires_grad=False"
    assert.throws(() => tensor([1]).retainGrad(), fails(AutogradError));
    // backward(inputs) with a non-leaf input accumulates into that tensor's grad
    const a = tensor([1, 2], { requiresGrad: true });
    const h = a.mul(2);
    h.mul(h).sum().backward(undefined, { inputs: [h] });
    assert.deepEqual(h.grad?.toArray(), [4, 8]);
    assert.equal(a.grad, null);
  },
});
