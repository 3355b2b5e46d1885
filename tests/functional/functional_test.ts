/**
 * The functional transforms: their values against closed forms and finite differences,
 * their compositions in every order, and perturbation confusion.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  autogradGrad,
  derivative,
  grad,
  hessian,
  hvp,
  jacfwd,
  jacobian,
  jacrev,
  jvp,
  matmul,
  type Tensor,
  tensor,
  toDot,
  valueAndGrad,
  vjp,
} from "../../mod.ts";
import { assertClose, gradcheck } from "../../src/testing/mod.ts";
import { property, tensorArb } from "../support/props.ts";

const f64 = (d: number | number[] | number[][]) => tensor(d, { dtype: "float64" });

/** Central differences of a vector function: the Jacobian [out..., in]. */
function fdJacobian(f: (x: Tensor) => Tensor, x: Tensor, h = 1e-6): Tensor {
  const xs = [...x.toTypedArray()];
  const cols: number[][] = [];
  for (let i = 0; i < xs.length; i++) {
    const up = xs.slice();
    const dn = xs.slice();
    up[i] += h;
    dn[i] -= h;
    const a = f(tensor(up, { dtype: "float64", shape: x.shape })).toTypedArray();
    const b = f(tensor(dn, { dtype: "float64", shape: x.shape })).toTypedArray();
    cols.push([...a].map((v, k) => (v - b[k]) / (2 * h)));
  }
  const out = cols[0].length;
  return f64(Array.from({ length: out }, (_, r) => cols.map((c) => c[r])));
}

// a non-square map R³ → R²
const g = (x: Tensor) => {
  const [a, b, c] = [x.index(0), x.index(1), x.index(2)];
  return f64([0, 0]).add(a.mul(b).sin().reshape([1])).add(0).mul(f64([1, 0])).add(
    c.exp().mul(a).reshape([1]).mul(f64([0, 1])),
  );
};

Deno.test("grad and valueAndGrad", async (t) => {
  await t.step("grad of a scalar function of several arguments (argnums)", () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).add(y.pow(3)).sum();
    const x = f64([1, 2]);
    const y = f64([3, -1]);
    assertClose(grad(f)(x, y), y);
    assertClose(grad(f, { argnums: 1 })(x, y), x.add(y.pow(2).mul(3)));
    const [gx, gy] = grad(f, { argnums: [0, 1] })(x, y);
    assertClose(gx, y);
    assertClose(gy, x.add(y.pow(2).mul(3)));
  });
  await t.step("valueAndGrad with hasAux passes aux through", () => {
    const f = (x: Tensor): [Tensor, string] => [x.pow(2).sum(), "aux"];
    const [[value, aux], gr] = valueAndGrad(f, { hasAux: true })(f64([1, 2]));
    assert.equal(value.item(), 5);
    assert.equal(aux, "aux");
    assertClose(gr, f64([2, 4]));
  });
  await t.step("a non-scalar output is a clear error", () => {
    assert.throws(() => grad((x: Tensor) => x.mul(2))(f64([1, 2])), /scalar/);
  });
  await t.step("grad does not touch .grad of its inputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    grad((v: Tensor) => v.pow(2).sum())(x);
    assert.equal(x.grad, null);
  });
});

Deno.test("vjp and jvp", async (t) => {
  await t.step("vjp with several primals", () => {
    const [y, pullback] = vjp(
      (a: Tensor, b: Tensor) => a.mul(b).exp(),
      f64([0.1, 0.2]),
      f64([1, 2]),
    );
    const [ga, gb] = pullback(f64([1, -1]));
    assertClose(ga, f64([1, -1]).mul(y).mul(f64([1, 2])));
    assertClose(gb, f64([1, -1]).mul(y).mul(f64([0.1, 0.2])));
  });
  await t.step("jvp is forward mode: (f(x), J·v)", () => {
    const [y, dy] = jvp((x: Tensor) => x.sin().mul(x), [f64([0.5, 1])], [f64([1, 2])]);
    const x = [0.5, 1];
    assertClose(y, f64(x.map((v) => Math.sin(v) * v)));
    assertClose(dy, f64(x.map((v, i) => (Math.cos(v) * v + Math.sin(v)) * [1, 2][i])));
  });
  await t.step("tangent shape mismatch is an error naming jvp", () => {
    assert.throws(() => jvp((x: Tensor) => x, [f64([1, 2])], [f64([1, 2, 3])]), /jvp/);
  });
  await t.step("property: jvp(v) agrees with vjp against a random cotangent", () => {
    property(fc.tuple(tensorArb([3]), tensorArb([3]), tensorArb([2])), ([x, v, u]) => {
      const [, jv] = jvp(g, [x], [v]);
      const [, pb] = vjp(g, x);
      const [uj] = pb(u);
      assertClose(jv.mul(u).sum(), uj.mul(v).sum(), { atol: 1e-12, rtol: 1e-12 });
    }, 20);
  });
});

Deno.test("Jacobians and Hessians", async (t) => {
  const x = f64([0.3, -0.7, 0.5]);
  await t.step("jacrev = jacfwd = jacobian = finite differences on a non-square map", () => {
    const fd = fdJacobian(g, x);
    assertClose(jacrev(g)(x), fd, { atol: 1e-8 });
    assertClose(jacfwd(g)(x), fd, { atol: 1e-8 });
    assertClose(jacobian(g, { mode: "forward" })(x), jacrev(g)(x), { atol: 1e-15 });
    assert.deepEqual(jacrev(g)(x).shape, [2, 3]);
  });
  await t.step("hessian = jacrev(jacrev) = jacfwd(jacfwd) = jacfwd(jacrev) = FD of grad", () => {
    const f = (v: Tensor) => v.tanh().pow(2).sum().add(v.index(0).mul(v.index(2)).exp());
    const h = hessian(f)(x);
    assertClose(jacrev(jacrev(f))(x), h, { atol: 1e-12 });
    assertClose(jacfwd(jacfwd(f))(x), h, { atol: 1e-12 });
    assertClose(jacrev(jacfwd(f))(x), h, { atol: 1e-12 });
    assertClose(fdJacobian(grad(f), x), h, { atol: 1e-7 });
    assertClose(h, h.t(), { atol: 1e-15 });
  });
  await t.step("hvp = hessian · v for f(x) = sum(tanh(Wx)²), against the analytic formula", () => {
    const W = f64([[0.5, -0.2, 0.1], [0.3, 0.8, -0.6], [-0.4, 0.2, 0.9]]);
    const f = (v: Tensor) => matmul(W, v).tanh().pow(2).sum();
    const v = f64([1, -2, 0.5]);
    const tt = matmul(W, x).tanh();
    // Hv = Wᵀ(2(1 − t²)(1 − 3t²) ⊙ Wv)
    const analytic = matmul(
      W.t(),
      tt.pow(2).neg().add(1).mul(tt.pow(2).mul(-3).add(1)).mul(2).mul(matmul(W, v)),
    );
    assertClose(hvp(f, x, v), analytic, { atol: 1e-14 });
    assertClose(matmul(hessian(f)(x), v), analytic, { atol: 1e-14 });
  });
  await t.step(
    "hvp through tanh and x²: the fused backward tangents have the composite bits",
    () => {
      // Under one tangent level hvp's inner backward fuses tanh's `g · (1 − y²)`, x²'s `g · 2x`
      // and their tangents; a second (idle) level makes every rule take the composite path.
      for (const dtype of ["float64", "float32"] as const) {
        const W = tensor([[0.5, -1.2, 0.1], [0.3, 2.8, -0.6], [-1.4, 0.2, 0.9]], { dtype });
        const fs = [
          (v: Tensor) => matmul(W, v).tanh().pow(2).sum(),
          (v: Tensor) => v.tanh().mul(v).sum(),
          (v: Tensor) => v.tanh().mul(3).tanh().sum(), // tanh's g carries a tangent too
          (v: Tensor) => v.pow(2).mul(v).sum(), // x²'s g carries a tangent too
          (v: Tensor) => v.mul(1e37).pow(2).mul(v).sum(), // 2a overflows float32
        ];
        const xt = tensor([0.7, -1.9, 0.35], { dtype });
        const v = tensor([1, -2, 0.5], { dtype });
        for (const f of fs) {
          const fused = hvp(f, xt, v);
          const [composite] = jvp(() => hvp(f, xt, v), [tensor(1, { dtype })], [
            tensor(0, { dtype }),
          ]);
          assert.deepEqual(fused.toTypedArray(), composite.toTypedArray());
          if (f !== fs[4]) {
            assertClose(fused, matmul(hessian(f)(xt), v), {
              rtol: dtype === "float64" ? 1e-13 : 1e-5,
            });
          }
          // the plain gradient's fused x² backward against the recorded (composite) one
          const xr = xt.detach().requiresGrad_();
          const [recorded] = autogradGrad(f(xr), [xr], { createGraph: true });
          assert.deepEqual(grad(f)(xt).toTypedArray(), recorded!.toTypedArray());
        }
      }
    },
  );
});

Deno.test("n-th derivatives against closed forms", async (t) => {
  await t.step("sin, exp: derivative(f, n) for n = 0..8", () => {
    const x = 0.7;
    for (let n = 0; n <= 8; n++) {
      const s = derivative((v: Tensor) => v.sin(), n)(f64(x)).item();
      assert.ok(Math.abs(s - Math.sin(x + (n * Math.PI) / 2)) < 1e-13, `sin order ${n}`);
      const e = derivative((v: Tensor) => v.mul(2).exp(), n)(f64(x)).item();
      assert.ok(Math.abs(e - 2 ** n * Math.exp(2 * x)) < 1e-12 * 2 ** n * Math.exp(2 * x));
    }
  });
  await t.step("tanh: derivative(f, n) for n = 1..8 against P_n(tanh x)", () => {
    // tanh⁽ⁿ⁾ = P_n(t), t = tanh x, with P_0 = t and P_{n+1}(t) = (1 − t²)·P_n'(t)
    let p = [0, 1];
    const x = -0.6;
    const t0 = Math.tanh(x);
    for (let n = 1; n <= 8; n++) {
      const dp = p.slice(1).map((c, k) => c * (k + 1));
      const next = new Array(dp.length + 2).fill(0);
      dp.forEach((c, k) => {
        next[k] += c;
        next[k + 2] -= c;
      });
      p = next;
      const exact = p.reduce((acc, c, k) => acc + c * t0 ** k, 0);
      const got = derivative((v: Tensor) => v.tanh(), n)(f64(x)).item();
      assert.ok(Math.abs(got - exact) <= 1e-12 * Math.max(1, Math.abs(exact)), `order ${n}`);
    }
  });
  await t.step("backward with createGraph repeated 4 times equals derivative(f, 4)", () => {
    const x = tensor(0.4, { dtype: "float64", requiresGrad: true });
    let y = x.tanh().mul(x.exp());
    for (let i = 0; i < 4; i++) {
      x.grad = null;
      y.backward(undefined, { createGraph: true });
      y = x.grad!;
    }
    const expected = derivative((v: Tensor) => v.tanh().mul(v.exp()), 4)(f64(0.4));
    assertClose(y.detach(), expected, { atol: 1e-13 });
  });
  await t.step("autogradGrad chains give the same as nested grad", () => {
    const x = tensor(1, { dtype: "float64", requiresGrad: true });
    let y = x.tanh();
    for (let i = 0; i < 5; i++) [y] = autogradGrad([y], [x], { createGraph: true }) as Tensor[];
    assertClose(y.detach(), derivative((v: Tensor) => v.tanh(), 5)(f64(1)), { atol: 1e-13 });
  });
});

Deno.test("compositions and perturbation confusion", async (t) => {
  await t.step("d/dx [x · d/dy (x·y)] = 2x (no confusion of the two perturbations)", () => {
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y))(f64(3)));
    assertClose(grad(f)(f64(5)), f64(10));
  });
  await t.step("Siskind and Pearlmutter: d/dx (x · (d/dy (x + y))|y=1) = 1", () => {
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.add(y))(f64(1)));
    assertClose(grad(f)(f64(2)), f64(1));
  });
  await t.step("the same in forward mode, and forward over reverse", () => {
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y))(f64(3)));
    assertClose(jvp(f, [f64(5)], [f64(1)])[1], f64(10));
    const inner = (x: Tensor) => x.mul(jvp((y: Tensor) => x.mul(y), [f64(3)], [f64(1)])[1]);
    assertClose(grad(inner)(f64(5)), f64(10));
  });
  await t.step("grad of a function closing over a leaf, then backward to the leaf", () => {
    const w = tensor(2, { dtype: "float64", requiresGrad: true });
    const gx = grad((x: Tensor) => x.mul(w).pow(2))(f64(3)); // 2·w²·x = 24, depends on w
    assertClose(gx.detach(), f64(24));
    gx.backward(); // d(2w²x)/dw = 4wx = 24
    assertClose(w.grad!, f64(24));
  });
  await t.step("vjp inside grad, grad inside jvp", () => {
    const f = (x: Tensor) => {
      const [, pb] = vjp((v: Tensor) => v.pow(3), x);
      return pb(f64(1))[0]; // 3x²
    };
    assertClose(grad(f)(f64(2)), f64(12));
    assertClose(jvp(grad((v: Tensor) => v.pow(4)), [f64(2)], [f64(1)])[1], f64(48));
  });
});

Deno.test("gradcheck catches a wrong derivative", () => {
  // right value, wrong gradient: x² computed as x·stop(x) has derivative x, not 2x
  const wrong = (x: Tensor) => x.mul(x.detach()).sum();
  assert.throws(() => gradcheck(wrong, [f64([0.3, -1.2])], { order: 1 }));
  const right = (x: Tensor) => x.pow(3).sum();
  assert.equal(gradcheck(right, [f64([0.3, -1.2])], { order: 3 }), true);
  // right value and first derivative, wrong second: x³ + (x − stop(x))² adds 2 to d²/dx²
  const secondWrong = (x: Tensor) => x.pow(3).add(x.sub(x.detach()).pow(2)).sum();
  assert.equal(gradcheck(secondWrong, [f64([0.3, -1.2])], { order: 1 }), true);
  assert.throws(() => gradcheck(secondWrong, [f64([0.3, -1.2])], { order: 2 }), /order 2/);
});

Deno.test("toDot draws the recorded graph deterministically", async (t) => {
  await t.step("ops by gradFn name, leaves as AccumulateGrad, edges forward", () => {
    const x = tensor(1, { dtype: "float64", requiresGrad: true });
    const dot = toDot(x.tanh().mul(x));
    assert.ok(dot.startsWith("digraph tapegrad {") && dot.endsWith("}\n"));
    assert.match(dot, /n1 \[label="MulBackward0"/);
    assert.match(dot, /n2 \[label="TanhBackward0"/);
    assert.match(dot, /n3 \[label="AccumulateGrad"/);
    for (const e of ["n1 -> n0", "n2 -> n1", "n3 -> n1", "n3 -> n2"]) assert.ok(dot.includes(e), e);
    assert.equal(dot, toDot(x.tanh().mul(x)));
  });
  await t.step("verbose adds shapes, dtypes and constant inputs", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const dot = toDot(x.mul(tensor([3, 4])).add(2), { verbose: true });
    assert.ok(dot.includes(String.raw`AccumulateGrad\n[2] float32`), dot);
    assert.ok(dot.includes(String.raw`const\n[2] float32`), dot);
    assert.ok(!toDot(x.add(2)).includes("const"));
  });
  await t.step("a tensor without history is a lone output node", () => {
    const dot = toDot(f64([1, 2]));
    assert.equal(dot.match(/\[label=/g)?.length, 1);
    assert.ok(!dot.includes("->"));
  });
  await t.step("a 20000-op chain does not overflow the stack", () => {
    const x = tensor(0.5, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 20000; i++) y = y.mul(1);
    const dot = toDot(y);
    assert.equal(dot.match(/MulBackward0/g)?.length, 20000);
  });
});
