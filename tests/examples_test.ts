/** The examples run and compute what the mathematics says. */

import assert from "node:assert/strict";
import {
  derivativesAt,
  plotSvg,
  tanhDerivativeExact,
  tanhPolynomial,
} from "../examples/tanh_derivatives.ts";
import { newton } from "../examples/newton.ts";
import { main as dotMain, tanhDerivativeGraph } from "../examples/dot_graph.ts";
import { main as hessianMain } from "../examples/hessian_mlp.ts";
import { main as spectrumMain, P as spectrumParams } from "../examples/hessian_spectrum.ts";
import { main as implicitMain } from "../examples/implicit_function.ts";
import { derivative, type Tensor, tensor } from "../mod.ts";

Deno.test("tanh derivatives to order 8 match the closed form", () => {
  // P_1 = 1 − t², P_2 = −2t + 2t³
  assert.deepEqual(tanhPolynomial(1), [1, 0, -1]);
  assert.deepEqual(tanhPolynomial(2), [0, -2, 0, 2]);
  const rows = derivativesAt(1, 8);
  assert.equal(rows.length, 8);
  for (const r of rows) assert.ok(r.relErr < 1e-12, `order ${r.order}: ${r.relErr}`);
  const eighth = rows[7].autograd;
  assert.ok(Math.abs(eighth - -277.062135603031) / 277.062135603031 < 1e-13, String(eighth));
  assert.ok(Math.abs(tanhDerivativeExact(8, 1) - -277.062135603031) < 1e-9);
});

Deno.test("the tanh plot is an SVG with one curve per order and a legend", () => {
  const svg = plotSvg(4);
  assert.ok(svg.startsWith("<svg"));
  assert.equal(svg.match(/<path /g)?.length, 5);
  for (const label of [">tanh<", ">tanh'<", ">tanh⁽⁴⁾<"]) assert.ok(svg.includes(label), label);
});

Deno.test("Newton's method on x⁴ − 2x² from 2 follows the plain-number iteration to 1", () => {
  const its = newton(2);
  let x = 2;
  for (const it of its.slice(0, 6)) {
    assert.ok(Math.abs(it.x - x) < 1e-12, `step ${it.step}`);
    x = x - (4 * x ** 3 - 4 * x) / (12 * x ** 2 - 4);
  }
  assert.ok(Math.abs(its.at(-1)!.x - 1) < 1e-14);
  assert.ok(its.length < 12);
});

Deno.test("the DOT graph of tanh's third derivative", () => {
  const { y } = tanhDerivativeGraph(3);
  assert.ok(
    Math.abs(
      y.item() - derivative((v: Tensor) => v.tanh(), 3)(tensor(1, { dtype: "float64" })).item(),
    ) < 1e-14,
  );
  const lines: string[] = [];
  const orig = console.log;
  console.log = (s: string) => lines.push(s);
  let dot: string;
  try {
    dot = dotMain(true);
  } finally {
    console.log = orig;
  }
  assert.ok(dot.startsWith("digraph tanh_third_derivative {"));
  assert.ok(dot.trimEnd().endsWith("}"));
  assert.ok(dot.includes("TanhBackward0"));
  assert.ok(dot.includes("AccumulateGrad"));
  // every edge joins declared nodes
  const declared = new Set([...dot.matchAll(/^ {2}(n\d+) \[/gm)].map((m) => m[1]));
  for (const [, a, b] of dot.matchAll(/^ {2}(n\d+) -> (n\d+);/gm)) {
    assert.ok(declared.has(a) && declared.has(b));
  }
  assert.deepEqual(dotMain(true), dot, "the output is deterministic");
});

Deno.test("the MLP's Hessian is symmetric and agrees with hvp and finite differences", () => {
  const r = hessianMain(() => {});
  assert.deepEqual(r.hessian.shape, [17, 17]);
  assert.ok(r.symmetryError < 1e-13);
  assert.ok(r.hvpError < 1e-13);
  assert.ok(r.finiteDifferenceError < 1e-7);
});

Deno.test("Hessian spectrum by Lanczos on hvp: the top eigenvalues match eigvalsh of the full Hessian", () => {
  const r = spectrumMain(() => {}, 14);
  assert.ok(r.lossAfter < r.lossBefore / 10, `training: ${r.lossBefore} -> ${r.lossAfter}`);
  assert.equal(r.exact.length, spectrumParams);
  assert.ok(r.ritz.length <= 14);
  for (let i = 0; i < 3; i++) {
    const err = Math.abs(r.ritz[i] - r.exact[i]) / Math.abs(r.exact[i]);
    assert.ok(err < 1e-9, `λ${i + 1}: ${r.ritz[i]} vs ${r.exact[i]}`);
  }
  // Ritz values interlace: none exceeds the largest eigenvalue
  assert.ok(r.ritz[0] <= r.exact[0] * (1 + 1e-12));
  // a trained net sits near a minimum: the spectrum is mostly non-negative
  assert.ok(r.exact[0] > 1 && r.exact[spectrumParams - 1] > -0.1 * r.exact[0]);
});

Deno.test("implicit-function derivative through customVjp matches finite differences and the formula", () => {
  const r = implicitMain(() => {});
  assert.ok(r.residual < 1e-14);
  // ∂Σx/∂a = −Σ x/(3x² + a), ∂x/∂b = 1/(3x² + a), in plain numbers
  const a = 1.5;
  const da = -r.x.reduce((s, x) => s + x / (3 * x * x + a), 0);
  assert.ok(Math.abs(r.da[0] - da) < 1e-14, `${r.da[0]} vs ${da}`);
  assert.ok(Math.abs(r.da[0] - r.da[1]) < 1e-8);
  r.x.forEach((x, i) => {
    assert.ok(Math.abs(r.db[0][i] - 1 / (3 * x * x + a)) < 1e-14);
    assert.ok(Math.abs(r.db[0][i] - r.db[1][i]) < 1e-8);
  });
  // ∂²x/∂a² = (2x/D²)(1 − 3x²/D)·... checked against differences of the first derivative
  assert.ok(Math.abs(r.daa[0] - r.daa[1]) < 1e-7, `${r.daa[0]} vs ${r.daa[1]}`);
});
