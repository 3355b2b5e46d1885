/**
 * The Hessian spectrum of a trained network by Lanczos: a 2-6-1 tanh network (25
 * parameters, flattened into one vector) is trained by gradient descent on a fixed batch;
 * then Lanczos iteration with full reorthogonalization, which touches the Hessian only
 * through Hessian-vector products (`hvp`), gives Ritz values whose largest ones converge to
 * the top eigenvalues long before the iteration count reaches the number of parameters.
 * They are checked against `linalg.eigvalsh` of the full Hessian from `hessian`.
 *
 * `deno run examples/hessian_spectrum.ts`
 *
 * @module
 */

import { grad, hessian, hvp, linalg, matmul, mseLoss, slice, type Tensor, tensor } from "../mod.ts";

const f64 = { dtype: "float64" } as const;
const HIDDEN = 6;
/** The number of parameters: W1 (2×6), b1 (6), W2 (6×1), b2 (1). */
export const P = 2 * HIDDEN + HIDDEN + HIDDEN + 1;

/** 16 inputs on a grid and the targets sin(2x)·cos(y). */
const GRID = Array.from({ length: 16 }, (_, i) => [(i % 4) / 1.5 - 1, Math.floor(i / 4) / 1.5 - 1]);
const X = tensor(GRID, f64);
const Y = tensor(GRID.map(([x, y]) => [Math.sin(2 * x) * Math.cos(y)]), f64);

/** The mean squared error of the network whose parameters are flattened in `theta`. */
export function loss(theta: Tensor): Tensor {
  const w1 = slice(theta, 0, 0, 2 * HIDDEN).reshape([2, HIDDEN]);
  const b1 = slice(theta, 0, 2 * HIDDEN, 3 * HIDDEN);
  const w2 = slice(theta, 0, 3 * HIDDEN, 4 * HIDDEN).reshape([HIDDEN, 1]);
  const b2 = slice(theta, 0, 4 * HIDDEN, P);
  return mseLoss(matmul(matmul(X, w1).add(b1).tanh(), w2).add(b2), Y);
}

/** Deterministic starting parameters, then `steps` of gradient descent. */
export function train(steps: number, lr = 0.3): Tensor {
  let theta = tensor(Array.from({ length: P }, (_, i) => 0.6 * Math.sin(1.7 * i + 0.3)), f64);
  const g = grad(loss);
  for (let s = 0; s < steps; s++) theta = theta.sub(g(theta).mul(lr));
  return theta;
}

/**
 * `m` steps of Lanczos on the symmetric operator `apply` (size `n`) from `v0`, with full
 * reorthogonalization: the Ritz values (eigenvalues of the tridiagonal matrix), ascending.
 */
export function lanczos(apply: (v: Tensor) => Tensor, v0: Tensor, m: number): Tensor {
  const basis: Tensor[] = [v0.div(v0.pow(2).sum().sqrt())];
  const alpha: number[] = [];
  const beta: number[] = [];
  for (let j = 0; j < m; j++) {
    let w = apply(basis[j]);
    alpha.push(w.mul(basis[j]).sum().item());
    // subtract the components along every earlier vector (twice, for stability)
    for (let pass = 0; pass < 2; pass++) {
      for (const q of basis) w = w.sub(q.mul(w.mul(q).sum()));
    }
    const b = w.pow(2).sum().sqrt().item();
    if (j === m - 1 || b < 1e-12) break;
    beta.push(b);
    basis.push(w.div(b));
  }
  const k = alpha.length;
  const t = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    t[i][i] = alpha[i];
    if (i + 1 < k) t[i][i + 1] = t[i + 1][i] = beta[i];
  }
  return linalg.eigvalsh(tensor(t, f64));
}

/** What the example computes. */
export interface Result {
  readonly lossBefore: number;
  readonly lossAfter: number;
  /** The eigenvalues of the full Hessian, descending. */
  readonly exact: number[];
  /** The Ritz values after `iterations` Lanczos steps, descending. */
  readonly ritz: number[];
  readonly iterations: number;
}

/** Trains, runs Lanczos on hvp, and compares with the full Hessian's spectrum. */
export function main(log: (line: string) => void = console.log, iterations = 14): Result {
  const theta0 = train(0);
  const theta = train(400);
  const lossBefore = loss(theta0).item(), lossAfter = loss(theta).item();
  const H = hessian(loss)(theta);
  // forward over reverse gives H symmetric up to rounding; eigvalsh asks for exact symmetry
  const exact = [...linalg.eigvalsh(H.add(H.t()).div(2)).toTypedArray()].reverse();
  const v0 = tensor(Array.from({ length: P }, (_, i) => Math.cos(3.1 * i + 1)), f64);
  const ritz = [...lanczos((v) => hvp(loss, theta, v), v0, iterations).toTypedArray()].reverse();
  log(`loss: ${lossBefore.toPrecision(6)} before training, ${lossAfter.toPrecision(6)} after`);
  log(`Hessian ${P}×${P}; Lanczos with ${iterations} Hessian-vector products`);
  for (let i = 0; i < 4; i++) {
    log(
      `λ${i + 1}: eigvalsh ${exact[i].toPrecision(12)}  Lanczos ${ritz[i].toPrecision(12)}  ` +
        `(relative error ${(Math.abs(ritz[i] - exact[i]) / Math.abs(exact[i])).toExponential(1)})`,
    );
  }
  log(`smallest eigenvalue: ${exact[P - 1].toPrecision(6)}`);
  return { lossBefore, lossAfter, exact, ritz, iterations };
}

if (import.meta.main) main();
