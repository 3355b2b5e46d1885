/**
 * Newton's method with derivatives from autograd, as in DeZero's step 33: minimize
 * `f(x) = x⁴ − 2x²` from `x = 2` with `x ← x − f'(x)/f''(x)`, where `f'` comes from a
 * backward pass with `createGraph` and `f''` from a second backward through the first.
 *
 * `deno run examples/newton.ts`
 *
 * @module
 */

import { type Tensor, tensor } from "../mod.ts";

/** The function being minimized. */
export function f(x: Tensor): Tensor {
  return x.pow(4).sub(x.pow(2).mul(2));
}

/** One iterate of the method. */
export interface Iterate {
  readonly step: number;
  readonly x: number;
  readonly fx: number;
}

/** Runs Newton's method from `x0` until the step is below `tol` (at most `maxSteps`). */
export function newton(x0 = 2, maxSteps = 20, tol = 1e-12): Iterate[] {
  let x = tensor(x0, { dtype: "float64", requiresGrad: true });
  const out: Iterate[] = [];
  for (let step = 0; step < maxSteps; step++) {
    const y = f(x);
    out.push({ step, x: x.item(), fx: y.item() });
    y.backward(undefined, { createGraph: true });
    const gx = x.grad!;
    x.grad = null;
    gx.backward();
    const gx2 = x.grad!;
    const dx = gx.item() / gx2.item();
    x = tensor(x.item() - dx, { dtype: "float64", requiresGrad: true });
    if (Math.abs(dx) < tol) {
      out.push({ step: step + 1, x: x.item(), fx: f(x).item() });
      break;
    }
  }
  return out;
}

/** Prints each iterate. */
export function main(): Iterate[] {
  const its = newton();
  for (const it of its) {
    console.log(
      `${String(it.step).padStart(2)}  x = ${it.x.toPrecision(17)}  f(x) = ${
        it.fx.toPrecision(17)
      }`,
    );
  }
  return its;
}

if (import.meta.main) main();
