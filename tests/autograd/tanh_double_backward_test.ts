import assert from "node:assert/strict";
import { autogradGrad, jvp, mul, pow, sub, sum, tanh, type Tensor, tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";

// tanh' = 1 − y², tanh'' = −2y(1 − y²), tanh''' = (1 − y²)(6y² − 2), y = tanh(x)
const xs = [0.3, -1.2, 2.5, 0, -0.05];
const cs = [0.5, 2, -1.5, 3, 0.25];
const ys = xs.map(Math.tanh);

for (const dtype of ["float64", "float32"] as const) {
  Deno.test(`tanh's backward under createGraph is one TanhBackwardBackward0 node with PyTorch's second and third derivatives (${dtype})`, () => {
    const tol = dtype === "float64" ? { rtol: 1e-14, atol: 1e-15 } : { rtol: 1e-5, atol: 1e-6 };
    const x = tensor(xs, { dtype, requiresGrad: true });
    const c = tensor(cs, { dtype });
    const [g] = autogradGrad([sum(tanh(x))], [x], { createGraph: true }) as Tensor[];
    // as PyTorch 1.13: g.grad_fn.name() == "TanhBackwardBackward0", and so is the next order's
    assert.equal(g.gradFn?.name, "TanhBackwardBackward0");
    assertClose(g, ys.map((y) => 1 - y * y), tol);
    const [h] = autogradGrad([sum(mul(g, c))], [x], { createGraph: true }) as Tensor[];
    assert.equal(h.gradFn?.name, "TanhBackwardBackward0");
    assertClose(h, ys.map((y, i) => cs[i] * -2 * y * (1 - y * y)), tol);
    // retained graph: every replay gives the same
    const [h2] = autogradGrad([sum(mul(g, c))], [x], { retainGraph: true }) as Tensor[];
    assertClose(h2, h, { rtol: 0, atol: 0 });
    const [t] = autogradGrad([sum(h)], [x]) as Tensor[];
    assertClose(t, ys.map((y, i) => cs[i] * (1 - y * y) * (6 * y * y - 2)), tol);
  });
}

Deno.test("tanh's double backward: the gradient of the incoming gradient, without the input's", () => {
  // d/dg of g·(1 − y²) where g itself depends on a leaf w (not on x)
  const x = tensor(xs, { dtype: "float64", requiresGrad: true });
  const w = tensor(cs, { dtype: "float64", requiresGrad: true });
  const [gx] = autogradGrad([sum(mul(tanh(x), w))], [x], { createGraph: true }) as Tensor[];
  assert.equal(gx.gradFn?.name, "TanhBackwardBackward0");
  const [gw] = autogradGrad([sum(gx)], [w]) as Tensor[];
  assertClose(gw, ys.map((y) => 1 - y * y), { rtol: 1e-15, atol: 0 });
});

for (const dtype of ["float64", "float32"] as const) {
  Deno.test(`tanh's tangent is tanh's backward of the tangent: one TanhBackwardBackward0 node where the tape records, one loop where nothing does (${dtype})`, () => {
    const tol = dtype === "float64" ? { rtol: 1e-14, atol: 1e-15 } : { rtol: 1e-5, atol: 1e-6 };
    const x = tensor(xs, { dtype, requiresGrad: true });
    const c = tensor(cs, { dtype, requiresGrad: true });
    const [, t] = jvp(tanh, [x], [c]);
    // as PyTorch 1.13 (auto_element_wise: tanh_backward(self_t, result)):
    // fwAD.unpack_dual(torch.tanh(dual)).tangent.grad_fn.name() == "TanhBackwardBackward0"
    assert.equal(t.gradFn?.name, "TanhBackwardBackward0");
    assertClose(t, ys.map((y, i) => cs[i] * (1 - y * y)), tol);
    // reverse over forward: d/dx Σ c(1 − y²) = −2cy(1 − y²), d/dc = 1 − y²
    const [gx, gc] = autogradGrad([sum(t)], [x, c]) as Tensor[];
    assertClose(gx, ys.map((y, i) => cs[i] * -2 * y * (1 - y * y)), tol);
    assertClose(gc, ys.map((y) => 1 - y * y), tol);
    // nothing recorded: the same bits as the composite t · (1 − y²)
    const xp = tensor(xs, { dtype }), cp = tensor(cs, { dtype });
    const [yp, tp] = jvp(tanh, [xp], [cp]);
    assert.equal(tp.gradFn, null);
    const ref = mul(cp, sub(1, pow(yp, 2))).toTypedArray();
    tp.toTypedArray().forEach((v, i) => assert.ok(Object.is(v, ref[i]), `element ${i}`));
  });
}
