/**
 * The Hessian of a small network's loss with respect to its parameters: a 2-4-1 tanh
 * network (17 parameters: a pytree raveled into one vector by `tree.ravel`) on a fixed
 * batch, its full Hessian by `hessian` (forward-over-reverse, vectorized), and a
 * Hessian-vector product by `hvp`, checked against each other and against finite
 * differences of the gradient.
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
  type Tensor,
  tensor,
  trace,
  tree,
  zeros,
} from "../mod.ts";

const f64 = { dtype: "float64" } as const;
/** Inputs (5 examples, 2 features) and targets. */
const X = tensor([[0.1, -0.4], [0.8, 0.3], [-0.5, 0.9], [0.2, 0.2], [-0.7, -0.6]], f64);
const Y = tensor([[0.3], [0.9], [-0.2], [0.4], [-0.8]], f64);

/** The network's parameters as a pytree, `[[W1 (2×4), b1 (4)], [W2 (4×1), b2 (1)]]`. */
export type Params = [[Tensor, Tensor], [Tensor, Tensor]];

/** One flat vector of 17 parameters back to the tree (arrays keep their order in `ravel`). */
const unravel = tree.ravel([
  [zeros([2, 4], f64), zeros([4], f64)],
  [zeros([4, 1], f64), zeros([1], f64)],
])[1] as (theta: Tensor) => Params;

/** The mean squared error of the network whose 17 parameters are flattened in `theta`. */
export function loss(theta: Tensor): Tensor {
  const [[w1, b1], [w2, b2]] = unravel(theta);
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
