/**
 * `gradcheck`: checks the derivatives of a function up to a given order against central
 * finite differences in float64, along seeded random directions, in both reverse and
 * forward mode.
 *
 * @module
 */

import { Tensor, type TensorLike } from "../tensor.ts";
import { Generator } from "../random.ts";
import { randn } from "../creation.ts";
import { add, mul, scalar } from "../ops/arithmetic.ts";
import { sum } from "../ops/reduce.ts";
import { cast } from "../ops/shape.ts";
import { grad, jvp } from "../functional/transforms.ts";

/** Options of {@linkcode gradcheck}. */
export interface GradcheckOptions {
  /** The highest order of derivative to check (default 2). */
  readonly order?: number;
  /** The finite-difference step (default 1e-4, with a fourth-order central stencil). */
  readonly eps?: number;
  /** Absolute tolerance (default 1e-6). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-5). */
  readonly rtol?: number;
  /** Seed of the random directions (default 0). */
  readonly seed?: number;
  /** Also check forward mode (`jvp`) against reverse mode at every order (default true). */
  readonly forward?: boolean;
}

type Fn = (...xs: Tensor[]) => Tensor;

function dot(a: readonly Tensor[], b: readonly Tensor[]): Tensor {
  let s: Tensor | null = null;
  for (let i = 0; i < a.length; i++) {
    const term = sum(mul(a[i], b[i]));
    s = s === null ? term : add(s, term);
  }
  return s ?? scalar(0, "float64");
}

/** The directional derivative `x ↦ ⟨∇φ(x), v⟩`, itself differentiable. */
function directional(phi: Fn, v: readonly Tensor[]): Fn {
  const argnums = v.map((_, i) => i);
  return (...xs) => dot(grad(phi, { argnums })(...xs), v);
}

function shifted(xs: readonly Tensor[], v: readonly Tensor[], h: number): Tensor[] {
  return xs.map((x, i) => add(x, mul(v[i], h)));
}

/**
 * Checks the derivatives of `f` at `inputs` up to `order` (default 2) against central finite
 * differences in float64. With a random cotangent `u` it takes `φ₀(x) = ⟨u, f(x)⟩`, and for
 * each order `k` a random direction `vₖ`: the autograd value of `⟨∇φₖ₋₁(x), vₖ⟩` must match
 * the finite difference of `φₖ₋₁` along `vₖ` (and, by default, the forward-mode `jvp` of
 * `φₖ₋₁`); then `φₖ` is that directional derivative. Inputs are converted to float64.
 *
 * @param f the function to check
 * @param inputs the point (one tensor or number, or a list)
 * @param options `order`, `eps`, `atol`, `rtol`, `seed`, `forward`
 * @returns `true` when every check passes
 * @throws {Error} naming the order, the mode and both values when a check fails
 * @example Check tanh to third order
 * ```ts
 * import { tanh, tensor } from "@tapegrad/core";
 * import { gradcheck } from "@tapegrad/core/testing";
 * import assert from "node:assert/strict";
 *
 * assert.equal(gradcheck((x) => tanh(x).sum(), tensor([0.3, -1.2]), { order: 3 }), true);
 * ```
 */
export function gradcheck(
  f: (...xs: Tensor[]) => TensorLike,
  inputs: TensorLike | readonly TensorLike[],
  options: GradcheckOptions = {},
): true {
  const order = options.order ?? 2;
  const h = options.eps ?? 1e-4;
  const atol = options.atol ?? 1e-6;
  const rtol = options.rtol ?? 1e-5;
  const checkForward = options.forward ?? true;
  const gen = new Generator(options.seed ?? 0);
  const list = Array.isArray(inputs) ? inputs : [inputs as TensorLike];
  const xs = list.map((x) =>
    x instanceof Tensor ? cast(x.detach(), "float64") : scalar(x as number, "float64")
  );
  const f64: Fn = (...ys) => {
    const r = f(...ys);
    return typeof r === "number" ? scalar(r, "float64") : cast(r, "float64");
  };
  const out = f64(...xs);
  const u = randn(out.shape, { dtype: "float64", generator: gen });
  let phi: Fn = (...ys) => sum(mul(f64(...ys), u));
  for (let k = 1; k <= order; k++) {
    const v = xs.map((x) => randn(x.shape, { dtype: "float64", generator: gen }));
    const next = directional(phi, v);
    const analytic = next(...xs).item();
    const at = (s: number) => phi(...shifted(xs, v, s * h)).item();
    const numeric = (8 * (at(1) - at(-1)) - (at(2) - at(-2))) / (12 * h);
    const tol = atol + rtol * Math.abs(numeric);
    if (!(Math.abs(analytic - numeric) <= tol)) {
      throw new Error(
        `gradcheck(): order ${k} (reverse mode) gives ${analytic}, finite differences ` +
          `give ${numeric} (difference ${Math.abs(analytic - numeric)}, allowed ${tol})`,
      );
    }
    if (checkForward) {
      const [, tangent] = jvp(phi, xs, v);
      const fwd = tangent.item();
      if (!(Math.abs(fwd - analytic) <= atol + rtol * Math.abs(analytic))) {
        throw new Error(
          `gradcheck(): order ${k} forward mode (jvp) gives ${fwd}, reverse mode gives ` +
            `${analytic}`,
        );
      }
    }
    phi = next;
  }
  return true;
}
