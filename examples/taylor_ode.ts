/**
 * Solving ODEs by the Taylor series method, with the derivatives of the solution from `jet`.
 *
 * For `y' = f(t, y)` the derivatives of the solution at a point follow from those of lower
 * order: `y⁽ᵏ⁺¹⁾ = dᵏ/dtᵏ f(t, y(t))`, and `jet` pushes the curve `(t + s, y(t + s))`, known to
 * order k, through `f` to give exactly that. Repeating it K times gives the degree-K Taylor
 * polynomial of the solution; one step evaluates it at `h`, with `h` a quarter of the radius of
 * convergence that the last two coefficients suggest (so the truncation error is about 4⁻ᴷ; K = 30 here).
 *
 * - `y' = y²`, `y(0) = 1`: the solution `1/(1 − t)` has derivatives `k!` at 0 and a pole at 1;
 *   the integrator walks towards it with shrinking steps.
 * - `y' = −2t·y`, `y(0) = 1`: a non-autonomous equation, solution `exp(−t²)`.
 * - The pendulum `θ'' = −sin θ` from `θ(0) = 1` at rest, as the system `(θ, ω)' = (ω, −sin θ)`,
 *   against the exact solution `θ = 2 asin(k·sn(K − t | k²))`, `k = sin(1/2)`, computed to 40
 *   digits by tests/fixtures/gen_taylor.py (and cross-checked there with mpmath's `odefun`).
 *
 * `deno run examples/taylor_ode.ts`
 *
 * @module
 */

import { jet, matmul, type Tensor, tensor } from "../mod.ts";
import reference from "../tests/fixtures/taylor.json" with { type: "json" };

/** The right-hand side of `y' = f(t, y)`: `t` is 0-d, `y` any shape, the result `y`'s shape. */
export type OdeFunction = (t: Tensor, y: Tensor) => Tensor;

const f64 = { dtype: "float64" } as const;

/**
 * The derivatives `[y, y', …, y⁽ᴷ⁾]` of the solution of `y' = f(t, y)` through `(t, y)`, by
 * K − 1 calls of `jet` of growing order.
 */
export function solutionDerivatives(f: OdeFunction, t: Tensor, y: Tensor, order: number): Tensor[] {
  const ys = [y, f(t, y)];
  const zero = tensor(0, f64);
  for (let k = 1; k < order; k++) {
    // the curve s ↦ (t + s, y(t + s)) to order k: t's series is [1, 0, 0, …]
    const tSeries = [tensor(1, f64), ...Array.from({ length: k - 1 }, () => zero)];
    const [, zs] = jet(f, [t, y], [tSeries, ys.slice(1, k + 1)]);
    ys.push(zs[k - 1]);
  }
  return ys;
}

/** The Taylor polynomial with derivatives `ds` evaluated at `h`: Σₖ ds[k]·hᵏ/k!. */
function evaluate(ds: readonly Tensor[], h: number): Tensor {
  let acc = ds[ds.length - 1];
  for (let k = ds.length - 1; k > 0; k--) acc = ds[k - 1].add(acc.mul(h / k));
  return acc;
}

/** The largest absolute entry of a tensor. */
function maxAbs(t: Tensor): number {
  return Math.max(...[...t.toTypedArray() as Float64Array].map(Math.abs));
}

/**
 * A quarter of the radius of convergence suggested by the last two Taylor coefficients
 * `cₖ = y⁽ᵏ⁾/k!`: `r ≈ |cₖ|^(−1/k)`.
 */
function stepSize(ds: readonly Tensor[]): number {
  let fact = 1;
  const c: number[] = [];
  ds.forEach((d, k) => {
    if (k > 0) fact *= k;
    c.push(maxAbs(d) / fact);
  });
  const K = ds.length - 1;
  const r = Math.min(...[K - 1, K].map((k) => c[k] > 0 ? c[k] ** (-1 / k) : Infinity));
  return Number.isFinite(r) ? r / 4 : 1;
}

/** One point of a computed solution. */
export interface Point {
  readonly t: number;
  readonly y: Float64Array;
}

/**
 * Integrates `y' = f(t, y)` from `(t0, y0)` with degree-`order` Taylor steps, landing exactly on
 * every time in `outputs` (increasing, after t0); returns the solution there and the step count.
 */
export function integrate(
  f: OdeFunction,
  t0: number,
  y0: Tensor,
  outputs: readonly number[],
  order = 30,
): { points: Point[]; steps: number } {
  let t = t0;
  let y = y0;
  let steps = 0;
  const points: Point[] = [];
  for (const target of outputs) {
    while (t < target) {
      const ds = solutionDerivatives(f, tensor(t, f64), y, order);
      const h = Math.min(stepSize(ds), target - t);
      y = evaluate(ds, h);
      t = target - t === h ? target : t + h;
      steps++;
    }
    points.push({ t, y: y.toTypedArray() as Float64Array });
  }
  return { points, steps };
}

/** `y' = y²` */
export const quadratic: OdeFunction = (_t, y) => y.mul(y);
/** `y' = −2t·y` */
export const gaussian: OdeFunction = (t, y) => t.mul(y).mul(-2);

const A = tensor([[0, 1], [0, 0]], f64);
const P = tensor([[0, 0], [1, 0]], f64);
/** The pendulum as a system: `(θ, ω)' = (ω, −sin θ)`, written `A·y − sin(P·y)`. */
export const pendulum: OdeFunction = (_t, y) => matmul(A, y).sub(matmul(P, y).sin());

/** The pendulum's energy `ω²/2 − cos θ`, conserved by the exact flow. */
export function energy([theta, omega]: readonly number[] | Float64Array): number {
  return omega * omega / 2 - Math.cos(theta);
}

/** What the example computes, for the test and the printout. */
export interface OdeReport {
  readonly quadraticDerivatives: number[];
  readonly quadratic: { t: number; y: number; exact: number; relErr: number }[];
  readonly quadraticSteps: number;
  readonly gaussian: { t: number; y: number; exact: number; relErr: number }[];
  readonly pendulum: { t: number; theta: number; omega: number; error: number }[];
  readonly pendulumSteps: number;
  readonly energyDrift: number;
}

/** Runs the three problems and prints the results. */
export function main(log: (line: string) => void = console.log, order = 30): OdeReport {
  const one = tensor(1, f64);
  const d = solutionDerivatives(quadratic, tensor(0, f64), one, order).map((x) => x.item());
  log(`y' = y², y(0) = 1: derivatives at 0 (exact: k!)`);
  log(`  ${d.slice(0, 8).join(", ")}, …, y⁽${order}⁾ = ${d[order]}`);

  const qTimes = [0.5, 0.9, 0.99];
  const q = integrate(quadratic, 0, one, qTimes, order);
  const quad = q.points.map(({ t, y }) => {
    const exact = 1 / (1 - t);
    return { t, y: y[0], exact, relErr: Math.abs(y[0] - exact) / exact };
  });
  log(`  integrated towards the pole at 1 in ${q.steps} steps of order ${order}:`);
  for (const r of quad) {
    log(
      `  t = ${r.t}: y = ${r.y.toPrecision(16)}, 1/(1 − t) = ${r.exact.toPrecision(16)}, ` +
        `rel. error ${r.relErr.toExponential(1)}`,
    );
  }

  const g = integrate(gaussian, 0, one, [0.5, 1, 2, 3], order);
  const gauss = g.points.map(({ t, y }) => {
    const exact = Math.exp(-t * t);
    return { t, y: y[0], exact, relErr: Math.abs(y[0] - exact) / exact };
  });
  log(`y' = −2t·y, y(0) = 1, in ${g.steps} steps:`);
  for (const r of gauss) {
    log(
      `  t = ${r.t}: y = ${r.y.toPrecision(16)}, exp(−t²) = ${r.exact.toPrecision(16)}, ` +
        `rel. error ${r.relErr.toExponential(1)}`,
    );
  }

  const ref = reference.pendulum;
  const y0 = tensor([ref.theta0, ref.omega0], f64);
  const p = integrate(pendulum, 0, y0, ref.states.map((s) => s.t), order);
  const pend = p.points.map(({ t, y }, i) => ({
    t,
    theta: y[0],
    omega: y[1],
    error: Math.max(
      Math.abs(y[0] - ref.states[i].theta),
      Math.abs(y[1] - ref.states[i].omega),
    ),
  }));
  const e0 = energy([ref.theta0, ref.omega0]);
  const energyDrift = Math.max(...p.points.map(({ y }) => Math.abs(energy(y) - e0)));
  log(
    `pendulum θ'' = −sin θ, θ(0) = ${ref.theta0}, at rest (period ${ref.period.toFixed(12)}), ` +
      `${p.steps} steps:`,
  );
  log("      t  θ (Taylor)              ω (Taylor)              max error vs exact");
  for (const r of pend) {
    log(
      `  ${r.t.toFixed(1).padStart(5)}  ${r.theta.toPrecision(16).padEnd(22)}  ` +
        `${r.omega.toPrecision(16).padEnd(22)}  ${r.error.toExponential(1)}`,
    );
  }
  log(`  energy ω²/2 − cos θ drifts by at most ${energyDrift.toExponential(1)}`);
  return {
    quadraticDerivatives: d,
    quadratic: quad,
    quadraticSteps: q.steps,
    gaussian: gauss,
    pendulum: pend,
    pendulumSteps: p.steps,
    energyDrift,
  };
}

if (import.meta.main) main();
