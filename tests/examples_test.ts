/** The examples run and compute what the mathematics says. */

import assert from "node:assert/strict";
import {
  main as tanhMain,
  plotSvg,
  tanhDerivativesExact,
  tanhPolynomial,
} from "../examples/tanh_derivatives.ts";
import { main as odeMain } from "../examples/taylor_ode.ts";
import { train as trainPinn } from "../examples/pinn_poisson.ts";
import tanhExact from "./fixtures/tanh_derivatives.json" with { type: "json" };
import taylorFixture from "./fixtures/taylor.json" with { type: "json" };
import { newton } from "../examples/newton.ts";
import { main as dotMain, tanhDerivativeGraph } from "../examples/dot_graph.ts";
import { main as hessianMain } from "../examples/hessian_mlp.ts";
import { main as spectrumMain, P as spectrumParams } from "../examples/hessian_spectrum.ts";
import { main as implicitMain } from "../examples/implicit_function.ts";
import { derivative, type Tensor, tensor } from "../mod.ts";

/** The peers' exact tanh⁽ⁿ⁾(1), n = 0..100 (80-digit arithmetic, rounded to float64). */
const TANH_EXACT = Array.from({ length: 101 }, (_, n) => (tanhExact as Record<string, number>)[n]);

Deno.test("tanh derivatives to order 100 in one pass match the exact values", () => {
  // P_1 = 1 − t², P_2 = −2t + 2t³
  assert.deepEqual(tanhPolynomial(1), [1n, 0n, -1n]);
  assert.deepEqual(tanhPolynomial(2), [0n, -2n, 0n, 2n]);
  // the example's own closed form (400-digit fixed point) is the peers' file, bit for bit
  assert.deepEqual(tanhDerivativesExact(100), TANH_EXACT);
  const lines: string[] = [];
  const rows = tanhMain((l) => lines.push(l));
  assert.equal(rows.length, 101);
  for (const r of rows) {
    const err = Math.abs(r.taylor - TANH_EXACT[r.order]) / Math.abs(TANH_EXACT[r.order]);
    assert.ok(err <= 1e-12, `order ${r.order}: ${r.taylor} vs ${TANH_EXACT[r.order]} (${err})`);
  }
  assert.ok(Math.abs(rows[8].taylor - -277.062135603031) / 277.062135603031 < 1e-14);
  assert.match(lines.at(-1)!, /^all 101 orders in one pass/);
  assert.ok(lines.some((l) => l.trimStart().startsWith("100  6.52616530571796")));
});

Deno.test("the tanh plot is an SVG with one curve per order and a legend", () => {
  const svg = plotSvg(4);
  assert.ok(svg.startsWith("<svg"));
  assert.equal(svg.match(/<path /g)?.length, 5);
  for (const label of [">tanh<", ">tanh'<", ">tanh⁽⁴⁾<"]) assert.ok(svg.includes(label), label);
});

Deno.test("the Taylor-series ODE solver reaches the closed forms and the exact pendulum", () => {
  const lines: string[] = [];
  const r = odeMain((l) => lines.push(l));
  // y' = y² from y(0) = 1 is 1/(1 − t) = Σ tᵏ: the k-th derivative at 0 is k!
  let fact = 1;
  r.quadraticDerivatives.forEach((d, k) => {
    if (k > 0) fact *= k;
    assert.ok(Math.abs(d - fact) <= 1e-15 * fact, `y⁽${k}⁾(0) = ${d}, not ${k}!`);
  });
  assert.equal(r.quadraticDerivatives.length, 31);
  for (const q of r.quadratic) assert.ok(q.relErr < 1e-12, `y' = y² at ${q.t}: ${q.relErr}`);
  assert.deepEqual(r.quadratic.map((q) => q.t), [0.5, 0.9, 0.99]);
  for (const g of r.gaussian) assert.ok(g.relErr < 1e-13, `y' = −2ty at ${g.t}: ${g.relErr}`);
  // the pendulum against the exact elliptic-function solution from gen_taylor.py
  const ref = taylorFixture.pendulum.states;
  assert.equal(r.pendulum.length, ref.length);
  r.pendulum.forEach((p, i) => {
    assert.equal(p.t, ref[i].t);
    assert.ok(p.error < 1e-13, `pendulum at t = ${p.t}: error ${p.error}`);
  });
  assert.ok(r.energyDrift < 1e-14, `energy drift ${r.energyDrift}`);
  assert.ok(lines.some((l) => l.startsWith("pendulum θ'' = −sin θ")));
});

Deno.test("the PINN's error against sin(πx)sin(πy) falls below 1e-2 in 200 Adam steps", () => {
  // a shorter schedule than the example's (1000 steps with decay), with a constant rate
  const r = trainPinn({ steps: 200, lr: 1e-2, decay: 1, every: 50 });
  const first = r.errors[0], last = r.errors.at(-1)!;
  assert.equal(last.step, 200);
  assert.ok(first.l2 > 0.5, `the untrained network is far off (${first.l2})`);
  assert.ok(last.l2 < 1e-2, `relative L2 error after 200 steps: ${last.l2}`);
  assert.ok(last.loss < first.loss / 100, `loss ${first.loss} -> ${last.loss}`);
  assert.equal(r.losses.length, 200);
  assert.ok(r.losses.every(Number.isFinite));
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

Deno.test("MAML on sine waves: the second-order meta-gradient matches finite differences, first-order MAML drops a term", async () => {
  const { metaGrad, metaLoss, sampleTask, metaTrain, evaluate } = await import(
    "../examples/maml_sine.ts"
  );
  const { Generator, nn, tree } = await import("../mod.ts");
  const g = new Generator(3);
  const tasks = [sampleTask(g), sampleTask(g)];
  const p = nn.mlp.init({ sizes: [1, 40, 40, 1], dtype: "float64" }, 1);
  const [flat, unravel] = tree.ravel(p);
  const v = tensor(Array.from({ length: flat.numel }, (_, i) => Math.sin(i)), { dtype: "float64" });
  const h = 1e-5;
  const at = (s: number) => metaLoss(unravel(flat.add(v.mul(s))) as never, tasks).item();
  const fd = (at(h) - at(-h)) / (2 * h);
  const second = tree.ravel(metaGrad(p, tasks))[0].mul(v).sum().item();
  const first = tree.ravel(metaGrad(p, tasks, true))[0].mul(v).sum().item();
  assert.ok(Math.abs(second - fd) < 1e-8 * Math.abs(fd), `second-order ${second} vs FD ${fd}`);
  assert.ok(
    Math.abs(first - fd) > 1e-2 * Math.abs(fd),
    `first-order ${first} should differ from ${fd}`,
  );
  // brief meta-training lowers the held-out loss after one adaptation step, both ways
  const heldOut = Array.from({ length: 10 }, (_, i) => sampleTask(new Generator(1000 + i)));
  const init = evaluate(nn.mlp.init({ sizes: [1, 40, 40, 1], dtype: "float64" }, 0), heldOut);
  const maml = evaluate(metaTrain({ iterations: 150 }), heldOut);
  const fomaml = evaluate(metaTrain({ iterations: 150, firstOrder: true }), heldOut);
  assert.ok(maml < 0.9 * init, `MAML ${maml} vs init ${init}`);
  assert.ok(fomaml < 0.9 * init, `first-order MAML ${fomaml} vs init ${init}`);
});

Deno.test("logistic regression: Newton on raveled parameters converges quadratically; L-BFGS agrees", async () => {
  const { dataset, makeLoss, newtonFit, lbfgsFit } = await import(
    "../examples/logistic_newton.ts"
  );
  const { grad, tree } = await import("../mod.ts");
  const { x, y } = dataset();
  const loss = makeLoss(x, y);
  const n = newtonFit(loss);
  const norms = n.gradNorms;
  assert.ok(norms.at(-1)! < 1e-12, `final gradient norm ${norms.at(-1)}`);
  // quadratic convergence: e_{k+1} ≤ C e_k² once close
  for (let k = 2; k + 1 < norms.length && norms[k + 1] > 1e-15; k++) {
    assert.ok(norms[k + 1] < 10 * norms[k] ** 2, `step ${k}: ${norms[k + 1]} vs ${norms[k]}²`);
  }
  assert.ok(norms.length <= 8);
  const l = lbfgsFit(loss);
  const diff = tree.ravel(l.params)[0].sub(tree.ravel(n.params)[0]).abs().max().item();
  assert.ok(diff < 1e-6, `L-BFGS and Newton differ by ${diff}`);
  const gl = tree.ravel(grad(loss)(l.params))[0].norm().item();
  assert.ok(gl < 1e-7, `L-BFGS gradient norm ${gl}`);
});

Deno.test("per-example gradient norms by vmap(grad) equal a loop; their mean is the batch gradient", async () => {
  const { batch, perExampleNorms, loopNorms, loss, params } = await import(
    "../examples/per_example_grads.ts"
  );
  const { grad, tree } = await import("../mod.ts");
  const { x, y } = batch();
  const { grads, norms } = perExampleNorms(x, y);
  const looped = loopNorms(x, y);
  norms.forEach((v: number, i: number) =>
    assert.ok(Math.abs(v - looped[i]) < 1e-12 * looped[i], `example ${i}: ${v} vs ${looped[i]}`)
  );
  assert.ok(Math.max(...norms) / Math.min(...norms) > 2, "the norms differ across examples");
  // mseLoss over the batch is the mean of per-example losses, so its gradient is the mean
  const full = tree.ravel(grad(loss)(params, x, y))[0];
  const mean = tree.ravel(tree.map((l: Tensor) => l.mean(0), grads))[0];
  assert.ok(full.sub(mean).abs().max().item() < 1e-14);
});

Deno.test("the README's training loop is under 15 lines and checks its loss", () => {
  const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
  const start = readme.indexOf("<!-- training-loop -->");
  assert.ok(start > 0);
  const block = readme.slice(
    readme.indexOf("```ts", start) + 6,
    readme.indexOf("```\n", start + 30),
  );
  const lines = block.trim().split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length < 15, `${lines.length} lines`);
  assert.ok(
    block.includes("optim.adam") && block.includes("nn.mlp") && block.includes("assert.ok(loss"),
  );
});
