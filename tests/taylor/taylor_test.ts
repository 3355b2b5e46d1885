/**
 * Taylor mode: `jet` against nested `jvp` (the oracle forward mode gives for free),
 * `derivatives` against nested `grad` and closed forms, `laplacian` against the trace of
 * `hessian`, reverse mode over Taylor mode against finite differences, `vmap` over
 * `laplacian` against a loop, and the typed errors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  AutogradError,
  checkpoint,
  customJvp,
  derivative,
  derivatives,
  exp,
  Generator,
  grad,
  hessian,
  jet,
  jvp,
  laplacian,
  linalg,
  LinAlgError,
  matmul,
  randn,
  ShapeError,
  sin,
  stack,
  tanh,
  type Tensor,
  tensor,
  valueAndGrad,
  vmap,
} from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { SEED, tensorArb } from "../support/props.ts";
import { type Program, programArb, runProgram } from "../support/programs.ts";
import { nestedJvpDerivatives } from "../support/taylor.ts";
import { apply } from "../../src/autograd/dispatch.ts";
import { LAP_UNARY } from "../../src/taylor/shapes.ts";

const f64 = (d: number | number[] | number[][]) => tensor(d, { dtype: "float64" });

Deno.test("jet", async (t) => {
  await t.step("exp along x(t) = x + t gives exp(x) at every order", () => {
    const x = f64([0.5, -1]);
    const [y, ys] = jet(exp, [x], [[f64([1, 1]), f64([0, 0]), f64([0, 0]), f64([0, 0])]]);
    assertClose(y, x.exp());
    for (const d of ys) assertClose(d, x.exp(), { rtol: 1e-14 });
  });

  await t.step("JAX semantics: sin along x(t) = t + t²/2 (series [1, 1])", () => {
    // d/dt sin(x(t)) = cos(x) x', second = −sin(x) x'² + cos(x) x''
    const x = f64(0.3);
    const [, [d1, d2]] = jet(sin, [x], [[f64(1), f64(1)]]);
    assert.ok(Math.abs(d1.item() - Math.cos(0.3)) < 1e-15);
    assert.ok(Math.abs(d2.item() - (-Math.sin(0.3) + Math.cos(0.3))) < 1e-15);
  });

  await t.step("random programs over random shapes: jet to order 4 equals nested jvp", () => {
    fc.assert(
      fc.property(programArb(), (p: Program) => {
        const f = (x: Tensor) => runProgram(p, x);
        const [y, ys] = jet(f, [p.x], [p.series]);
        assertClose(y, f(p.x), { atol: 1e-12 });
        const expected = nestedJvpDerivatives(f, [p.x], [p.series], 4);
        ys.forEach((d, k) =>
          assertClose(d, expected[k], {
            rtol: 1e-8,
            atol: 1e-8,
            message: `${p.text} order ${k + 1}`,
          })
        );
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  await t.step(
    "watched inputs take the Tensor-operation recurrences: same series to order 6",
    () => {
      fc.assert(
        fc.property(programArb(), (p: Program) => {
          const f = (x: Tensor) => runProgram(p, x);
          const six = [...p.series, p.series[0].mul(0.5), p.series[1].mul(-0.25)];
          const [, plain] = jet(f, [p.x], [six]);
          const watchedX = tensor([...p.x.toTypedArray()], {
            dtype: "float64",
            shape: p.x.shape,
            requiresGrad: true,
          });
          const [, taped] = jet(f, [watchedX], [six]);
          taped.forEach((d, k) => {
            assertClose(d.detach(), plain[k], { rtol: 1e-10, atol: 1e-10, message: p.text });
          });
        }),
        { seed: SEED, numRuns: 40 },
      );
    },
  );

  await t.step("float32 series stay float32", () => {
    const d = derivatives(tanh, 6)(tensor(0.5, { dtype: "float32" }));
    assert.equal(d.dtype, "float32");
    assertClose(d, derivatives(tanh, 6)(f64(0.5)).to("float32"), { rtol: 1e-5 });
  });

  await t.step("two inputs, one without series terms that vary", () => {
    const f = (a: Tensor, b: Tensor) => matmul(a, b).tanh().sum();
    const a = f64([[0.3, -0.2], [0.5, 0.1]]), b = f64([[1, 0.5], [-0.4, 0.2]]);
    const sa = [f64([[1, 0], [0.5, -1]]), f64([[0.2, 0.1], [0, 0.3]]), f64([[0, 0], [0, 0]])];
    const sb = [f64([[0, 1], [1, 0]]), f64([[0, 0], [0, 0]]), f64([[0.1, 0], [0, 0.1]])];
    const [, ys] = jet(f, [a, b], [sa, sb]);
    const expected = nestedJvpDerivatives(f, [a, b], [sa, sb], 3);
    ys.forEach((d, k) => assertClose(d, expected[k], { rtol: 1e-10, atol: 1e-12 }));
  });

  await t.step("vmap over jet with batched primals and series equals a loop", () => {
    const xs = f64([[0.1, 0.2], [0.3, -0.4], [0.5, 0.9]]);
    const ss = f64([[1, 0], [0.5, 2], [-1, 1]]);
    const f = (x: Tensor) => x.tanh().mul(x.sin()).sum();
    const terms = (s: Tensor) => [s, s.mul(0.5), s];
    const batched = vmap((x: Tensor, s: Tensor) => stack(jet(f, [x], [terms(s)])[1]))(xs, ss);
    const loop = [0, 1, 2].map((i) => stack(jet(f, [xs.index(i)], [terms(ss.index(i))])[1]));
    assertClose(batched, stack(loop), { rtol: 1e-13 });
  });

  await t.step("gradients flow to the primal and to the series terms", () => {
    // y2 = −sin(x) x1² + cos(x) x2
    const y2 = (x: Tensor, x1: Tensor, x2: Tensor) => jet(sin, [x], [[x1, x2]])[1][1];
    const [x, x1, x2] = [f64(0.3), f64(0.7), f64(-0.4)];
    const [gx, g1, g2] = grad(y2, { argnums: [0, 1, 2] })(x, x1, x2);
    assert.ok(Math.abs(gx.item() - (-Math.cos(0.3) * 0.49 + Math.sin(0.3) * 0.4)) < 1e-15);
    assert.ok(Math.abs(g1.item() - -2 * Math.sin(0.3) * 0.7) < 1e-15);
    assert.ok(Math.abs(g2.item() - Math.cos(0.3)) < 1e-15);
  });

  await t.step("errors name jet: mismatched lengths, counts and shapes", () => {
    const x = f64([1, 2]);
    assert.throws(() => jet(exp, [x, x], [[x], [x, x]]), RangeError);
    assert.throws(() => jet(exp, [x], [[x], [x]]), /jet\(\): got 1 primal/);
    assert.throws(() => jet(exp, [x], [[f64([1, 2, 3])]]), ShapeError);
    assert.throws(() => jet(exp, [x], [[f64([1, 2, 3])]]), /jet\(\): term 1 of series 0/);
  });
});

/** Exact tangent numbers T_1, T_3, T_5, … (tanh^(2n+1)(0) = (−1)ⁿ T_{2n+1}) by BigInt. */
function tangentNumbers(count: number): bigint[] {
  // Seidel–Entringer boustrophedon: zigzag numbers E_n; T_{2n+1} = E_{2n+1}
  const n = 2 * count + 1;
  let rowv: bigint[] = [1n];
  const zig: bigint[] = [1n];
  for (let i = 1; i <= n; i++) {
    const next: bigint[] = [0n];
    for (let j = 0; j < i; j++) next.push(next[j] + rowv[i - 1 - j]);
    rowv = next;
    zig.push(next[i]);
  }
  return Array.from({ length: count }, (_, m) => zig[2 * m + 1]);
}

Deno.test("derivative and derivatives", async (t) => {
  await t.step("tanh at 0 to order 63 against exact tangent numbers (rel. 1e-12)", () => {
    const d = derivatives(tanh, 63)(f64(0)).toTypedArray();
    const tn = tangentNumbers(32);
    for (let m = 0; m < 32; m++) {
      const exact = Number(tn[m]) * (m % 2 === 0 ? 1 : -1);
      const got = d[2 * m + 1];
      assert.ok(Math.abs(got / exact - 1) < 1e-12, `order ${2 * m + 1}: ${got} vs ${exact}`);
      assert.equal(d[2 * m], 0);
    }
  });

  await t.step(
    "whole powers stay accurate at order 30: (tanh²)⁽ⁿ⁾ = −tanh⁽ⁿ⁺¹⁾, x⁻² = (1/x)²",
    () => {
      // tanh² = 1 − tanh': the power goes through products, tanh through its own recurrence
      const x = f64(0.3);
      const sq = derivatives((v: Tensor) => v.tanh().pow(2), 30)(x).toTypedArray();
      const t = derivatives(tanh, 31)(x).toTypedArray();
      for (let n = 1; n <= 30; n++) {
        assert.ok(Math.abs(sq[n] + t[n + 1]) <= 1e-12 * Math.abs(t[n + 1]), `order ${n}`);
      }
      // (x⁻²)⁽ⁿ⁾ = (−1)ⁿ (n + 1)! x^−(n+2)
      const inv = derivatives((v: Tensor) => v.pow(-2), 20)(f64(0.5)).toTypedArray();
      let fact = 1;
      for (let n = 0; n <= 20; n++) {
        fact *= n + 1;
        const exact = (n % 2 === 0 ? 1 : -1) * fact * 0.5 ** -(n + 2);
        assert.ok(Math.abs(inv[n] / exact - 1) < 1e-13, `x⁻² order ${n}`);
      }
    },
  );

  await t.step("derivative(exp∘sin, n) against the Faà di Bruno closed form at n = 3", () => {
    // (e^{sin x})''' = e^{sin x}(cos³x − 3 sin x cos x − cos x)
    const x = 0.7, s = Math.sin(x), c = Math.cos(x);
    const got = derivative((v: Tensor) => v.sin().exp(), 3)(f64(x)).item();
    assert.ok(Math.abs(got - Math.exp(s) * (c ** 3 - 3 * s * c - c)) < 1e-13);
  });

  await t.step("random scalar programs: derivatives equals nested grad up to order 6", () => {
    fc.assert(
      fc.property(programArb({ scalar: true, maxSteps: 3 }), (p: Program) => {
        const f = (x: Tensor) => runProgram(p, x).sum();
        const d = derivatives(f, 6)(p.x);
        let g: (x: Tensor) => Tensor = f;
        for (let k = 0; k <= 6; k++) {
          assertClose(d.index(k), g(p.x), {
            rtol: 1e-8,
            atol: 1e-8,
            message: `${p.text} order ${k}`,
          });
          const prev = g;
          g = (x) => grad(prev)(x);
        }
      }),
      { seed: SEED, numRuns: 8 },
    );
  });

  await t.step("elementwise functions: one pass per element, shape [n + 1, ...x.shape]", () => {
    const x = f64([[0.1, -0.4], [1.2, 0.7]]);
    const d = derivatives((v: Tensor) => v.sigmoid(), 3)(x);
    assert.deepEqual(d.shape, [4, 2, 2]);
    const s = x.sigmoid();
    const ds = s.mul(s.neg().add(1));
    assertClose(d.index(1), ds, { rtol: 1e-14 });
    assertClose(d.index(2), ds.mul(s.mul(-2).add(1)), { rtol: 1e-13 });
  });

  await t.step("derivative keeps nested grad for a scalar function of a vector", () => {
    const f = (v: Tensor) => v.pow(3).sum();
    assertClose(derivative(f, 1)(f64([1, 2])), f64([3, 12]));
  });

  await t.step("derivatives refuses a non-elementwise function of a vector", () => {
    assert.throws(() => derivatives((v: Tensor) => v.sum(), 2)(f64([1, 2])), ShapeError);
  });

  await t.step("grad over derivative (reverse over Taylor) equals the next derivative", () => {
    const x = f64(0.4);
    const g = grad((v: Tensor) => derivative((u: Tensor) => u.tanh().mul(u.exp()), 5)(v))(x);
    const d6 = derivative((u: Tensor) => u.tanh().mul(u.exp()), 6)(x);
    assertClose(g, d6, { rtol: 1e-10 });
  });

  await t.step("Taylor over Taylor, jvp over Taylor and Taylor over jvp and grad", () => {
    const x = f64(0.7);
    const f = (v: Tensor) => v.tanh().mul(v.sin());
    const d5 = derivative(f, 5)(x), d4 = derivative(f, 4)(x);
    assertClose(derivative((v: Tensor) => derivative(f, 2)(v), 3)(x), d5, { rtol: 1e-12 });
    assertClose(jvp((v: Tensor) => derivative(f, 3)(v), [x], [f64(1)])[1], d4, { rtol: 1e-12 });
    assertClose(derivative((v: Tensor) => jvp(f, [v], [f64(1)])[1], 3)(x), d4, { rtol: 1e-12 });
    assertClose(derivative((v: Tensor) => grad(f)(v), 3)(x), d4, { rtol: 1e-12 });
    // the bilaplacian Δ²(Σ x⁴) = 24 d
    const q = (v: Tensor) => v.pow(4).sum();
    assertClose(laplacian((v: Tensor) => laplacian(q)(v))(f64([0.3, -0.2, 0.5])), f64(72), {
      rtol: 1e-12,
    });
  });

  await t.step("vmap over derivative equals a loop", () => {
    const xs = f64([0.1, 0.5, -0.8]);
    const f = (v: Tensor) => v.mul(2).sin().div(v.exp().add(1));
    const batched = vmap((x: Tensor) => derivative(f, 4)(x))(xs);
    const loop = [0.1, 0.5, -0.8].map((v) => derivative(f, 4)(f64(v)).item());
    assertClose(batched, f64(loop), { rtol: 1e-12 });
  });
});

/** A small tanh MLP from a vector of size d to a scalar, with its parameters. */
function mlp(d: number, h: number, seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const mat = (r: number, c: number) =>
    tensor(Array.from({ length: r * c }, rnd), { dtype: "float64", shape: [r, c] });
  const params = [mat(d, h), mat(1, h), mat(h, 1)];
  const f = (ps: Tensor[], x: Tensor) =>
    matmul(matmul(x.reshape([1, d]), ps[0]).add(ps[1]).tanh(), ps[2]).sum();
  return { params, f };
}

Deno.test("linear-algebra primitives reached only inside ops: every flag", async (t) => {
  const a = f64([[1.5, 0.3, -0.2], [0.4, 1.2, 0.5], [-0.3, 0.2, 1.8]]);
  const b = f64([[0.5, -1], [0.25, 2], [1, 0.5]]);
  const sa = [1, 2, 3].map((k) => a.mul(k * 0.37).sin().mul(0.3));
  const sb = [1, 2, 3].map((k) => b.mul(k * 0.53).cos().mul(0.5));
  const cases: [string, (m: Tensor, r: Tensor) => Tensor][] = [];
  for (const adjoint of [false, true]) {
    cases.push([
      `solve adjoint=${adjoint}`,
      (m, r) => apply("solve", [m, r], { adjoint, op: "solve" }),
    ]);
  }
  for (const lower of [false, true]) {
    for (const trans of [false, true]) {
      cases.push([
        `triangularSolve lower=${lower} trans=${trans}`,
        (m, r) => apply("triangularSolve", [m, r], { lower, trans, op: "solveTriangular" }),
      ]);
    }
  }
  for (const [name, f] of cases) {
    await t.step(`${name}: jet to order 3 equals nested jvp; laplacian the Hessian's trace`, () => {
      const [, ys] = jet(f, [a, b], [sa, sb]);
      const expected = nestedJvpDerivatives(f, [a, b], [sa, sb], 3);
      ys.forEach((d, k) => assertClose(d, expected[k], { rtol: 1e-9, atol: 1e-11, message: name }));
      const phi = (m: Tensor) => f(m, b).sin().sum();
      const h = hessian(phi)(a).reshape([9, 9]);
      const eye = tensor(Array.from({ length: 81 }, (_, i) => (i % 10 === 0 ? 1 : 0)), {
        dtype: "float64",
        shape: [9, 9],
      });
      assertClose(laplacian(phi)(a), h.mul(eye).sum(), { rtol: 1e-9, atol: 1e-11, message: name });
    });
  }
});

Deno.test("custom operations: inline definitions run on series, others are refused", async (t) => {
  const x = f64([0.3, -0.5]);
  const f = (v: Tensor) => v.tanh().mul(v.exp()).sum();
  await t.step("checkpoint: laplacian, derivatives, grad over laplacian, vmap", () => {
    const cf = checkpoint(f);
    assertClose(laplacian((v: Tensor) => cf(v))(x), laplacian(f)(x), { rtol: 1e-14 });
    const g = (u: Tensor) => u.sin().mul(u);
    const cg = checkpoint(g);
    assertClose(derivatives((v: Tensor) => cg(v), 5)(f64(0.4)), derivatives(g, 5)(f64(0.4)), {
      rtol: 1e-14,
    });
    const viaCheckpoint = grad((v: Tensor) => laplacian((w: Tensor) => cf(w))(v))(x);
    assertClose(viaCheckpoint, grad((v: Tensor) => laplacian(f)(v))(x), { rtol: 1e-12 });
    const pts = f64([[0.3, -0.5], [0.1, 0.2]]);
    assertClose(vmap(laplacian((w: Tensor) => cf(w)))(pts), vmap(laplacian(f))(pts), {
      rtol: 1e-13,
    });
  });
  await t.step("customJvp with inline: its series; without: an AutogradError naming it", () => {
    const rule = ([p]: Tensor[], [dt]: Tensor[]) => [p.mul(p), p.mul(dt).mul(2)] as const;
    const square = customJvp((u: Tensor) => u.mul(u), rule, { inline: (u: Tensor) => u.mul(u) });
    const h = (u: Tensor) => square(u).exp();
    const want = derivatives((u: Tensor) => u.mul(u).exp(), 4)(f64(0.4));
    assertClose(derivatives(h, 4)(f64(0.4)), want, { rtol: 1e-14 });
    const opaque = customJvp((u: Tensor) => u.mul(u), rule, { name: "opaqueSquare" });
    const k = (u: Tensor) => opaque(u).exp();
    assert.throws(() => derivatives(k, 3)(f64(0.4)), AutogradError);
    assert.throws(() => derivatives(k, 3)(f64(0.4)), /opaqueSquare has no Taylor-mode rule/);
    assert.throws(() => laplacian((v: Tensor) => opaque(v).sum())(x), /opaqueSquare/);
  });
});

Deno.test("laplacian", async (t) => {
  await t.step("equals the trace of the Hessian on random MLPs and points", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        tensorArb([5]),
        (d, seed, pts) => {
          const { params, f } = mlp(d, 4, seed);
          const x = pts.index(tensor(Array.from({ length: d }, (_, i) => i), { dtype: "int64" }));
          const g = (v: Tensor) => f(params, v);
          const h = hessian(g)(x);
          const tr = h.mul(
            tensor(Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)), {
              dtype: "float64",
              shape: [d, d],
            }),
          ).sum();
          assertClose(laplacian(g)(x), tr, { rtol: 1e-10, atol: 1e-12 });
        },
      ),
      { seed: SEED, numRuns: 20 },
    );
  });

  await t.step("random programs: laplacian equals the trace of the Hessian", () => {
    fc.assert(
      fc.property(programArb(), (p: Program) => {
        const w = sin(tensor(Array.from({ length: p.x.numel }, (_, i) => i + 1), {
          dtype: "float64",
          shape: p.x.shape,
        }));
        const f = (x: Tensor) => runProgram(p, x).mul(w).sum();
        const n = p.x.numel;
        const h = hessian(f)(p.x).reshape([n, n]);
        const eye = tensor(Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0)), {
          dtype: "float64",
          shape: [n, n],
        });
        assertClose(laplacian(f)(p.x), h.mul(eye).sum(), {
          rtol: 1e-8,
          atol: 1e-8,
          message: p.text,
        });
      }),
      { seed: SEED, numRuns: 60 },
    );
  });

  await t.step("tensors of any shape: Δ of Σ x³ is 6 Σ x", () => {
    const x = f64([[0.5, -1, 2], [0.25, 1, 3]]);
    assertClose(laplacian((v: Tensor) => v.pow(3).sum())(x), f64(6 * 5.75));
  });

  await t.step("grad of a loss containing laplacian equals finite differences", () => {
    const { params, f } = mlp(2, 3, 7);
    const pts = [f64([0.3, -0.2]), f64([-0.5, 0.8])];
    const loss = (w0: Tensor) =>
      pts.map((x) => laplacian((v: Tensor) => f([w0, params[1], params[2]], v))(x).pow(2))
        .reduce((a, b) => a.add(b));
    const [, g] = valueAndGrad(loss)(params[0]);
    const w = [...params[0].toTypedArray()];
    const h = 1e-5;
    w.forEach((_, i) => {
      const up = w.slice(), dn = w.slice();
      up[i] += h;
      dn[i] -= h;
      const at = (v: number[]) => loss(tensor(v, { dtype: "float64", shape: [2, 3] })).item();
      const fd = (at(up) - at(dn)) / (2 * h);
      assert.ok(Math.abs(g.toTypedArray()[i] - fd) < 1e-6 * (1 + Math.abs(fd)), `entry ${i}`);
    });
  });

  await t.step("second order through the fused unary step: grad of grad, and its JVP", () => {
    // reverse over reverse records the step's VJP in Tensor operations (createGraph); two
    // tanh layers, so every input of the second step (series, f', f'') carries gradient
    const { params } = mlp(2, 3, 5);
    const w2 = f64([[0.7, -0.2], [-0.3, 0.9], [0.2, 0.4]]), w3 = f64([[0.5], [-1]]);
    const f = (ps: Tensor[], v: Tensor) =>
      matmul(matmul(matmul(v.reshape([1, 2]), ps[0]).add(ps[1]).tanh(), w2).tanh(), w3).sum();
    const x = f64([0.4, -0.7]);
    const c = f64([[0.3, -1, 0.5], [2, 0.1, -0.4]]);
    const loss = (w0: Tensor) => laplacian((v: Tensor) => f([w0, params[1], params[2]], v))(x);
    const dir = (w0: Tensor) => grad(loss)(w0).mul(c).sum();
    const got = grad(dir)(params[0]).toTypedArray();
    const w = [...params[0].toTypedArray()];
    const h = 1e-5;
    const at = (v: number[]) => dir(tensor(v, { dtype: "float64", shape: [2, 3] })).item();
    w.forEach((_, i) => {
      const up = w.slice(), dn = w.slice();
      up[i] += h;
      dn[i] -= h;
      const fd = (at(up) - at(dn)) / (2 * h);
      assert.ok(
        Math.abs(got[i] - fd) < 1e-6 * (1 + Math.abs(fd)),
        `entry ${i}: ${got[i]} vs ${fd}`,
      );
    });
    // the step's own JVP, value and inline definition agree with the Tensor-operation form
    const s = f64([[0.5, -1, 2], [0.25, 1, 3], [-0.75, 0.5, 1.5]]);
    const [e1, e2] = [f64([0.9, -0.3, 0.2]), f64([-0.4, 0.6, 1.1])];
    const ts = f64([[0.1, 0.2, -0.3], [0.4, -0.5, 0.6], [0.7, 0.8, -0.9]]);
    const [t1, t2] = [f64([0.05, -0.1, 0.3]), f64([0.2, 0.4, -0.6])];
    const fused = (a: Tensor, b: Tensor, d: Tensor) => apply("custom", [a, b, d], LAP_UNARY);
    const inline = (a: Tensor, b: Tensor, d: Tensor) => LAP_UNARY.inline!([a, b, d]);
    const sq = s.index(tensor([0, 1], { dtype: "int64" })).pow(2).sum(0);
    const expected = stack([
      s.index(0).mul(e1),
      s.index(1).mul(e1),
      s.index(2).mul(e1).add(sq.mul(e2)),
    ]);
    assertClose(fused(s, e1, e2), expected, { rtol: 1e-15 });
    assertClose(inline(s, e1, e2), expected, { rtol: 1e-15 });
    const [, tf] = jvp(fused, [s, e1, e2], [ts, t1, t2]);
    const [, ti] = jvp(inline, [s, e1, e2], [ts, t1, t2]);
    assertClose(tf, ti, { rtol: 1e-14 });
  });

  await t.step("grad of the Laplacian in the point equals finite differences", () => {
    const g = (v: Tensor) => v.tanh().pow(2).sum().mul(v.index(0).sin());
    const x = f64([0.3, -0.2, 0.5]);
    const got = grad((v: Tensor) => laplacian(g)(v))(x).toTypedArray();
    const h = 1e-5;
    [0, 1, 2].forEach((i) => {
      const at = (dv: number) =>
        laplacian(g)(f64([0.3, -0.2, 0.5].map((v, j) => (j === i ? v + dv : v)))).item();
      const fd = (at(h) - at(-h)) / (2 * h);
      assert.ok(
        Math.abs(got[i] - fd) < 1e-7 * (1 + Math.abs(fd)),
        `entry ${i}: ${got[i]} vs ${fd}`,
      );
    });
  });

  await t.step("vmap(laplacian(f)) equals a loop over the points", () => {
    const { params, f } = mlp(3, 5, 11);
    const pts = f64([[0.1, 0.2, 0.3], [-0.4, 0.5, 0.9], [1, -1, 0]]);
    const lap = laplacian((v: Tensor) => f(params, v));
    const batched = vmap(lap)(pts);
    const loop = [0, 1, 2].map((i) => lap(pts.index(i)).item());
    assertClose(batched, f64(loop), { rtol: 1e-12 });
  });

  await t.step("grad of a vmap(laplacian) loss equals the sum of per-point grads", () => {
    // the points share the input directions: the first product runs once for all of them
    const { params, f } = mlp(3, 5, 13);
    const pts = f64([[0.1, 0.2, 0.3], [-0.4, 0.5, 0.9], [1, -1, 0], [0.3, 0.7, -0.2]]);
    const lapAt = (ps: Tensor[]) => laplacian((v: Tensor) => f(ps, v));
    const batched = (w0: Tensor, b: Tensor) =>
      vmap(lapAt([w0, b, params[2]]))(pts).sub(1).pow(2).sum();
    const looped = (w0: Tensor, b: Tensor) =>
      [0, 1, 2, 3].map((i) => lapAt([w0, b, params[2]])(pts.index(i)).sub(1).pow(2))
        .reduce((a, c) => a.add(c));
    const [vb, gb] = valueAndGrad(batched, { argnums: [0, 1] })(params[0], params[1]);
    const [vl, gl] = valueAndGrad(looped, { argnums: [0, 1] })(params[0], params[1]);
    assertClose(vb, vl, { rtol: 1e-13 });
    gb.forEach((g, i) => assertClose(g, gl[i], { rtol: 1e-12, atol: 1e-14 }));
  });

  await t.step("nested vmap over laplacian equals a double loop", () => {
    const pts = randn([2, 3, 4], { dtype: "float64", generator: new Generator(1) });
    const g = (x: Tensor) => x.pow(3).sum().tanh();
    const loop = [0, 1].map((i) => [0, 1, 2].map((j) => laplacian(g)(pts.index(i, j)).item()));
    assertClose(vmap(vmap(laplacian(g)))(pts), f64(loop), { rtol: 1e-13, atol: 1e-15 });
  });

  await t.step("hutchinson: unbiased, exact for a diagonal Hessian", () => {
    const x = f64([0.3, -0.7, 1.1, 0.2]);
    const sep = (v: Tensor) => v.sin().sum(); // H diagonal: vᵀHv = Σ H_ii for ±1 v
    const est = laplacian(sep, { estimator: "hutchinson", samples: 3, seed: 5 })(x);
    assertClose(est, x.sin().neg().sum(), { rtol: 1e-14 });
    const { params, f } = mlp(4, 6, 3);
    const g = (v: Tensor) => f(params, v);
    const many = laplacian(g, { estimator: "hutchinson", samples: 4000, seed: 1 })(x).item();
    const exact = laplacian(g)(x).item();
    assert.ok(Math.abs(many - exact) < 0.05 * (1 + Math.abs(exact)), `${many} vs ${exact}`);
  });

  await t.step("errors: non-scalar f names laplacian", () => {
    assert.throws(() => laplacian((v: Tensor) => v.exp())(f64([1, 2])), ShapeError);
    assert.throws(
      () => laplacian((v: Tensor) => v.exp())(f64([1, 2])),
      /laplacian\(\): f must return a scalar/,
    );
    assert.throws(
      () => laplacian((v) => v.sum(), { estimator: "hutchinson", samples: 0 })(f64([1])),
      RangeError,
    );
  });

  await t.step("linear algebra: det at a singular matrix is refused, naming the operation", () => {
    const a = f64([[1, 2], [2, 4]]);
    assert.throws(() => derivative((s: Tensor) => linalg.det(a.mul(s)), 2)(f64(1)), LinAlgError);
    assert.throws(
      () => derivative((s: Tensor) => linalg.det(a.mul(s)), 2)(f64(1)),
      /linalg\.det\(\)/,
    );
  });
});
