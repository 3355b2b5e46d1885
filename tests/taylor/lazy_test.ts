/**
 * Lazy series of the forward Laplacian (`src/taylor/lazy.ts`): where nothing watches them, the
 * steps of elementwise functions are made only when read, products by constant matrices are
 * fed from the step's memory, and `laplacian` reads the summed row alone. Every result is
 * compared with the same computation with every series made at once (`withoutLazySeries`, the
 * general rules), with the trace of the Hessian, and with finite differences.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cat,
  checkpoint,
  getNumThreads,
  hessian,
  jet,
  laplacian,
  matmul,
  setNumThreads,
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
import { LazySeries, withoutLazySeries } from "../../src/taylor/lazy.ts";
import { matmul2d, matmulRows } from "../../src/kernels/matmul.ts";
import { lapIntoCount, lastInPlaceCount } from "../../src/kernels/lap.ts";
import { currentPool, gemmFor, PARALLEL_MIN_WORK } from "../../src/kernels/backend.ts";
import type { Pool } from "../../src/kernels/pool.ts";

/** The tensors `f` saw, to look at the series they carried after the call. */
const seen: Tensor[] = [];
const keep = (t: Tensor) => (seen.push(t), t);

/** The series the physical tensor of `t` carries (at its innermost level). */
function seriesOn(t: Tensor): Tensor | null {
  let p = t;
  while (p._bat !== null) p = p._bat.phys;
  return p._fw === null ? null : p._fw.tangent;
}

/** `Σ tanh(tanh(x W1 + b1) W2 + b2) W3` (W7's network, any widths). */
const mlp = (ps: readonly Tensor[], x: Tensor) => {
  const [w1, b1, w2, b2, w3] = ps;
  const h1 = keep(matmul(x, w1).add(b1).tanh());
  const h2 = keep(keep(matmul(h1, w2).add(b2)).tanh());
  return matmul(h2, w3).sum();
};

/** The same value with every series made at once (the general rules), and both compared. */
function same(f: () => Tensor, tol = 1e-12, what = ""): Tensor {
  const lazy = f();
  const made = withoutLazySeries(f);
  assertClose(lazy, made, { rtol: tol, atol: tol, message: what });
  return lazy;
}

/** The rows of `x` along its first dim. */
const unbind = (x: Tensor) => Array.from({ length: x.shape[0] }, (_, i) => x.index(i));

/** The trace of the Hessian of `f` at `x` (one point, any shape). */
function hessianTrace(f: (x: Tensor) => Tensor, x: Tensor): number {
  const n = x.numel;
  const h = hessian(f)(x).reshape([n, n]).toTypedArray();
  let t = 0;
  for (let i = 0; i < n; i++) t += h[i * n + i];
  return t;
}

Deno.test("lazy series: the network's laplacian equals the general rules and the Hessian", async (t) => {
  for (const dtype of ["float64", "float32"] as const) {
    for (const b of [1, 2, 5]) {
      await t.step(`${dtype}, ${b} point(s), vmap and a loop`, () => {
        // width 48 and 16 directions: the steps run in WebAssembly (≥ 2048 elements) from 3
        // points, the products in the matrix kernel
        const { params, points } = net(16, 48, 7 + b, dtype);
        const X = points(b);
        const f = (x: Tensor) => mlp(params, x);
        seen.length = 0;
        const tol = dtype === "float64" ? 1e-12 : 1e-5;
        const lap = same(() => vmap(laplacian(f))(X), tol, `${dtype} ${b}`);
        // both steps stayed lazy; the second one's direction rows were never made
        const [s1, z2, s2] = seen.slice(0, 3).map(seriesOn);
        assert.ok(s1 instanceof LazySeries && z2 instanceof LazySeries && s2 instanceof LazySeries);
        assert.ok(!s2.isWhole, "the last step's directions are not made");
        // from 3 points (the first step in WebAssembly), float64: the second product is read
        // from the matrix kernel's memory, never made
        assert.equal(z2.isWhole, !(b >= 3 && dtype === "float64"));
        const rows = unbind(X);
        const loop = stack(rows.map((x) => same(() => laplacian(f)(x), tol)));
        assertClose(lap, loop, { rtol: tol, atol: tol });
        if (dtype === "float64") {
          const want = rows.map((x) => hessianTrace(f, x));
          assertClose(lap, tensor(want, { dtype }), { rtol: 1e-9, atol: 1e-9 });
        }
      });
    }
  }
});

Deno.test("lazy series: consumers that need the direction rows make them", async (t) => {
  const { params, points } = net(6, 40, 3);
  const [w1, b1, w2] = params;
  const X = points(4);
  const h = (x: Tensor) => matmul(x, w1).add(b1);
  const cases: [string, (x: Tensor) => Tensor][] = [
    ["tanh(tanh(h))", (x) => h(x).tanh().tanh().sum()],
    ["tanh(h) · sin(h)", (x) => h(x).tanh().mul(h(x).sin()).sum()],
    ["a residual tanh(h) W2 + h", (x) => matmul(h(x).tanh(), w2).add(h(x)).sigmoid().sum()],
    ["scaled, divided, sliced, permuted", (x) => {
      const y = h(x).tanh().mul(3).div(2);
      return matmul(y.reshape([-1, 8]).permute([1, 0]).index([2, 6]), y.reshape([5, 8]))
        .exp().sum();
    }],
    ["cat of a lazy series and a constant", (x) => cat([h(x).sin(), b1]).pow(2).sum()],
    ["exp(tanh(h) W2) (a product that is made)", (x) => matmul(h(x).tanh(), w2).exp().sum()],
    ["tanh(tanh(h) W2 W2ᵀ) (a product of a lazy product)", (x) => {
      return matmul(matmul(h(x).tanh(), w2), w2.permute([1, 0]).mul(0.5)).tanh().sum();
    }],
    ["tanh(z) · sigmoid(z), z = tanh(h) W2 (a lazy product read twice)", (x) => {
      const z = matmul(h(x).tanh(), w2);
      return z.tanh().mul(z.sigmoid()).sum();
    }],
    ["tanh(z) W2 + z, z = tanh(h) W2", (x) => {
      const z = matmul(h(x).tanh(), w2);
      return matmul(z.tanh(), w2).add(z).sum();
    }],
    ["a weighted sum (a linear rule on the summed row)", (x) => h(x).tanh().mul(b1).sum()],
    [
      "a checkpointed step",
      (x) => checkpoint((v: Tensor) => matmul(v.tanh(), w2).tanh())(h(x)).sum(),
    ],
  ];
  for (const [name, f] of cases) {
    await t.step(name, () => {
      const lap = same(() => vmap(laplacian(f))(X), 1e-12, name);
      const want = unbind(X).map((x) => hessianTrace(f, x));
      assertClose(lap, tensor(want, { dtype: "float64" }), {
        rtol: 1e-9,
        atol: 1e-9,
        message: name,
      });
    });
  }
});

Deno.test("lazy series: vmap of vmap, hutchinson, jet", async (t) => {
  const { params, points } = net(5, 64, 11);
  const f = (x: Tensor) => mlp(params, x);
  await t.step("vmap of vmap", () => {
    const X = points(6).reshape([2, 3, 5]);
    const lap = same(() => vmap(vmap(laplacian(f)))(X));
    const want = unbind(X.reshape([6, 5])).map((x) => laplacian(f)(x).item());
    assertClose(lap.reshape([6]), tensor(want, { dtype: "float64" }), { rtol: 1e-12, atol: 1e-12 });
  });
  await t.step("hutchinson", () => {
    const X = points(5);
    for (const samples of [1, 7, 40]) {
      same(() => vmap(laplacian(f, { estimator: "hutchinson", samples, seed: 3 }))(X));
    }
  });
  await t.step("jet with other directions (never lazy) is unchanged", () => {
    const x = points(1).reshape([5]);
    const v = points(1).reshape([5]), w = points(1).reshape([5]);
    const [y, ys] = jet(f, [x], [[v, w]]);
    const [y0, ys0] = withoutLazySeries(() => jet(f, [x], [[v, w]]));
    assertClose(stack([y, ...ys]), stack([y0, ...ys0]), { rtol: 0, atol: 0 });
  });
});

Deno.test("lazy series: gradients of a loss with a laplacian equal finite differences", () => {
  const { params, points } = net(4, 40, 5);
  const X = points(3);
  // only the last layer is a parameter: the steps before it stay lazy, the product by it is
  // recorded (made); and all of them (nothing lazy)
  const loss = (...ps: Tensor[]) => {
    const all = ps.length === 1 ? [...params.slice(0, 4), ps[0]] : ps;
    return vmap(laplacian((x: Tensor) => mlp(all, x)))(X).pow(2).sum();
  };
  for (const argnums of [[0], [0, 1, 2, 3, 4]]) {
    const args = argnums.length === 1 ? [params[4]] : params;
    const run = () => valueAndGrad(loss, { argnums })(...args)[1];
    const gs = run(), gs0 = withoutLazySeries(run);
    gs.forEach((g, i) => assertClose(g, gs0[i], { rtol: 1e-12, atol: 1e-12 }));
    // central differences on a few entries of each gradient
    args.forEach((p, i) => {
      const v = [...p.toTypedArray()];
      for (const j of [0, Math.floor(v.length / 2), v.length - 1]) {
        const at = (e: number) => {
          const u = v.slice();
          u[j] += e;
          const q = args.slice();
          q[i] = tensor(u, { dtype: "float64", shape: p.shape });
          return loss(...q).item();
        };
        const fd = (at(1e-6) - at(-1e-6)) / 2e-6;
        const got = gs[i].toTypedArray()[j];
        assert.ok(
          Math.abs(got - fd) <= 1e-5 * Math.max(1, Math.abs(fd)),
          `${i}[${j}]: ${got} vs ${fd}`,
        );
      }
    });
  }
});

Deno.test("random programs: laplacian with lazy series equals the general rules", () => {
  fc.assert(
    fc.property(programArb(), (p: Program) => {
      const f = (x: Tensor) => runProgram(p, x).sin().sum();
      same(() => laplacian(f)(p.x), 1e-12, p.text);
      const X = stack([p.x, p.x.mul(0.9).add(0.02)]);
      same(() => vmap(laplacian(f))(X), 1e-12, p.text);
    }),
    { seed: SEED, numRuns: 60 },
  );
});

Deno.test("matmulRows: a product whose A is written by a source equals matmul2d", () => {
  const rnd = numbers(17);
  // contiguous results (n a multiple of the panel width) and others, both types
  const cases = [[2176, 64, 64, false], [37, 9, 13, true], [7, 3, 130, false], [50, 8, 16, true]];
  for (const f32 of [false, true]) {
    for (const [m, k, n, transB] of cases as [number, number, number, boolean][]) {
      const T = f32 ? Float32Array : Float64Array;
      const a = T.from(Array.from({ length: m * k }, rnd));
      const b = T.from(Array.from({ length: k * n }, rnd));
      const want = new T(m * n);
      matmul2d(a, 0, b, 0, want, 0, m, k, n, false, transB);
      const got = matmulRows(
        (v, at, i0, r) => v.set(a.subarray(i0 * k, (i0 + r) * k), at),
        m,
        k,
        b,
        n,
        transB,
      );
      assert.ok(got !== null, `${m}x${k}x${n}: runs in WebAssembly`);
      assert.deepEqual(got, want, `${m}x${k}x${n} transB=${transB} f32=${f32}`);
    }
  }
  // matrix-vector products and small ones are declined
  const never = () => assert.fail("not called");
  assert.equal(matmulRows(never, 100, 8, new Float64Array(8), 1, false), null);
  assert.equal(matmulRows(never, 2, 2, new Float64Array(4), 2, false), null);
});

/** Two threads, and the pool's one worker started (asserted); the caller restores the count. */
async function startOneWorker(): Promise<Pool> {
  setNumThreads(2);
  gemmFor(PARALLEL_MIN_WORK); // makes the pool
  for (let i = 0; i < 200 && (currentPool()?.ready ?? 0) < 1; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  const pool = currentPool();
  assert.ok(pool !== null && pool.ready === 1, "the worker started");
  return pool;
}

/** `f()` computed on one thread, then back to the two threads of {@linkcode startOneWorker}. */
function onOneThread<T>(f: () => T): T {
  setNumThreads(1);
  try {
    return f();
  } finally {
    setNumThreads(2);
  }
}

Deno.test("lazy series: products computed by the workers and read from their memory give the same bits", async () => {
  const before = getNumThreads();
  try {
    const pool = await startOneWorker();
    // W7's shapes at 16 points: the second product (1.1M multiply-adds) goes to the pool
    const { params, points } = net(16, 64, 21);
    const X = points(16);
    const f = (x: Tensor) => mlp(params, x);
    const run = () => vmap(laplacian(f))(X).toTypedArray();
    const one = onOneThread(run);
    const chunks = pool.workerChunks;
    pool.callerWorks = false; // the worker alone computes the products
    let many: Float64Array;
    try {
      seen.length = 0;
      many = run() as Float64Array;
    } finally {
      pool.callerWorks = true;
    }
    assert.ok(pool.workerChunks > chunks, "the worker took chunks");
    const z2 = seriesOn(seen[1]);
    assert.ok(z2 instanceof LazySeries && !z2.isWhole, "the product was read from memory");
    assert.deepEqual(many, one);
    assert.deepEqual(many, withoutLazySeries(run));
  } finally {
    setNumThreads(before);
  }
});

Deno.test("lazy series: on the pool's shared memory the step writes the product's A in place, the same bits", async () => {
  const before = getNumThreads();
  try {
    await startOneWorker();
    // W7's shapes (128 points: the layer-2 product wakes the worker), and a third tanh layer: its step makes the layer-2 product whole
    // (in place, copied out), and the layer-3 product is read where the kernel left it
    const { params, points } = net(16, 64, 23);
    const w3 = net(16, 64, 29).params[2];
    const X = points(128);
    const deep = (x: Tensor) => {
      const [w1, b1, w2, b2] = params;
      const h1 = matmul(x, w1).add(b1).tanh();
      const h2 = matmul(h1, w2).add(b2).tanh();
      return matmul(matmul(h2, w2).tanh(), w3).tanh().sum();
    };
    for (const f of [(x: Tensor) => mlp(params, x), deep]) {
      const run = () => vmap(laplacian(f))(X).toTypedArray();
      const one = onOneThread(() => {
        const count = lapIntoCount, last = lastInPlaceCount;
        const got = run();
        assert.equal(lapIntoCount, count, "one thread: the lap module's own memory");
        assert.equal(lastInPlaceCount, last, "one thread: the product copied into it");
        return got;
      });
      const count = lapIntoCount, last = lastInPlaceCount;
      const many = run();
      assert.ok(lapIntoCount > count, "the in-place path was taken");
      assert.ok(lastInPlaceCount > last, "the last step read the product in place");
      assert.deepEqual(many, one);
      assert.deepEqual(many, withoutLazySeries(run));
    }
  } finally {
    setNumThreads(before);
  }
});
