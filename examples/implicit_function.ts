/**
 * Differentiating through a solver by the implicit function theorem. The root `x(a, b)` of
 * `x³ + a·x − b = 0` (one real root for `a > 0`) is found by Newton's method, whose
 * iterations are not differentiated; `customVjp` supplies the derivative from the equation
 * instead: with `F(x, a, b) = 0`, `∂x/∂θ = −(∂F/∂x)⁻¹ ∂F/∂θ`, so `∂x/∂b = 1/(3x² + a)` and
 * `∂x/∂a = −x/(3x² + a)`. The backward rule calls the root function itself, so under
 * `createGraph` the second derivatives come from the same rule. Checked against central
 * differences of the value (which run Newton again at shifted parameters).
 *
 * `deno run examples/implicit_function.ts`
 *
 * @module
 */

import { customVjp, grad, noGrad, type Tensor, tensor } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** Newton's method for x³ + a·x = b, elementwise, on values only. */
function newton(a: Tensor, b: Tensor): Tensor {
  return noGrad(() => {
    let x = b.mul(0);
    for (let i = 0; i < 100; i++) {
      const step = x.pow(3).add(a.mul(x)).sub(b).div(x.pow(2).mul(3).add(a));
      x = x.sub(step);
      if (Math.max(...step.abs().toTypedArray()) < 1e-15) break;
    }
    return x;
  });
}

/** The root of x³ + a·x = b for a scalar `a > 0` and each element of `b`. */
export const cubicRoot: (a: Tensor, b: Tensor) => Tensor = customVjp(
  function cubicRoot(a: Tensor, b: Tensor) {
    return newton(a, b);
  },
  (a: Tensor, b: Tensor) => [newton(a, b), [a, b] as const],
  ([a, b]: readonly [Tensor, Tensor], g: Tensor) => {
    const x = cubicRoot(a, b); // recorded under createGraph, so this rule differentiates again
    const gb = g.div(x.pow(2).mul(3).add(a)); // g · ∂x/∂b
    return [gb.mul(x).neg().sum(), gb]; // Σ g · ∂x/∂a, g · ∂x/∂b
  },
) as (a: Tensor, b: Tensor) => Tensor;

/** What the example computes. */
export interface Result {
  readonly x: number[];
  /** max |x³ + a·x − b| */
  readonly residual: number;
  /** ∂(Σx)/∂a by the rule, and by central differences of the value */
  readonly da: readonly [number, number];
  /** ∂(Σx)/∂b by the rule, and by central differences */
  readonly db: readonly [number[], number[]];
  /** ∂²(Σx)/∂a² by the rule (createGraph), and by central differences of the rule's ∂/∂a */
  readonly daa: readonly [number, number];
}

/** Solves at a = 1.5, b = [0.3, −2, 4] and compares the derivatives with finite differences. */
export function main(log: (line: string) => void = console.log): Result {
  const a = tensor(1.5, f64);
  const b = tensor([0.3, -2, 4], f64);
  const x = cubicRoot(a, b);
  const residual = Math.max(...x.pow(3).add(x.mul(a)).sub(b).abs().toTypedArray());
  const total = (aa: Tensor, bb: Tensor) => cubicRoot(aa, bb).sum();
  const h = 1e-5;
  const da = grad(total)(a, b).item();
  const daFd = (total(a.add(h), b).item() - total(a.sub(h), b).item()) / (2 * h);
  const db = [...grad(total, { argnums: 1 })(a, b).toTypedArray()];
  const dbFd = [0, 1, 2].map((i) => {
    const e = tensor([0, 1, 2].map((j) => (j === i ? h : 0)), f64);
    return (total(a, b.add(e)).item() - total(a, b.sub(e)).item()) / (2 * h);
  });
  const dA = (aa: Tensor) => grad(total)(aa, b);
  const daa = grad(dA)(a).item();
  const daaFd = (dA(a.add(h)).item() - dA(a.sub(h)).item()) / (2 * h);
  log(`roots: ${[...x.toTypedArray()].map((v) => v.toPrecision(12)).join(", ")}`);
  log(`max residual |x³ + a·x − b| = ${residual.toExponential(2)}`);
  log(`∂Σx/∂a: implicit ${da.toPrecision(12)}, finite differences ${daFd.toPrecision(12)}`);
  log(
    `∂Σx/∂b: implicit ${db.map((v) => v.toPrecision(8))}, f.d. ${
      dbFd.map((v) => v.toPrecision(8))
    }`,
  );
  log(`∂²Σx/∂a²: implicit ${daa.toPrecision(12)}, finite differences ${daaFd.toPrecision(12)}`);
  return { x: [...x.toTypedArray()], residual, da: [da, daFd], db: [db, dbFd], daa: [daa, daaFd] };
}

if (import.meta.main) main();
