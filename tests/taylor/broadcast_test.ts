/**
 * Series shared by a batch: under `vmap`, the input series of `laplacian` (and of `jet` with
 * unbatched terms) is the same at every example, and stays one broadcast series through the
 * rules that take it (matrix products by a constant matrix, additions, reshapes, elementwise
 * functions). Every result is compared with the same computation on full series (a loop over
 * the examples, or batched series terms) and with finite differences; values and gradients to
 * 1e-12.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  grad,
  jet,
  jvp,
  laplacian,
  stack,
  type Tensor,
  tensor,
  valueAndGrad,
  vmap,
} from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { SEED } from "../support/props.ts";
import { net, numbers } from "../support/tanh_net.ts";
import { type Program, programArb, runProgram } from "../support/programs.ts";
import { lapUnaryKernel, lapUnaryVjpKernel } from "../../src/kernels/taylor.ts";
import { apply } from "../../src/autograd/dispatch.ts";
import { LAP_UNARY, riccati } from "../../src/taylor/shapes.ts";

/** The series at the Taylor level that `x` (batched by vmap) carries, seen on its physical tensor. */
function physicalSeries(x: Tensor): readonly number[] {
  let p = x;
  while (p._bat !== null) p = p._bat.phys;
  return p._fw === null ? [] : p._fw.tangent.shape;
}

Deno.test("broadcast series: vmap(laplacian) equals a loop of full series", async (t) => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const b of [1, 2, 5]) {
      await t.step(`${dtype}, ${b} point(s): values and gradients`, () => {
        const { params, u, points } = net(3, 4, 7 + b, dtype);
        const X = points(b);
        const tol = dtype === "float64" ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 1e-5, atol: 1e-5 };
        let seen: readonly number[] = [];
        const lapAt = (ps: Tensor[], probe = false) =>
          laplacian((x: Tensor) => {
            if (probe) seen = physicalSeries(x);
            return u(ps, x);
          });
        const batched = vmap(lapAt(params, true))(X);
        // the fast path ran: the directions stayed one series for all points
        assert.deepEqual(seen, [4, 1, 3]);
        const loop = Array.from({ length: b }, (_, i) => lapAt(params)(X.index(i)));
        assertClose(batched, loop.length === 1 ? loop[0].reshape([1]) : stackOf(loop), tol);
        const lossB = (...ps: Tensor[]) => vmap(lapAt(ps))(X).sub(0.3).pow(2).sum();
        const lossL = (...ps: Tensor[]) =>
          Array.from({ length: b }, (_, i) => lapAt(ps)(X.index(i)).sub(0.3).pow(2))
            .reduce((a, c) => a.add(c));
        const argnums = params.map((_, i) => i);
        const [vb, gb] = valueAndGrad(lossB, { argnums })(...params);
        const [vl, gl] = valueAndGrad(lossL, { argnums })(...params);
        assertClose(vb, vl, tol);
        gb.forEach((g, i) => assertClose(g, gl[i], tol));
      });
    }
  }

  await t.step(
    "scaled and shifted inputs keep the directions shared; per-point scales do not",
    () => {
      const { params, u, points } = net(3, 4, 19);
      const X = points(4);
      const scale = tensor([0.5, -2, 1.5], { dtype: "float64" });
      let seen: readonly number[] = [];
      const g = (x: Tensor) => {
        const z = x.mul(2).sub(1).div(3).mul(scale);
        seen = physicalSeries(z);
        return u(params, z);
      };
      const tol = { rtol: 1e-12, atol: 1e-12 };
      const batched = vmap(laplacian(g))(X);
      assert.deepEqual(seen, [4, 1, 3]);
      assertClose(batched, stackOf([0, 1, 2, 3].map((i) => laplacian(g)(X.index(i)))), tol);
      // a scale that differs between the points (batched itself) makes the series per point
      const C = points(4).exp();
      const h = (x: Tensor, c: Tensor) =>
        laplacian((v: Tensor) => u(params, v.mul(c).div(c.add(2))))(x);
      const hb = vmap(h)(X, C);
      assertClose(hb, stackOf([0, 1, 2, 3].map((i) => h(X.index(i), C.index(i)))), tol);
      const loss = (...ps: Tensor[]) =>
        vmap(laplacian((x: Tensor) => u(ps, x.mul(2).sub(1).div(3).mul(scale))))(X).pow(2).sum();
      const lossL = (...ps: Tensor[]) =>
        [0, 1, 2, 3].map((i) =>
          laplacian((x: Tensor) => u(ps, x.mul(2).sub(1).div(3).mul(scale)))(X.index(i)).pow(2)
        )
          .reduce((a, b) => a.add(b));
      const argnums = params.map((_, i) => i);
      const [, gb] = valueAndGrad(loss, { argnums })(...params);
      const [, gl] = valueAndGrad(lossL, { argnums })(...params);
      gb.forEach((v, i) => assertClose(v, gl[i], tol));
    },
  );

  await t.step("gradients equal finite differences", () => {
    const { params, u, points } = net(2, 3, 21);
    const X = points(3);
    const loss = (w1: Tensor) =>
      vmap(laplacian((x: Tensor) => u([w1, ...params.slice(1)], x)))(X).pow(2).sum();
    const g = grad(loss)(params[0]).toTypedArray();
    const w = [...params[0].toTypedArray()];
    const h = 1e-5;
    const at = (v: number[]) => loss(tensor(v, { dtype: "float64", shape: [2, 3] })).item();
    w.forEach((_, i) => {
      const up = w.slice(), dn = w.slice();
      up[i] += h;
      dn[i] -= h;
      const fd = (at(up) - at(dn)) / (2 * h);
      assert.ok(Math.abs(g[i] - fd) < 1e-7 * (1 + Math.abs(fd)), `entry ${i}: ${g[i]} vs ${fd}`);
    });
  });

  await t.step("grad of grad (the fused step's VJP in Tensor operations) equals a loop", () => {
    const { params, u, points } = net(2, 3, 5);
    const X = points(3);
    const c = tensor([[0.3, -1, 0.5], [2, 0.1, -0.4]], { dtype: "float64" });
    const lapAt = (w1: Tensor) => laplacian((x: Tensor) => u([w1, ...params.slice(1)], x));
    const dirB = (w1: Tensor) => grad((w: Tensor) => vmap(lapAt(w))(X).sum())(w1).mul(c).sum();
    const dirL = (w1: Tensor) =>
      grad((w: Tensor) => [0, 1, 2].map((i) => lapAt(w)(X.index(i))).reduce((a, b) => a.add(b)))(
        w1,
      ).mul(c).sum();
    assertClose(grad(dirB)(params[0]), grad(dirL)(params[0]), { rtol: 1e-12, atol: 1e-12 });
  });

  await t.step("jvp over vmap(laplacian) (the rule's Tensor-operation form) equals a loop", () => {
    // tangents on every parameter: the shared series (I W1) carries one itself
    const { params, u, points } = net(3, 4, 9);
    const X = points(4);
    const dps = params.map((p, i) => p.mul(0.5 + i).cos());
    const lapAt = (ps: Tensor[]) => laplacian((x: Tensor) => u(ps, x));
    const [yb, tb] = jvp((...ps: Tensor[]) => vmap(lapAt(ps))(X), params, dps);
    const per = [0, 1, 2, 3].map((i) =>
      jvp((...ps: Tensor[]) => lapAt(ps)(X.index(i)), params, dps)
    );
    assertClose(yb, stackOf(per.map((p) => p[0])), { rtol: 1e-12, atol: 1e-12 });
    assertClose(tb, stackOf(per.map((p) => p[1])), { rtol: 1e-12, atol: 1e-12 });
  });

  await t.step(
    "the fused step on a shared series: value, JVP and VJP equal the expanded one",
    () => {
      const rnd = numbers(29);
      const r = (shape: number[]) =>
        tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rnd), {
          dtype: "float64",
          shape,
        });
      const s = r([3, 1, 4]), e1 = r([5, 4]), e2 = r([5, 4]);
      const full = s.expand([3, 5, 4]).add(0); // the same series, stored for every row of e1
      const fused = (a: Tensor, b: Tensor, c: Tensor) => apply("custom", [a, b, c], LAP_UNARY);
      const inline = (a: Tensor, b: Tensor, c: Tensor) => LAP_UNARY.inline!([a, b, c]);
      assertClose(fused(s, e1, e2), fused(full, e1, e2), { rtol: 1e-15 });
      assertClose(inline(s, e1, e2), fused(full, e1, e2), { rtol: 1e-14 });
      const ts = r([3, 1, 4]), t1 = r([5, 4]), t2 = r([5, 4]);
      const [, tb] = jvp(fused, [s, e1, e2], [ts, t1, t2]);
      const [, tf] = jvp(fused, [full, e1, e2], [ts.expand([3, 5, 4]).add(0), t1, t2]);
      assertClose(tb, tf, { rtol: 1e-14 });
      // VJP: the kernel (first order) and the Tensor operations (under createGraph)
      const c = r([3, 5, 4]);
      const loss = (a: Tensor, b: Tensor, d: Tensor) => fused(a, b, d).mul(c).sum();
      const argnums = [0, 1, 2];
      const [, gb] = valueAndGrad(loss, { argnums })(s, e1, e2);
      const [, gf] = valueAndGrad(loss, { argnums })(full, e1, e2);
      assertClose(gb[0], gf[0].sum(1, true), { rtol: 1e-13, atol: 1e-14 });
      assertClose(gb[1], gf[1], { rtol: 1e-13 });
      assertClose(gb[2], gf[2], { rtol: 1e-13 });
      // second order: the VJP in Tensor operations (createGraph), differentiated again
      const k = r([3, 1, 4]);
      const hb = (a: Tensor) => grad((v: Tensor) => loss(v, e1, e2))(a).mul(k).sum();
      const hf = (a: Tensor) => grad((v: Tensor) => loss(v, e1, e2))(a).mul(k).sum();
      assertClose(hb(s), hf(full), { rtol: 1e-13 });
      assertClose(grad(hb)(s), grad(hf)(full).sum(1, true), { rtol: 1e-13, atol: 1e-14 });
    },
  );

  await t.step("vmap of vmap, and reshapes of the shared series inside f", () => {
    const { params, u } = net(6, 4, 3);
    const rnd = numbers(17);
    const P = tensor(Array.from({ length: 2 * 3 * 6 }, rnd), {
      dtype: "float64",
      shape: [2, 3, 2, 3],
    });
    // x of shape [2, 3] per point: flattened to [6] (a reshape that ends in one row, then [1, 6])
    const f = (x: Tensor) => u(params, x.reshape([1, 6]).reshape([6]));
    const g = (x: Tensor) => u(params, x.reshape([6, 1]).reshape([6])); // ends in a size-1 dim
    for (const h of [f, g]) {
      const nested = vmap(vmap(laplacian(h)))(P);
      const loop = [0, 1].map((i) => stackOf([0, 1, 2].map((j) => laplacian(h)(P.index(i, j)))));
      assertClose(nested, stackOf(loop), { rtol: 1e-12, atol: 1e-12 });
    }
  });

  await t.step("hutchinson directions shared by the batch: vmap equals a loop", () => {
    const { params, u, points } = net(4, 5, 13);
    const X = points(3);
    const est = laplacian((x: Tensor) => u(params, x), { estimator: "hutchinson", samples: 5 });
    const loop = stackOf([0, 1, 2].map((i) => est(X.index(i))));
    assertClose(vmap(est)(X), loop, { rtol: 1e-12, atol: 1e-12 });
  });

  await t.step("jet with terms shared by the batch equals jet with batched terms", () => {
    const { params, u, points } = net(3, 4, 11);
    const X = points(3);
    const rnd = numbers(5);
    const t1 = tensor(Array.from({ length: 3 }, rnd), { dtype: "float64" });
    const t2 = tensor(Array.from({ length: 3 }, rnd), { dtype: "float64" });
    const shared = vmap((x: Tensor) => {
      const [y, ys] = jet((v: Tensor) => u(params, v), [x], [[t1, t2]]);
      return [y, ...ys].reduce((a, b, i) => a.add(b.mul(i + 1)));
    })(X);
    const T1 = vmap((_: Tensor) => t1.add(0))(X), T2 = vmap((_: Tensor) => t2.add(0))(X);
    const own = vmap((x: Tensor, a: Tensor, b: Tensor) => {
      const [y, ys] = jet((v: Tensor) => u(params, v), [x], [[a, b]]);
      return [y, ...ys].reduce((p, q, i) => p.add(q.mul(i + 1)));
    })(X, T1, T2);
    assertClose(shared, own, { rtol: 1e-12, atol: 1e-12 });
  });
});

Deno.test("random programs: vmap(laplacian) and vmap(jet) with shared series equal loops", () => {
  fc.assert(
    fc.property(programArb(), (p: Program) => {
      const w = p.x.mul(0.7).add(0.3).sin();
      const f = (x: Tensor) => runProgram(p, x).mul(w).sum();
      // three points near p.x (away from kinks as p.x is), batched along a new leading dim
      const pts = [p.x, p.x.mul(0.9).add(0.02), p.x.mul(1.05).sub(0.01)];
      const X = stack(pts);
      const tol = { rtol: 1e-9, atol: 1e-9, message: p.text };
      assertClose(vmap(laplacian(f))(X), stackOf(pts.map((x) => laplacian(f)(x))), tol);
      const terms = p.series.slice(0, 2);
      const viaJet = (x: Tensor) => {
        const [y, ys] = jet(f, [x], [terms]);
        return stack([y, ...ys]);
      };
      assertClose(vmap(viaJet)(X), stackOf(pts.map(viaJet)), tol);
    }),
    { seed: SEED, numRuns: 40 },
  );
});

Deno.test("the Riccati step from y equals the step given f' and f'' (tanh, sigmoid, exp)", async (t) => {
  const rnd = numbers(31);
  const r = (shape: number[]) =>
    tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, rnd), {
      dtype: "float64",
      shape,
    });
  for (
    const [name, [a, b, c]] of [["tanh", [1, 0, -1]], ["sigmoid", [0, 1, -1]], ["exp", [
      0,
      1,
      0,
    ]]] as const
  ) {
    for (const sShape of [[3, 5, 4], [3, 1, 4]]) {
      await t.step(`${name}, series ${sShape.join("x")}: value, JVP, VJP, grad of grad`, () => {
        const shape = riccati(a, b, c);
        const step = shape.step!;
        const derivs = (y: Tensor) => shape.derivs(y, y) as [Tensor, Tensor];
        const fromY = (s: Tensor, y: Tensor) => apply("custom", [s, y], step);
        const given = (s: Tensor, y: Tensor) => apply("custom", [s, ...derivs(y)], LAP_UNARY);
        const s = r(sShape), y = r([5, 4]), k = r([3, 5, 4]);
        const tol = { rtol: 1e-13, atol: 1e-14 };
        assertClose(fromY(s, y), given(s, y), tol);
        assertClose(step.inline!([s, y]), given(s, y), tol);
        const [ts, ty] = [r(sShape), r([5, 4])];
        assertClose(jvp(fromY, [s, y], [ts, ty])[1], jvp(given, [s, y], [ts, ty])[1], tol);
        const argnums = [0, 1];
        const loss = (f: typeof fromY) => (u: Tensor, v: Tensor) => f(u, v).mul(k).sum();
        const [, g1] = valueAndGrad(loss(fromY), { argnums })(s, y);
        const [, g2] = valueAndGrad(loss(given), { argnums })(s, y);
        g1.forEach((g, i) => assertClose(g, g2[i], tol));
        // the VJP in Tensor operations, differentiated again
        const second = (f: typeof fromY) => (u: Tensor, v: Tensor) => {
          const [gu, gv] = grad(loss(f), { argnums })(u, v);
          return gu.mul(ts).sum().add(gv.mul(ty).sum());
        };
        const [, h1] = valueAndGrad(second(fromY), { argnums })(s, y);
        const [, h2] = valueAndGrad(second(given), { argnums })(s, y);
        h1.forEach((h, i) => assertClose(h, h2[i], tol));
      });
    }
  }
});

Deno.test("lapUnaryKernel and its VJP on a shared series equal the full series", () => {
  const rnd = numbers(3);
  const d = 3, m = 5, reps = 4, n = m * reps;
  const arr = (k: number) => Float64Array.from({ length: k }, rnd);
  const s = arr((d + 1) * m), d1 = arr(n), d2 = arr(n), g = arr((d + 1) * n);
  const full = new Float64Array((d + 1) * n);
  for (let r = 0; r <= d; r++) {
    for (let p = 0; p < reps; p++) full.set(s.subarray(r * m, (r + 1) * m), r * n + p * m);
  }
  const close = (a: Float64Array, b: Float64Array, what: string) =>
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-14, `${what} ${i}: ${v} vs ${b[i]}`));
  close(lapUnaryKernel(s, d1, d2, d, n, m), lapUnaryKernel(full, d1, d2, d, n), "forward");
  for (
    const needs of [[true, true, true], [true, false, false], [false, true, false], [
      false,
      false,
      true,
    ]]
  ) {
    const [gs, g1, g2] = lapUnaryVjpKernel(g, s, d1, d2, d, n, needs, m);
    const [fs, f1, f2] = lapUnaryVjpKernel(g, full, d1, d2, d, n, needs);
    if (needs[0]) {
      // the shared series' gradient sums the full one's over the repeats
      const sum = new Float64Array((d + 1) * m);
      for (let r = 0; r <= d; r++) {
        for (let p = 0; p < reps; p++) {
          for (let e = 0; e < m; e++) sum[r * m + e] += fs![r * n + p * m + e];
        }
      }
      close(gs!, sum, "series gradient");
    } else assert.equal(gs, null);
    if (needs[1]) close(g1!, f1!, "f' gradient");
    else assert.equal(g1, null);
    if (needs[2]) close(g2!, f2!, "f'' gradient");
    else assert.equal(g2, null);
  }
});

function stackOf(ts: readonly Tensor[]): Tensor {
  return stack([...ts]);
}
