/**
 * Fitting an L2-regularized logistic regression two ways: Newton's method on the raveled
 * parameters (`tree.ravel` turns `{ w, b }` into one vector, `hessian` gives the full
 * Hessian, `linalg.solve` the step) and `optim.lbfgs` with a strong-Wolfe line search on the
 * parameter tree itself. Newton converges quadratically; both reach the same optimum.
 *
 * `deno run examples/logistic_newton.ts`
 *
 * @module
 */

import {
  binaryCrossEntropyWithLogits,
  Generator,
  grad,
  hessian,
  linalg,
  optim,
  type Tensor,
  tensor,
  tree,
} from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** The parameters. */
export interface Params {
  readonly w: Tensor;
  readonly b: Tensor;
}

/** 60 points in 3-D with labels from a noisy linear rule (seeded). */
export function dataset(seed = 0): { x: Tensor; y: Tensor } {
  const g = new Generator(seed);
  const xs: number[][] = [], ys: number[] = [];
  for (let i = 0; i < 60; i++) {
    const x = [g.normal(), g.normal(), g.normal()];
    const logit = 1.5 * x[0] - 2 * x[1] + 0.5 * x[2] + 0.3 + 0.8 * g.normal();
    xs.push(x);
    ys.push(logit > 0 ? 1 : 0);
  }
  return { x: tensor(xs, f64), y: tensor(ys, f64) };
}

/** Mean logistic loss plus `λ/2 ‖w‖²`. */
export function makeLoss(x: Tensor, y: Tensor, lambda = 0.1): (p: Params) => Tensor {
  return (p) =>
    binaryCrossEntropyWithLogits(x.matmul(p.w).add(p.b), y).add(p.w.pow(2).sum().mul(lambda / 2));
}

/** Newton's method from zero; returns the parameters and the gradient norm after each step. */
export function newtonFit(
  loss: (p: Params) => Tensor,
  steps = 8,
): { params: Params; gradNorms: number[] } {
  const start: Params = { w: tensor([0, 0, 0], f64), b: tensor(0, f64) };
  const [theta0, unravel] = tree.ravel(start);
  let theta = theta0;
  const f = (v: Tensor) => loss(unravel(v));
  const gradNorms: number[] = [];
  for (let i = 0; i < steps; i++) {
    const g = grad(f)(theta);
    gradNorms.push(g.norm().item());
    if (gradNorms[i] < 1e-14) break;
    theta = theta.sub(linalg.solve(hessian(f)(theta), g));
  }
  return { params: unravel(theta), gradNorms };
}

/** L-BFGS with a strong-Wolfe line search on the parameter tree. */
export function lbfgsFit(loss: (p: Params) => Tensor): { params: Params; funcEvals: number } {
  const opt = optim.lbfgs({
    lineSearch: "strongWolfe",
    toleranceGrad: 1e-12,
    toleranceChange: 1e-15,
  });
  let params: Params = { w: tensor([0, 0, 0], f64), b: tensor(0, f64) };
  let state = opt.init(params);
  for (let i = 0; i < 10; i++) ({ params, state } = opt.step(loss, state, params));
  return { params, funcEvals: state.funcEvals };
}

/** Fits both ways and prints the results. */
export function main(): { newton: Params; lbfgs: Params; gradNorms: number[] } {
  const { x, y } = dataset();
  const loss = makeLoss(x, y);
  const n = newtonFit(loss);
  const l = lbfgsFit(loss);
  console.log(`Newton gradient norms: ${n.gradNorms.map((v) => v.toExponential(1)).join(", ")}`);
  console.log(`Newton: w = ${n.params.w}, b = ${n.params.b}`);
  console.log(`L-BFGS (${l.funcEvals} evaluations): w = ${l.params.w}, b = ${l.params.b}`);
  return { newton: n.params, lbfgs: l.params, gradNorms: n.gradNorms };
}

if (import.meta.main) main();
