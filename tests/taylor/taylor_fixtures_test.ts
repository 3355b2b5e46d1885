/**
 * Taylor mode against exact derivatives: `derivatives(f, 30)` and `jet` for sixteen composite
 * scalar functions at four points each, against 60-digit mpmath values (cross-checked at 90
 * digits and by sympy's symbolic derivatives to order 6) from tests/fixtures/gen_taylor.py.
 *
 * Tolerance: relative 1e-11 for every order. Where the exact derivative is 0 (odd or even
 * functions at 0) a relative bound means nothing, so the bound there is 1e-11 times the scale of
 * the neighbouring orders, `k!·max(|d_{k−1}|/(k−1)!, |d_{k+1}|/(k+1)!)` (the size of the Taylor
 * coefficients that rounding errors in order k are made of).
 */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
import { derivatives, jet, type Tensor, tensor } from "../../mod.ts";
import data from "../fixtures/taylor.json" with { type: "json" };

const RTOL = 1e-11;
const ORDER: number = data.order;

/** The functions of gen_taylor.py, by name, written with Tapegrad's operations. */
const FUNCTIONS: { [name: string]: (x: Tensor) => Tensor } = {
  "exp(sin(x))": (x) => x.sin().exp(),
  "tanh(x)^2": (x) => x.tanh().pow(2),
  "log(1+x^2)": (x) => tg.log(tg.square(x).add(1)),
  "sigmoid(x)*cos(x)": (x) => tg.sigmoid(x).mul(x.cos()),
  "sqrt(1+x^2)": (x) => x.mul(x).add(1).sqrt(),
  "atan(x)/(1+x)": (x) => tg.atan(x).div(x.add(1)),
  "erf(x)*x": (x) => tg.erf(x).mul(x),
  "softplus(x)": (x) => tg.softplus(x),
  "x^2.5": (x) => x.pow(2.5),
  "exp(-x^2)*sin(3x)": (x) => tg.square(x).neg().exp().mul(x.mul(3).sin()),
  "x*log(x)": (x) => x.mul(x.log()),
  "rsqrt(2+cos(x))": (x) => tg.rsqrt(x.cos().add(2)),
  "sigmoid(tanh(x))": (x) => tg.sigmoid(x.tanh()),
  "exp(x)/(1+x^2)": (x) => x.exp().div(tg.square(x).add(1)),
  "sin(x)*cosh(x)-x": (x) => x.sin().mul(tg.cosh(x)).sub(x),
  "asinh(x)*log1p(x^2)": (x) => tg.asinh(x).mul(tg.log1p(tg.square(x))),
};

/** k! as a float (exact to 22!, then correctly rounded products). */
function factorial(k: number): number {
  let f = 1;
  for (let i = 2; i <= k; i++) f *= i;
  return f;
}

/** The bound on |got − exact| for order k of `exact` (see the module comment). */
function bound(exact: readonly number[], k: number): number {
  if (exact[k] !== 0) return RTOL * Math.abs(exact[k]);
  const c = (j: number) => j >= 0 && j < exact.length ? Math.abs(exact[j]) / factorial(j) : 0;
  return RTOL * factorial(k) * Math.max(c(k - 1), c(k + 1));
}

function check(name: string, x: number, got: ArrayLike<number>, exact: readonly number[]) {
  assert.equal(got.length, exact.length, `${name} at ${x}: ${got.length} orders`);
  for (let k = 0; k < exact.length; k++) {
    const err = Math.abs(got[k] - exact[k]);
    assert.ok(
      err <= bound(exact, k),
      `${name} at x = ${x}, order ${k}: got ${got[k]}, exact ${exact[k]}, ` +
        `rel. error ${(err / Math.abs(exact[k])).toExponential(2)}`,
    );
  }
}

const at = (x: number) => tensor(x, { dtype: "float64" });

Deno.test("the fixture covers at least a dozen functions at several points to order 30", () => {
  assert.ok(data.functions.length >= 12);
  assert.equal(ORDER, 30);
  for (const f of data.functions) {
    assert.ok(f.name in FUNCTIONS, `no Tapegrad function for ${f.name}`);
    assert.ok(f.points.length >= 3);
    for (const p of f.points) assert.equal(p.derivatives.length, ORDER + 1);
  }
});

for (const { name, points } of data.functions) {
  const f = FUNCTIONS[name];

  Deno.test(`derivatives(${name}, 30) matches mpmath within relative 1e-11`, () => {
    for (const { x, derivatives: exact } of points) {
      const d = derivatives(f, ORDER)(at(x));
      assert.deepEqual(d.shape, [ORDER + 1]);
      assert.equal(d.dtype, "float64");
      check(name, x, d.toTypedArray() as Float64Array, exact);
    }
  });

  Deno.test(`jet(${name}) along x + t/2 gives 2⁻ᵏ·f⁽ᵏ⁾(x) to order 30`, () => {
    for (const { x, derivatives: exact } of points) {
      // the curve x(t) = x + t/2: x1 = 1/2, higher terms 0, so (f∘x)⁽ᵏ⁾(0) = 2⁻ᵏ f⁽ᵏ⁾(x) exactly
      const series = [at(0.5), ...Array.from({ length: ORDER - 1 }, () => at(0))];
      const [y, ys] = jet(f, [at(x)], [series]);
      assert.equal(ys.length, ORDER);
      const got = [y.item(), ...ys.map((t) => t.item())];
      check(name, x, got, exact.map((v, k) => v * 2 ** -k));
    }
  });
}

/**
 * The number of partitions of n labelled elements into k blocks of sizes 1 and 2, the Bell
 * polynomial B_{n,k}(1, 1, 0, 0, …) = n! / (2^(n−k) (n−k)! (2k−n)!).
 */
function bell11(n: number, k: number): number {
  if (2 * k < n || k > n) return 0;
  return factorial(n) / (2 ** (n - k) * factorial(n - k) * factorial(2 * k - n));
}

Deno.test("jet along the curve x + t + t²/2 follows Faà di Bruno's formula to order 30", () => {
  // (f∘x)⁽ⁿ⁾(0) = Σₖ f⁽ᵏ⁾(x) B_{n,k}(x1, x2, …) with x1 = x2 = 1 and the rest 0; the bound is
  // 1e-11 times Σₖ |f⁽ᵏ⁾(x) B_{n,k}| (the sum can cancel, its terms cannot)
  for (const { name, points } of data.functions) {
    const { x, derivatives: d } = points[2];
    const series = [at(1), at(1), ...Array.from({ length: ORDER - 2 }, () => at(0))];
    const [, ys] = jet(FUNCTIONS[name], [at(x)], [series]);
    for (let n = 1; n <= ORDER; n++) {
      let ref = 0;
      let mag = 0;
      for (let k = 1; k <= n; k++) {
        ref += d[k] * bell11(n, k);
        mag += Math.abs(d[k] * bell11(n, k));
      }
      const got = ys[n - 1].item();
      assert.ok(
        Math.abs(got - ref) <= RTOL * mag,
        `${name} at ${x}, order ${n}: got ${got}, Faà di Bruno ${ref}`,
      );
    }
  }
});
