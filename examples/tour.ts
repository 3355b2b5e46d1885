/**
 * A short tour of Tapegrad, the `deno task demo` script: the seeds' highlights (gradFn
 * names, backward giving 4.5, a vector-Jacobian product, noGrad and detach, accumulation
 * and zeroGrad) and a second derivative, by the tape and by transforms.
 *
 * `deno run examples/tour.ts` (no permissions needed).
 *
 * @module
 */

import {
  derivative,
  eye,
  grad,
  hessian,
  noGrad,
  ones,
  onesLike,
  type Tensor,
  tensor,
} from "../mod.ts";

/** The values the tour computes, returned for the tests. */
export interface TourResult {
  /** d(mean(3(x + 2)²))/dx at x = 1 (2×2). */
  readonly meanGrad: Tensor;
  /** The vector-Jacobian product of y = 4x with v. */
  readonly vjp: Tensor;
  /** `requiresGrad` of a result made under noGrad, and of a detached result. */
  readonly stopped: readonly [boolean, boolean];
  /** The accumulated Jacobian product after two backward calls, then after zeroGrad. */
  readonly accumulated: readonly [Tensor, Tensor];
  /** d²(x³)/dx² at x = 2, by backward with createGraph. */
  readonly second: Tensor;
  /** The same, by grad(grad(f)). */
  readonly secondByGrad: Tensor;
  /** d⁴(sin)/dx⁴ at 0.5 by `derivative`. */
  readonly fourth: Tensor;
  /** The Hessian of sum(x³) at [1, 2]. */
  readonly hessian: Tensor;
}

/** Runs the tour, printing each step, and returns what it computed. */
export function run(log: (line: string) => void = console.log): TourResult {
  log("# A tensor that requires grad, and the tape it records");
  const x = ones([2, 2], { requiresGrad: true });
  const y = x.add(2);
  const out = y.mul(y).mul(3).mean();
  log(`x =\n${x}`);
  log(`y = x + 2 =\n${y}`);
  log(`y.gradFn = ${y.gradFn}, out.gradFn = ${out.gradFn}`);
  out.backward();
  log(`d(mean(3y²))/dx =\n${x.grad}`);

  log("\n# A vector-Jacobian product: y = 4x, backward(v) gives 4v");
  const a = tensor([1, -2, 3], { requiresGrad: true });
  const v = tensor([0.1, 1, 0.0001]);
  a.mul(2).mul(2).backward(v);
  log(`a.grad = ${a.grad}`);

  log("\n# Stopping the tape: noGrad and detach");
  const stopped = [noGrad(() => a.mul(2)).requiresGrad, a.mul(2).detach().requiresGrad] as const;
  log(`noGrad(() => a.mul(2)).requiresGrad = ${stopped[0]}`);
  log(`a.mul(2).detach().requiresGrad = ${stopped[1]}`);

  log("\n# Gradients accumulate across backward calls until zeroGrad");
  const inp = eye(2, 3, { requiresGrad: true });
  const o = inp.add(1).pow(2).t();
  o.backward(onesLike(o), { retainGraph: true });
  o.backward(onesLike(o), { retainGraph: true });
  const twice = inp.grad!;
  log(`after two calls:\n${twice}`);
  inp.zeroGrad();
  o.backward(onesLike(o), { retainGraph: true });
  const once = inp.grad!;
  log(`after zeroGrad and one call:\n${once}`);

  log("\n# Second derivatives: the backward pass is itself on the tape");
  const t = tensor(2, { requiresGrad: true });
  const cube = t.pow(3);
  cube.backward(undefined, { createGraph: true });
  const first = t.grad!;
  log(`d(x³)/dx at 2 = ${first}`);
  t.grad = null;
  first.backward();
  const second = t.grad!;
  log(`d²(x³)/dx² at 2 = ${second}`);
  const f = (x: Tensor) => x.pow(3);
  const secondByGrad = grad(grad(f))(tensor(2));
  log(`grad(grad(x => x³))(2) = ${secondByGrad}`);
  const fourth = derivative((x: Tensor) => x.sin(), 4)(tensor(0.5, { dtype: "float64" }));
  log(`derivative(sin, 4)(0.5) = ${fourth}`);
  const h = hessian((x: Tensor) => x.pow(3).sum())(tensor([1, 2]));
  log(`hessian(x => sum(x³))([1, 2]) =\n${h}`);

  return {
    meanGrad: x.grad!,
    vjp: a.grad!,
    stopped,
    accumulated: [twice, once],
    second,
    secondByGrad,
    fourth,
    hessian: h,
  };
}

if (import.meta.main) run();
