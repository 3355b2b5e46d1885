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
