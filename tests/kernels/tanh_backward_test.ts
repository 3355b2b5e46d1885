/** tanh's fused backward pass: the bits of the composite path and of g · (1 − y²). */

import assert from "node:assert/strict";
import { autogradGrad, mul, sum, tensor } from "../../mod.ts";

// tanh's backward runs as one fused pass when no graph is built; it must give the bits of
// g · (1 − y²) rounded after each step in the tensor's dtype (PyTorch's float32 arithmetic),
// the same as the composite pow/sub/mul path that a create_graph backward takes.

function data(n: number, scale: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
}

for (const dtype of ["float32", "float64"] as const) {
  Deno.test(`tanh backward (${dtype}): fused pass equals g·(1 − y²) and the composite path`, () => {
    const n = 5000;
    const xs = [...data(n - 5, 8, 7), 0, -0, 12, -12, 1e-30];
    const gs = data(n, 3, 11);
    const x = tensor(xs, { dtype, requiresGrad: true });
    const g = tensor(gs, { dtype });
    const f = () => sum(mul(x.tanh(), g));
    const [fused] = autogradGrad(f(), [x]);
    const [composite] = autogradGrad(f(), [x], { createGraph: true });
    const r = dtype === "float32" ? Math.fround : (v: number) => v;
    // y: the forward's output (the tanh kernel, within an ulp of Math.tanh)
    const yr = x.tanh().toTypedArray(), gr = g.toTypedArray();
    const expected = Array.from(yr, (y, i) => r(gr[i] * r(1 - r(y * y))));
    assert.deepEqual(Array.from(fused!.toTypedArray()), expected);
    assert.deepEqual(Array.from(composite!.toTypedArray()), expected);
  });
}

Deno.test("tanh backward: a create_graph gradient still differentiates (d²tanh = −2y(1 − y²))", () => {
  const x = tensor([0.3, -1.2, 2], { dtype: "float64", requiresGrad: true });
  const [g1] = autogradGrad(sum(x.tanh()), [x], { createGraph: true });
  const [g2] = autogradGrad(sum(g1!), [x]);
  const got = Array.from(g2!.toTypedArray());
  [0.3, -1.2, 2].forEach((v, i) => {
    const y = Math.tanh(v);
    const want = -2 * y * (1 - y * y);
    if (Math.abs(got[i] - want) > 1e-14) throw new Error(`d²tanh(${v}): ${got[i]} vs ${want}`);
  });
});
