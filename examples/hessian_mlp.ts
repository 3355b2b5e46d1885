/**
 * The Hessian of a small network's loss with respect to its parameters: a 2-4-1 tanh
 * network (17 parameters, flattened into one vector) on a fixed batch, its full Hessian by
 * `hessian` (forward-over-reverse, vectorized), and a Hessian-vector product by `hvp`,
 * checked against each other and against finite differences of the gradient.
 *
 * `deno run examples/hessian_mlp.ts`
 *
 * @module
 */

import {
  grad,
  hessian,
  hvp,
  matmul,
  mseLoss,
  range,
  slice,
  type Tensor,
  tensor,
  trace,
} from "../mod.ts";

const f64 = { dtype: "float64" } as const;
/** Inputs (5 examples, 2 features) and targets. */
const X = tensor([[0.1, -0.4], [0.8, 0.3], [-0.5, 0.9], [0.2, 0.2], [-0.7, -0.6]], f64);
const Y = tensor([[0.3], [0.9], [-0.2], [0.4], [-0.8]], f64);

/**
 * The mean squared error of the network whose 17 parameters are flattened in `theta`:
 * W1 (2×4), b1 (4), W2 (4×1), b2 (1).
 */
export function loss(theta: Tensor): Tensor {
  const w1 = slice(theta, 0, 0, 8).reshape([2, 4]);
  const b1 = slice(theta, 0, 8, 12);
  const w2 = slice(theta, 0, 12, 16).reshape([4, 1]);
  const b2 = slice(theta, 0, 16, 17);
  const h = matmul(X, w1).add(b1).tanh();
  return mseLoss(matmul(h, w2).add(b2), Y);
}

/** The parameters the example evaluates at. */
export const THETA = tensor(
  [0.5, -0.3, 0.8, 0.1, -0.6, 0.4, 0.2, -0.9, 0.05, -0.1, 0.2, 0.0, 0.7, -0.5, 0.3, 0.9, 0.1],
  f64,
);

/** What the example computes. */
export interface Result {
  readonly hessian: Tensor;
  readonly hv: Tensor;
  readonly v: Tensor;
  /** max |H − Hᵀ| */
  readonly symmetryError: number;
  /** max |H·v − hvp(v)| */
  readonly hvpError: number;
  /** max |H·v − (∇L(θ + εv) − ∇L(θ − εv)) / 2ε| */
  readonly finiteDifferenceError: number;
}

/** Computes the Hessian and the HVP and checks them. */
export function main(log: (line: string) => void = console.log): Result {
  const H = hessian(loss)(THETA);
  const v = tensor(Array.from({ length: 17 }, (_, i) => Math.sin(i + 1)), f64);
  const hv = hvp(loss, THETA, v);
  const hvFromH = matmul(H, v);
  const g = grad(loss);
  const eps = 1e-5;
  const fd = g(THETA.add(v.mul(eps))).sub(g(THETA.sub(v.mul(eps)))).div(2 * eps);
  const maxAbs = (t: Tensor) => Math.max(...t.abs().toTypedArray());
  const result = {
    hessian: H,
    hv,
    v,
    symmetryError: maxAbs(H.sub(H.t())),
    hvpError: maxAbs(hvFromH.sub(hv)),
    finiteDifferenceError: maxAbs(hvFromH.sub(fd)),
  };
  log(`loss at θ: ${loss(THETA).item().toPrecision(10)}`);
  log(`Hessian shape: [${H.shape.join(", ")}], trace ${trace(H).item().toPrecision(10)}`);
  log(`symmetry: max |H − Hᵀ| = ${result.symmetryError.toExponential(2)}`);
  log(`hvp vs H·v: max difference ${result.hvpError.toExponential(2)}`);
  log(
    `H·v vs central differences of the gradient: ${result.finiteDifferenceError.toExponential(2)}`,
  );
  log(`H[0, :4] = ${H.index(0, range(0, 4))}`);
  return result;
}

if (import.meta.main) main();
