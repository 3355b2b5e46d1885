/**
 * Taylor-mode transforms: `jet` (JAX's `jax.experimental.jet.jet`), `derivative` and
 * `derivatives` (all orders of a function of one scalar or elementwise argument in one
 * pass), and `laplacian` (the forward Laplacian: value, D first-order directions and one
 * summed second-order coefficient, never the Hessian). Each runs `f` once inside a Taylor
 * level; the series are computed with Tensor operations (or plain-loop kernels where no
 * outer transform watches), so `grad`, `vjp`, `jvp` and `vmap` compose with them.
 *
 * @module
 */

import { isFloating } from "../dtype.ts";
import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import type { Tensor, TensorLike } from "../tensor.ts";
import { Generator } from "../random.ts";
import { mul } from "../ops/arithmetic.ts";
import { filled } from "../ops/shape.ts";
import { grad, toTensor } from "../functional/transforms.ts";
import { catRows, column, lift, row } from "./series.ts";
import { lastRowOf, makeJet, seriesOf, withTaylorLevel } from "./level.ts";

/** A function of tensors for the Taylor transforms; numbers are accepted as results. */
export type TaylorFunction = (...args: Tensor[]) => TensorLike;

function floating(x: Tensor, op: string, what: string): void {
  if (!isFloating(x.dtype)) {
    throw new DtypeError(
      `${op}(): ${what} has dtype ${x.dtype}; Taylor mode needs floating tensors`,
    );
  }
}

/**
 * @ignore Checks that `jet`'s `primals` and `series` are arrays with one list of terms per
 * primal (shared by the tensor and the pytree versions).
 */
export function checkJetArgs(primals: readonly unknown[], series: readonly unknown[]): void {
  if (!Array.isArray(primals) || !Array.isArray(series)) {
    throw new TypeError(`jet(): primals and series must be arrays`);
  }
  if (primals.length !== series.length) {
    throw new RangeError(
      `jet(): got ${primals.length} primal(s) but ${series.length} series; give one list of ` +
        `terms per primal`,
    );
  }
}

/** `k!` for `k = 1..n`, as a column against `[n, ...]` of rank `rank`. */
function factorials(n: number, rank: number, like: Tensor, inverse: boolean): Tensor {
  let f = 1;
  return column(n, rank, like, (i) => {
    f *= i + 1;
    return inverse ? 1 / f : f;
  });
}

/**
 * Taylor-mode forward propagation with the semantics of JAX's `jax.experimental.jet.jet`:
 * `series[i]` holds `[x1, …, xK]`, the derivatives at `t = 0` of the input curve
 * `x_i(t) = primals[i] + Σ_k xk tᵏ/k!`, and the result is `[y, [y1, …, yK]]`, the value and
 * the derivatives at `t = 0` of `f(x(t))` (derivatives, not Taylor coefficients: JAX's default
 * `factorial_scaled=True`). One pass of `f`, O(K²) work per operation.
 *
 * @param f the function
 * @param primals the point, one tensor per argument
 * @param series for each argument, its K derivative terms, each shaped like the primal
 * @returns `[f(...primals), [y1, …, yK]]`
 * @throws {RangeError} when `series` does not have one list per primal or the lists differ in length
 * @throws {ShapeError} when a series term's shape differs from its primal's
 * @throws {DtypeError} for a non-floating primal
 * @example The derivatives of exp along x(t) = t
 * ```ts
 * import { exp, jet, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(0, { dtype: "float64" });
 * const one = tensor(1, { dtype: "float64" }), zero = tensor(0, { dtype: "float64" });
 * const [y, ys] = jet(exp, [x], [[one, zero, zero]]);
 * assert.equal(y.item(), 1);
 * assert.deepEqual(ys.map((t) => t.item()), [1, 1, 1]);
 * ```
 */
export function jet(
  f: TaylorFunction,
  primals: readonly TensorLike[],
  series: readonly (readonly TensorLike[])[],
): [Tensor, Tensor[]] {
  checkJetArgs(primals, series);
  const xs = primals.map((p, i) => toTensor(p, `jet() primal ${i}`));
  const k = series.length === 0 ? 0 : series[0].length;
  series.forEach((terms, i) => {
    if (!Array.isArray(terms)) throw new TypeError(`jet(): series ${i} must be an array of terms`);
    if (terms.length !== k) {
      throw new RangeError(
        `jet(): series 0 has ${k} term(s) but series ${i} has ${terms.length}; every input ` +
          `needs the same order`,
      );
    }
  });
  const terms = series.map((ts, i) => {
    floating(xs[i], "jet", `primal ${i}`);
    return ts.map((t: TensorLike, j: number) => {
      const v = typeof t === "number"
        ? filled(xs[i].shape, xs[i].dtype, t)
        : toTensor(t, "jet() term");
      if (!shapesEqual(v.shape, xs[i].shape)) {
        throw new ShapeError(
          `jet(): term ${j + 1} of series ${i} has shape ${fmtShape(v.shape)} but its primal ` +
            `has shape ${fmtShape(xs[i].shape)}`,
        );
      }
      return v.dtype === xs[i].dtype ? v : v.to(xs[i].dtype);
    });
  });
  if (k === 0) return [toTensor(f(...xs), "jet() output"), []];
  return withTaylorLevel({ mode: "jet", rows: k }, (level) => {
    const duals = xs.map((x, i) => {
      const s = catRows(terms[i].map(lift));
      return makeJet(x, mul(s, factorials(k, s.ndim, s, true)), level);
    });
    const out = toTensor(f(...duals), "jet() output");
    const ys = seriesOf(out, level);
    if (ys === null) return [out, Array.from({ length: k }, () => filled(out.shape, out.dtype, 0))];
    const d = mul(ys, factorials(k, ys.ndim, ys, false));
    return [out, Array.from({ length: k }, (_, j) => row(d, j))];
  });
}

function checkOrder(n: number, op: string): void {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`${op}(): the order must be a non-negative integer; got ${n}`);
  }
}

/**
 * `f`'s value and series of order `n` along the all-ones direction from `x`, or null when
 * `x` is neither 0-d nor the shape of `f(x)` (not a scalar or elementwise function).
 */
function taylorPass(f: TaylorFunction, x: Tensor, n: number, op: string): [Tensor, Tensor] | null {
  floating(x, op, "the argument");
  return withTaylorLevel({ mode: "jet", rows: n }, (level) => {
    const s = filled([n, ...x.shape], x.dtype, 0);
    s._buf.fill(1, 0, x.numel); // x(t) = x + t
    const out = toTensor(f(makeJet(x, s, level)), `${op}() result`);
    if (x.ndim !== 0 && !shapesEqual(out.shape, x.shape)) return null;
    const ys = seriesOf(out, level) ?? filled([n, ...out.shape], out.dtype, 0);
    return [out, mul(ys, factorials(n, ys.ndim, ys, false))] as [Tensor, Tensor];
  });
}

/**
 * The `n`-th derivative of `f`. For `f` of one 0-d argument, or applied elementwise (its
 * result shaped like its argument), it is computed in one Taylor-mode pass (O(n²) work per
 * operation instead of the ~3ⁿ of nested `grad`); otherwise, for a scalar `f` of a tensor,
 * it is `grad` applied `n` times, as before.
 *
 * @param f a function of one tensor
 * @param n the order (0 gives `f` itself)
 * @returns a function computing the `n`-th derivative
 * @throws {RangeError} for a negative or non-integer `n`
 * @example The 4th derivative of sin is sin; the 40th of exp is exp
 * ```ts
 * import { derivative, exp, sin, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(0.5, { dtype: "float64" });
 * assert.ok(Math.abs(derivative(sin, 4)(x).item() - Math.sin(0.5)) < 1e-15);
 * assert.ok(Math.abs(derivative(exp, 40)(x).item() / Math.exp(0.5) - 1) < 1e-13);
 * ```
 */
export function derivative(f: TaylorFunction, n: number): (x: TensorLike) => Tensor {
  checkOrder(n, "derivative");
  return (arg) => {
    const x = toTensor(arg, "derivative() argument");
    if (n === 0) return toTensor(f(x), "derivative() result");
    const pass = isFloating(x.dtype) ? taylorPass(f, x, n, "derivative") : null;
    if (pass !== null) return row(pass[1], n - 1);
    let g: TaylorFunction = f;
    for (let i = 0; i < n; i++) g = grad(g);
    return toTensor(g(x), "derivative() result");
  };
}

/**
 * All derivatives of orders `0..n` of a function of one 0-d argument or an elementwise one,
 * from one Taylor-mode pass, stacked along a new leading axis: shape `[n + 1, ...f(x).shape]`.
 *
 * @param f a function of one 0-d tensor, or an elementwise function
 * @param n the highest order
 * @returns a function of `x` returning `[f(x), f'(x), …, f⁽ⁿ⁾(x)]` stacked
 * @throws {RangeError} for a negative or non-integer `n`
 * @throws {ShapeError} when `x` is not 0-d and `f(x)` is not shaped like `x`
 * @example The derivatives of tanh at 0
 * ```ts
 * import { derivatives, tanh, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const d = derivatives(tanh, 5)(tensor(0, { dtype: "float64" }));
 * assert.deepEqual(d.shape, [6]);
 * assert.deepEqual(d.toArray(), [0, 1, 0, -2, 0, 16]);
 * ```
 */
export function derivatives(f: TaylorFunction, n: number): (x: TensorLike) => Tensor {
  checkOrder(n, "derivatives");
  return (arg) => {
    const x = toTensor(arg, "derivatives() argument");
    if (n === 0) return lift(toTensor(f(x), "derivatives() result"));
    const pass = taylorPass(f, x, n, "derivatives");
    if (pass === null) {
      const out = toTensor(f(x), "derivatives() result");
      throw new ShapeError(
        `derivatives(): f maps shape ${fmtShape(x.shape)} to ${fmtShape(out.shape)}; it needs a ` +
          `0-d argument or an elementwise function (result shaped like the argument)`,
      );
    }
    return catRows([lift(pass[0]), pass[1]]);
  };
}

/** Options of {@linkcode laplacian}. */
export interface LaplacianOptions {
  /**
   * `"exact"` (default): all `d` coordinate directions. `"hutchinson"`: the unbiased
   * estimate `(1/S) Σ_s vₛᵀ H vₛ` from `samples` random ±1 directions.
   */
  readonly estimator?: "exact" | "hutchinson";
  /** The number of random directions for `"hutchinson"` (default 16). */
  readonly samples?: number;
  /** The seed of the random directions (default 0). */
  readonly seed?: number;
}

/** The directions of the forward Laplacian: `[D, ...shape]`. */
function directions(x: Tensor, options: LaplacianOptions): Tensor {
  const d = x.numel;
  if ((options.estimator ?? "exact") === "exact") {
    const e = filled([d, ...x.shape], x.dtype, 0);
    for (let i = 0; i < d; i++) e._buf[i * d + i] = 1;
    return e;
  }
  const samples = options.samples ?? 16;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new RangeError(`laplacian(): samples must be a positive integer; got ${samples}`);
  }
  const g = new Generator(options.seed ?? 0);
  const v = filled([samples, ...x.shape], x.dtype, 0);
  for (let i = 0; i < v._buf.length; i++) v._buf[i] = g.uniform() < 0.5 ? -1 : 1;
  return v;
}

/**
 * The Laplacian `Σᵢ ∂²f/∂xᵢ²` of a scalar function of a tensor of any shape, by the forward
 * Laplacian: one pass of `f` carrying the value, the `d` first-order directions and a single
 * summed second-order coefficient (collapsed second-order Taylor mode), never the Hessian.
 * Composes with `vmap` (batches of points) and with `grad`/`valueAndGrad` over tensors `f`
 * closes over (a physics-informed loss). With `{ estimator: "hutchinson", samples, seed }`
 * it returns the unbiased estimate from random ±1 directions instead (for large `d`).
 *
 * @param f a function from one tensor to a scalar
 * @param options `estimator`, `samples` and `seed` for the randomized estimate
 * @returns a function of `x` returning the Laplacian, shaped like `f(x)`
 * @throws {ShapeError} when `f` returns more than one element
 * @throws {RangeError} for a bad `samples`
 * @throws {DtypeError} for a non-floating argument
 * @example The Laplacian of ‖x‖² is 2d; of a harmonic function, 0
 * ```ts
 * import { laplacian, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 2, 3], { dtype: "float64" });
 * assert.equal(laplacian((v: Tensor) => v.pow(2).sum())(x).item(), 6);
 * const h = (v: Tensor) => v.index(0).pow(2).sub(v.index(1).pow(2)); // x² − y²
 * assert.equal(laplacian(h)(x).item(), 0);
 * ```
 */
export function laplacian(
  f: TaylorFunction,
  options: LaplacianOptions = {},
): (x: TensorLike) => Tensor {
  const est = options.estimator ?? "exact";
  if (est !== "exact" && est !== "hutchinson") {
    throw new TypeError(`laplacian(): estimator must be "exact" or "hutchinson"; got ${est}`);
  }
  return (arg) => {
    const x = toTensor(arg, "laplacian() argument");
    floating(x, "laplacian", "the argument");
    const v = directions(x, options);
    const dirs = v.shape[0];
    const s = filled([dirs + 1, ...x.shape], x.dtype, 0);
    s._buf.set(v._buf);
    return withTaylorLevel({ mode: "lap", rows: dirs + 1 }, (level) => {
      const out = toTensor(f(makeJet(x, s, level)), "laplacian() result");
      if (out.numel !== 1) {
        throw new ShapeError(
          `laplacian(): f must return a scalar (one element); it returned shape ` +
            `${fmtShape(out.shape)}`,
        );
      }
      const lap = lastRowOf(out, level); // the summed second order (row D) alone
      if (lap === null) return filled(out.shape, out.dtype, 0);
      return est === "exact" ? lap : mul(lap, 1 / dirs);
    });
  };
}
