/**
 * A physics-informed network for the 2-D Poisson problem `Δu = f` on the unit square with
 * `u = 0` on the boundary, where `f = −2π² sin(πx) sin(πy)` so that the exact solution is
 * `u* = sin(πx) sin(πy)`.
 *
 * The network is a 2-32-32-1 tanh MLP `N`; the boundary condition is built in (Lagaris et al.):
 * `u(x, y) = 16·x(1 − x)·y(1 − y)·N(x, y)` vanishes on the boundary for any weights, so the loss
 * is only the mean squared residual `mean((Δu − f)²)` over a 16×16 grid of interior points.
 * `Δu` comes from `laplacian` (forward Laplacian: one pass, no Hessian), batched with `vmap`,
 * and the loss is differentiated with respect to the weights by `valueAndGrad`: reverse mode
 * over Taylor mode. Adam (`optim.adam`) trains it; the example reports the loss curve and
 * the relative L2 error against `u*` on a 41×41 grid.
 *
 * `deno run examples/pinn_poisson.ts`
 *
 * @module
 */

import {
  Generator,
  laplacian,
  linspace,
  matmul,
  mean,
  optim,
  randn,
  square,
  sub,
  type Tensor,
  tensor,
  valueAndGrad,
  vmap,
  zeros,
} from "../mod.ts";

const f64 = { dtype: "float64" } as const;
const PI = Math.PI;

/** The weights `[W1, b1, W2, b2, W3, b3]` of the 2-h-h-1 network. */
export type Params = Tensor[];

/** Glorot-normal weights and zero biases, seeded. */
export function initParams(hidden = 32, seed = 0): Params {
  const gen = new Generator(seed);
  const w = (i: number, o: number) =>
    randn([i, o], { ...f64, generator: gen }).mul(Math.sqrt(2 / (i + o)));
  return [
    w(2, hidden),
    zeros([hidden], f64),
    w(hidden, hidden),
    zeros([hidden], f64),
    w(hidden, 1),
    zeros([1], f64),
  ];
}

/** `u(p) = 16·x(1 − x)·y(1 − y)·N(p)` for one point `p = [x, y]`: a 0-d tensor. */
export function u(params: Params, p: Tensor): Tensor {
  const [w1, b1, w2, b2, w3, b3] = params;
  const h1 = matmul(p, w1).add(b1).tanh();
  const h2 = matmul(h1, w2).add(b2).tanh();
  const n = matmul(h2, w3).add(b3).sum();
  const s = p.mul(sub(1, p)); // [x(1 − x), y(1 − y)]
  return s.index(0).mul(s.index(1)).mul(16).mul(n);
}

/** The exact solution `sin(πx) sin(πy)` at the rows of `points` ([n, 2]). */
export function exact(points: Tensor): Tensor {
  return points.mul(PI).sin().index("...", 0).mul(points.mul(PI).sin().index("...", 1));
}

/** The right-hand side `f = Δu* = −2π² sin(πx) sin(πy)`. */
export function source(points: Tensor): Tensor {
  return exact(points).mul(-2 * PI * PI);
}

/** An n×n grid of points in [a, b]², as an [n², 2] tensor. */
export function grid(n: number, a = 0, b = 1): Tensor {
  const xs = [...linspace(a, b, n, f64).toTypedArray()];
  const rows: number[][] = [];
  for (const x of xs) for (const y of xs) rows.push([x, y]);
  return tensor(rows, f64);
}

/** The 16×16 interior collocation grid: cell centres of a 16×16 split of the square. */
export function collocation(n = 16): Tensor {
  return grid(n, 0.5 / n, 1 - 0.5 / n);
}

/** The PDE residual loss `mean((Δu − f)²)` over `points`, as a function of the weights. */
export function residualLoss(points: Tensor): (...params: Tensor[]) => Tensor {
  const f = source(points);
  return (...params) => {
    const lap = vmap(laplacian((p: Tensor) => u(params, p)))(points);
    return mean(square(lap.sub(f)));
  };
}

/** Relative L2 error of `u` against the exact solution on an n×n grid (boundary included). */
export function relativeL2(params: Params, n = 41): number {
  const pts = grid(n);
  const got = vmap((p: Tensor) => u(params, p))(pts);
  const want = exact(pts);
  return Math.sqrt(square(got.sub(want)).sum().item() / square(want).sum().item());
}

/** Options of {@linkcode train}. */
export interface TrainOptions {
  readonly steps?: number;
  readonly lr?: number;
  /** The learning rate decays by this factor over the run (exponentially). */
  readonly decay?: number;
  readonly hidden?: number;
  readonly seed?: number;
  /** Record the relative L2 error every this many steps (and at the end). */
  readonly every?: number;
}

/** What {@linkcode train} returns. */
export interface TrainResult {
  readonly params: Params;
  readonly losses: number[];
  readonly errors: { step: number; loss: number; l2: number }[];
  readonly ms: number;
}

/** Trains the network and returns the loss curve and the error history. */
export function train(options: TrainOptions = {}): TrainResult {
  const { steps = 1000, lr = 1e-2, decay = 0.1, hidden = 32, seed = 0, every = 100 } = options;
  let params = initParams(hidden, seed);
  const lossGrad = valueAndGrad(residualLoss(collocation()), { argnums: [0, 1, 2, 3, 4, 5] });
  const losses: number[] = [];
  const errors: TrainResult["errors"] = [];
  const t0 = performance.now();
  // Adam with the rate decaying exponentially from lr to lr·decay over the run
  const opt = optim.adam({ lr: optim.exponentialLR(lr, { gamma: decay ** (1 / steps) }) });
  let state = opt.init(params);
  for (let step = 0; step < steps; step++) {
    const [loss, grads] = lossGrad(...params);
    losses.push(loss.item());
    if (step % every === 0) errors.push({ step, loss: losses[step], l2: relativeL2(params) });
    ({ params, state } = opt.update(grads, state, params));
  }
  const ms = performance.now() - t0;
  const [finalLoss] = lossGrad(...params);
  errors.push({ step: steps, loss: finalLoss.item(), l2: relativeL2(params) });
  return { params, losses, errors, ms };
}

/** Trains with the default schedule and prints the loss curve and the error. */
export function main(log: (line: string) => void = console.log, options: TrainOptions = {}) {
  const r = train(options);
  log("  step   residual loss   rel. L2 error vs sin(πx)sin(πy)");
  for (const e of r.errors) {
    log(
      `${String(e.step).padStart(6)}   ${e.loss.toExponential(3).padStart(13)}   ${
        e.l2.toExponential(2)
      }`,
    );
  }
  log(
    `${r.losses.length} Adam steps in ${(r.ms / 1000).toFixed(1)} s; ` +
      `final relative L2 error ${r.errors.at(-1)!.l2.toExponential(2)}`,
  );
  return r;
}

if (import.meta.main) main();
