/**
 * Oracles for Taylor mode: the derivatives along a polynomial curve by nested `jvp`, and by
 * central finite differences.
 */

import { jvp, type Tensor, tensor } from "../../mod.ts";

const f64 = (v: number) => tensor(v, { dtype: "float64" });

/** The inputs moved along `x_i(t) = x_i + Σ_k s_ik tᵏ/k!` (Horner form, exact at t = 0). */
function curve(xs: readonly Tensor[], series: readonly (readonly Tensor[])[], t: Tensor): Tensor[] {
  return xs.map((x, i) => {
    let acc: Tensor | null = null;
    for (let j = series[i].length; j >= 1; j--) {
      const inner: Tensor = acc === null ? series[i][j - 1] : series[i][j - 1].add(acc);
      acc = t.mul(1 / j).mul(inner);
    }
    return acc === null ? x : x.add(acc);
  });
}

/**
 * The derivatives of orders 1..k at t = 0 of `f(x(t))`, by nested `jvp` in t: the oracle
 * forward mode gives for free.
 */
export function nestedJvpDerivatives(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  series: readonly (readonly Tensor[])[],
  k: number,
): Tensor[] {
  let d: (t: Tensor) => Tensor = (t) => f(...curve(xs, series, t));
  const out: Tensor[] = [];
  for (let j = 1; j <= k; j++) {
    const prev = d;
    d = (t) => jvp(prev, [t], [f64(1)])[1];
    out.push(d(f64(0)));
  }
  return out;
}

/** The first and second derivatives at t = 0 of `f(x(t))` by central differences. */
export function finiteDifferenceDerivatives(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  series: readonly (readonly Tensor[])[],
  h = 1e-3,
): [Float64Array, Float64Array] {
  const at = (t: number) => f(...curve(xs, series, f64(t))).toTypedArray() as Float64Array;
  const p = at(h), m = at(-h), z = at(0), p2 = at(2 * h), m2 = at(-2 * h);
  // fourth-order accurate stencils
  const d1 = p.map((_, i) => (-p2[i] + 8 * p[i] - 8 * m[i] + m2[i]) / (12 * h));
  const d2 = p.map((_, i) => (-p2[i] + 16 * p[i] - 30 * z[i] + 16 * m[i] - m2[i]) / (12 * h * h));
  return [d1, d2];
}
