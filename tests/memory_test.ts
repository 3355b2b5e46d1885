/**
 * tidy, dispose and the buffer pool: what a scope keeps and releases, that released memory is
 * reused and never read through a tensor that is still alive, and that results are the same
 * bits with and without scopes.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  add,
  cat,
  crossEntropy,
  customVjp,
  dispose,
  grad,
  hessian,
  indexSelect,
  jvp,
  laplacian,
  matmul,
  memoryInfo,
  ReleasedTensorError,
  slice,
  type Tensor,
  tensor,
  tidy,
  valueAndGrad,
  vjp,
  vmap,
} from "../mod.ts";
import { vjp as coreVjp } from "../src/functional/transforms.ts";
import { dropPooled } from "../src/buffer_pool.ts";
import { net, numbers } from "./support/tanh_net.ts";
import { SEED } from "./support/props.ts";

const f64 = { dtype: "float64" } as const;
const PERM = tensor(Array.from({ length: 24 }, (_, i) => (7 * i) % 24), { dtype: "int64" });

/** A float64 tensor of `shape` with reproducible values in (-1, 1). */
function filled(shape: number[], seed: number): Tensor {
  const next = numbers(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, () => 2 * next() - 1), { ...f64, shape });
}

function bits(t: Tensor): number[] {
  return [...t.toTypedArray()];
}

/**
 * Allocates and releases buffers of every size these tests use (float64 and float32), so that
 * memory handed out again is overwritten.
 */
function churn(): void {
  const sizes = [240, 256, 400, 576, 625, 900, 1000, 1536, 1600, 1920, 2000, 4096];
  for (let i = 0; i < 3; i++) {
    tidy(() => {
      for (const n of sizes) {
        tensor(new Array(n).fill(7.5), f64).exp();
        tensor(new Array(2 * n).fill(7.5), { dtype: "float32" }).exp();
      }
    });
  }
}

/** The W2-style step of a small tanh MLP: loss and gradients of all parameters. */
function mlp() {
  const x = filled([32, 48], 1);
  const labels = tensor(Array.from({ length: 32 }, (_, i) => i % 5), { dtype: "int64" });
  const params = [filled([48, 40], 2), filled([40], 3), filled([40, 5], 4), filled([5], 5)];
  const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) =>
    crossEntropy(add(matmul(add(matmul(x, w1), b1).tanh(), w2), b2), labels);
  const vg = valueAndGrad(loss, { argnums: [0, 1, 2, 3] });
  return { params, vg };
}

Deno.test("tidy: a loop's steady state allocates nothing new, with the same bits", () => {
  const { params, vg } = mlp();
  const plain = vg(params[0], params[1], params[2], params[3]);
  let p = params;
  const freshAfter: number[] = [];
  for (let step = 0; step < 5; step++) {
    const next = tidy(() => {
      const [value, grads] = vg(p[0], p[1], p[2], p[3]);
      if (step === 0) {
        assert.deepEqual(bits(value), bits(plain[0]));
        grads.forEach((g, i) => assert.deepEqual(bits(g), bits(plain[1][i])));
      }
      return { value: value.item(), params: p.map((w, i) => w.sub(grads[i].mul(0.1))) };
    });
    if (step > 0) dispose(p);
    p = next.params;
    freshAfter.push(memoryInfo().fresh);
  }
  // the first steps meet each size for the first time; from then on the pool serves all
  assert.equal(freshAfter[4], freshAfter[2], `fresh allocations per step: ${freshAfter}`);
  assert.ok(memoryInfo().reused > 0);
  // the same five steps without tidy give the same weights
  let q = params;
  for (let step = 0; step < 5; step++) {
    const [, grads] = vg(q[0], q[1], q[2], q[3]);
    q = q.map((w, i) => w.sub(grads[i].mul(0.1)));
  }
  churn();
  p.forEach((w, i) => assert.deepEqual(bits(w), bits(q[i])));
});

Deno.test("tidy: tensors made inside and not returned throw ReleasedTensorError", () => {
  let inner: Tensor | undefined;
  let small: Tensor | undefined;
  const out = tidy(() => {
    inner = filled([30, 30], 7).exp();
    small = tensor([1, 2, 3], f64).exp();
    return inner.sum();
  });
  assert.ok(
    Math.abs(out.item() - bits(filled([30, 30], 7)).reduce((a, v) => a + Math.exp(v), 0)) < 1e-9,
  );
  const t = inner as Tensor;
  assert.throws(() => t.sum(), ReleasedTensorError);
  assert.throws(() => t.toTypedArray(), ReleasedTensorError);
  assert.throws(() => String(t), ReleasedTensorError);
  assert.throws(() => t.reshape([900]), ReleasedTensorError);
  assert.throws(() => matmul(t, t), ReleasedTensorError);
  assert.throws(
    () => t.sum(),
    /float64 tensor of shape \[30, 30\] was released by tidy\(\).*return it/,
  );
  // the shape stays readable; small tensors are left to the garbage collector
  assert.deepEqual(t.shape, [30, 30]);
  assert.deepEqual(bits(small as Tensor), [1, 2, 3].map(Math.exp));
});

Deno.test("tidy: the result keeps what it reaches", async (t) => {
  await t.step("tensors in arrays, objects, maps and sets", () => {
    const r = tidy(() => {
      const a = filled([20, 20], 1).mul(2);
      return { list: [a, [a.add(1)]], map: new Map([["k", a.sub(1)]]), set: new Set([a.neg()]) };
    });
    churn();
    const a = bits(filled([20, 20], 1)).map((v) => 2 * v);
    assert.deepEqual(bits(r.list[0] as Tensor), a);
    assert.deepEqual(bits((r.list[1] as Tensor[])[0]), a.map((v) => v + 1));
    assert.deepEqual(bits(r.map.get("k") as Tensor), a.map((v) => v - 1));
    assert.deepEqual(bits([...r.set][0]), a.map((v) => -v));
  });

  await t.step("the autograd graph, so backward can run after the call", () => {
    const w = filled([25, 25], 2).requiresGrad_();
    const x = filled([25, 25], 3);
    const y = tidy(() => matmul(x, w).tanh().mul(x).exp());
    churn();
    y.sum().backward();
    const ref = filled([25, 25], 2).requiresGrad_();
    matmul(x, ref).tanh().mul(x).exp().sum().backward();
    assert.deepEqual(bits(w.grad as Tensor), bits(ref.grad as Tensor));
  });

  await t.step("gradients that backward stores in tensors made before the call", () => {
    const w = filled([30, 30], 4).requiresGrad_();
    const h = filled([30, 30], 5).requiresGrad_();
    tidy(() => {
      const z = matmul(w, h).tanh();
      z.retainGrad();
      z.square().sum().backward();
    });
    churn();
    const w2 = filled([30, 30], 4).requiresGrad_();
    const h2 = filled([30, 30], 5).requiresGrad_();
    matmul(w2, h2).tanh().square().sum().backward();
    assert.deepEqual(bits(w.grad as Tensor), bits(w2.grad as Tensor));
    assert.deepEqual(bits(h.grad as Tensor), bits(h2.grad as Tensor));
    // a second backward in a later call accumulates onto the kept gradient
    tidy(() => matmul(w, h).tanh().square().sum().backward());
    matmul(w2, h2).tanh().square().sum().backward();
    churn();
    assert.deepEqual(bits(w.grad as Tensor), bits(w2.grad as Tensor));
  });

  await t.step("forward-mode results, vmap, hessian", () => {
    const x = filled([6, 40], 6);
    const f = (v: Tensor) => v.tanh().square().sum();
    const [value, tangent] = tidy(() => jvp(f, [x], [x.mul(0.5)]));
    const batched = tidy(() => vmap(grad(f))(x));
    const h = tidy(() => hessian(f)(filled([40], 7)));
    churn();
    const [v2, t2] = jvp(f, [x], [x.mul(0.5)]);
    assert.deepEqual(bits(value), bits(v2));
    assert.deepEqual(bits(tangent), bits(t2));
    assert.deepEqual(bits(batched), bits(vmap(grad(f))(x)));
    assert.deepEqual(bits(h), bits(hessian(f)(filled([40], 7))));
  });
});

Deno.test("tidy keeps a custom VJP's residuals for a later backward", () => {
  const sumExp = customVjp(
    (x: Tensor) => x.exp().sum(),
    (x: Tensor) => {
      const e = x.exp();
      return [e.sum(), e];
    },
    (e: Tensor, g: Tensor) => [e.mul(g)],
  );
  const x = filled([30, 30], 18).requiresGrad_();
  const y = tidy(() => sumExp(x));
  churn();
  y.backward();
  assert.deepEqual(bits(x.grad as Tensor), bits(filled([30, 30], 18).exp()));
});

Deno.test("tidy inside a function that jvp, vmap or grad transform", () => {
  const x = filled([20, 30], 15);
  const v = filled([20, 30], 16);
  // the result of the inner call carries a tangent, a batch or a graph made inside it
  const f = (y: Tensor) => {
    const z = tidy(() => y.tanh().mul(y));
    churn();
    return z.exp().sum();
  };
  const g = (y: Tensor) => y.tanh().mul(y).exp().sum();
  const [value, tangent] = jvp(f, [x], [v]);
  const [value2, tangent2] = jvp(g, [x], [v]);
  assert.deepEqual(bits(value), bits(value2));
  assert.deepEqual(bits(tangent), bits(tangent2));
  assert.deepEqual(bits(vmap(f)(x)), bits(vmap(g)(x)));
  assert.deepEqual(bits(grad(f)(x)), bits(grad(g)(x)));
});

Deno.test("tidy: storage shared with a live tensor is never reused", async (t) => {
  await t.step("views inside the call of a tensor made before it", () => {
    const outer = filled([40, 40], 8);
    const before = bits(outer);
    tidy(() => {
      outer.reshape([1600]).exp();
      outer.detach().exp();
      slice(outer, 0, 0, 1).exp();
      slice(outer, 0, 2, 30).exp();
    });
    churn();
    assert.deepEqual(bits(outer), before);
  });

  await t.step("a returned view of a released tensor", () => {
    const x = filled([40, 40], 9);
    const [flat, row, rows] = tidy(() => {
      const y = x.exp(); // released, but its buffer stays with the views
      return [y.reshape([1600]), y.index(3), slice(y, 0, 0, 10)];
    });
    churn();
    const e = bits(x).map(Math.exp);
    assert.deepEqual(bits(flat), e);
    assert.deepEqual(bits(row), e.slice(120, 160));
    assert.deepEqual(bits(rows), e.slice(0, 400));
  });

  await t.step("a returned small window of a released tensor", () => {
    const x = filled([40, 40], 17);
    const row = tidy(() => x.exp().index(5));
    churn();
    assert.deepEqual(bits(row), bits(x).slice(200, 240).map(Math.exp));
  });

  await t.step("dispose waits for the last tensor sharing the buffer", () => {
    const y = tidy(() => filled([40, 40], 10).exp());
    const view = y.reshape([1600]);
    const values = bits(y);
    dispose(y);
    assert.throws(() => y.sum(), ReleasedTensorError);
    churn();
    assert.deepEqual(bits(view), values);
    dispose(view);
    dispose(view); // twice is harmless
    assert.throws(() => view.sum(), /released by dispose\(\)/);
  });
});

Deno.test("tidy: nesting, exceptions and misuse", async (t) => {
  await t.step("an inner result belongs to the outer call", () => {
    let kept: Tensor | undefined;
    let dropped: Tensor | undefined;
    const r = tidy(() => {
      kept = tidy(() => filled([30, 30], 11).exp());
      dropped = tidy(() => filled([30, 30], 12).exp());
      return kept.add(1);
    });
    churn();
    assert.deepEqual(bits(r), bits(filled([30, 30], 11)).map((v) => Math.exp(v) + 1));
    assert.throws(() => (kept as Tensor).sum(), ReleasedTensorError);
    assert.throws(() => (dropped as Tensor).sum(), ReleasedTensorError);
  });

  await t.step("nothing is released when the function throws", () => {
    let made: Tensor | undefined;
    assert.throws(() =>
      tidy(() => {
        made = filled([30, 30], 13).exp();
        throw new Error("boom");
      }), /boom/);
    churn();
    assert.deepEqual(bits(made as Tensor), bits(filled([30, 30], 13)).map(Math.exp));
  });

  await t.step("an async function or a non-function is refused", () => {
    assert.throws(() => tidy((async () => {}) as unknown as () => void), /synchronous/);
    assert.throws(() => tidy(3 as unknown as () => void), /takes a function, got number/);
  });
});

Deno.test("tidy: random chains give the same bits inside and outside, and survive reuse", () => {
  const ops: ((x: Tensor, w: Tensor) => Tensor)[] = [
    (x) => x.tanh(),
    (x) => x.mul(1.5).add(0.25),
    (x, w) => matmul(x, w).div(8),
    (x) => x.exp().log1p(),
    (x) => x.transpose(0, 1).reshape(x.shape as number[]),
    (x) => x.softmax(-1),
    (x) => x.sum(0, true).expand(x.shape as number[]).sub(x),
    // backward rules that write into zeroed storage (sliceScatter, index-add)
    (x) => cat([slice(x, 0, 12, 24), slice(x, 0, 0, 12)], 0),
    (x) => indexSelect(x, 1, PERM),
  ];
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: ops.length - 1 }), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 0, max: 1000 }),
      (chain, seed) => {
        const x0 = filled([24, 24], seed);
        const w = filled([24, 24], seed + 1);
        const f = (x: Tensor) => chain.reduce((v, k) => ops[k](v, w), x).square().sum();
        const outside = valueAndGrad(f)(x0);
        const inside = tidy(() => valueAndGrad(f)(x0));
        churn();
        assert.deepEqual(bits(inside[0]), bits(outside[0]));
        assert.deepEqual(bits(inside[1]), bits(outside[1]));
      },
    ),
    { seed: SEED, numRuns: 40 },
  );
});

Deno.test("memoryInfo: the pool is emptied when idle", async () => {
  tidy(() => filled([64, 64], 14).exp());
  assert.ok(memoryInfo().pooledBuffers > 0);
  await new Promise((r) => setTimeout(r, 450));
  assert.equal(memoryInfo().pooledBuffers, 0);
  assert.equal(memoryInfo().pooledBytes, 0);
  dropPooled();
});

Deno.test("tidy: Taylor-mode Laplacians of W7's network are the same bits", () => {
  const { params, u, points } = net(8, 32, 3);
  const x = points(16);
  const lap = vmap(laplacian((p: Tensor) => u(params, p)));
  const plain = lap(x);
  const r = tidy(() => lap(x));
  churn();
  assert.deepEqual(bits(r), bits(plain));
});

Deno.test("tidy inside a function that laplacian transforms keeps its lazy series", async (t) => {
  // the Laplacian's series stay unmade (lazy.ts) until a consumer reads them, after the call;
  // what they read, the storage of f′ and f″ too, must outlive it
  for (const dtype of ["float64", "float32"] as const) {
    const { params, u, points } = net(4, 240, 3, dtype);
    const [w1, b1, , , w3] = params;
    const x = points(1).reshape([4]);
    const lap = (f: (p: Tensor) => Tensor) => laplacian(f)(x);

    await t.step(`the whole network in the call (${dtype})`, () => {
      const r = lap((p) => {
        const y = tidy(() => u(params, p));
        churn();
        return y;
      });
      assert.deepEqual(bits(r), bits(lap((p) => u(params, p))));
    });

    await t.step(`one step in the call, on a series made before it (${dtype})`, () => {
      const g = (p: Tensor, scoped: boolean) => {
        const z = matmul(p, w1).add(b1);
        const y = scoped ? tidy(() => z.sin()) : z.sin();
        if (scoped) churn();
        return matmul(y, w3).sum();
      };
      assert.deepEqual(bits(lap((p) => g(p, true))), bits(lap((p) => g(p, false))));
    });

    await t.step(`a series made before the call and made whole inside it (${dtype})`, () => {
      const g = (p: Tensor, scoped: boolean) => {
        const h = matmul(p, w1).add(b1).tanh();
        const a = scoped ? tidy(() => h.mul(h).sum()) : h.mul(h).sum();
        if (scoped) churn();
        return a.add(matmul(h, w3).sum());
      };
      assert.deepEqual(bits(lap((p) => g(p, true))), bits(lap((p) => g(p, false))));
      // a series made and made whole inside the call is released with it
      const fresh: number[] = [];
      for (let i = 0; i < 4; i++) {
        tidy(() => lap((p) => g(p, false)));
        fresh.push(memoryInfo().fresh);
      }
      assert.equal(fresh[3], fresh[1], `fresh allocations per Laplacian: ${fresh}`);
    });
  }
});

Deno.test("tidy keeps the graph of a vjp pullback it returns", () => {
  const x = filled([30, 30], 19);
  const f = (v: Tensor) => matmul(v, v).tanh().exp();
  const ct = filled([30, 30], 20);
  const [y, pullback] = tidy(() => coreVjp(f, x));
  const [yp, pullbackp] = tidy(() => vjp(f, x)); // the pytree vjp wraps the tensor one
  churn();
  const [y2, pullback2] = coreVjp(f, x);
  assert.deepEqual(bits(y), bits(y2));
  assert.deepEqual(bits(yp as Tensor), bits(y2));
  assert.deepEqual(bits(pullback(ct)[0]), bits(pullback2(ct)[0]));
  assert.deepEqual(bits((pullbackp(ct) as Tensor[])[0]), bits(pullback2(ct)[0]));
});
