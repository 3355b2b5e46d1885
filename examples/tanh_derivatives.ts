/**
 * The n-th derivatives of tanh, as in DeZero's step 35, but to order 100: all orders 0..100
 * at x = 1 in float64 from one Taylor-mode pass (`derivatives`), each checked against the
 * closed form `tanh⁽ⁿ⁾ = P_n(tanh)` evaluated exactly, plus a plot of tanh with its first four
 * derivatives (drawn by the library's `plot`).
 *
 * Nesting first-order autograd (as DeZero and PyTorch do) costs about 3× more per order and
 * stops being practical near order 12; Taylor mode propagates a truncated power series instead,
 * O(n²) work for n orders.
 *
 * `deno run examples/tanh_derivatives.ts` prints the table;
 * `deno run --allow-write=examples/out examples/tanh_derivatives.ts` also writes
 * `examples/out/tanh.svg`.
 *
 * @module
 */

import { derivatives, plot, type Tensor, tensor } from "../mod.ts";

/**
 * The integer coefficients of the polynomial `P_n` with `tanh⁽ⁿ⁾(x) = P_n(tanh x)`, lowest
 * degree first: `P_0(t) = t` and `P_{n+1}(t) = (1 − t²)·P_n'(t)`. They grow like n!, hence
 * BigInt.
 */
export function tanhPolynomial(n: number): bigint[] {
  return tanhPolynomials(n)[n];
}

/** `P_0, …, P_maxOrder` (see {@linkcode tanhPolynomial}). */
export function tanhPolynomials(maxOrder: number): bigint[][] {
  const out = [[0n, 1n]];
  for (let k = 0; k < maxOrder; k++) {
    const dp = out[k].slice(1).map((c, i) => c * BigInt(i + 1));
    const next = new Array<bigint>(dp.length + 2).fill(0n);
    dp.forEach((c, i) => {
      next[i] += c;
      next[i + 2] -= c;
    });
    out.push(next);
  }
  return out;
}

/** Decimal digits of the fixed-point arithmetic in {@linkcode tanhDerivativesExact}. */
const DIGITS = 400;
const SCALE = 10n ** BigInt(DIGITS);

/** `tanh(1) = (e² − 1)/(e² + 1)` as a fixed-point integer scaled by 10^DIGITS. */
function tanhOneFixed(): bigint {
  let e = 0n;
  let term = SCALE; // 1/k! scaled
  for (let k = 1; term > 0n; k++) {
    e += term;
    term /= BigInt(k);
  }
  const e2 = (e * e) / SCALE;
  return ((e2 - SCALE) * SCALE) / (e2 + SCALE);
}

/**
 * `tanh⁽ⁿ⁾(1)` for n = 0..maxOrder from the closed form, in 400-digit fixed-point arithmetic,
 * correctly rounded to float64 (independent of the library).
 */
export function tanhDerivativesExact(maxOrder: number): number[] {
  const t = tanhOneFixed();
  return tanhPolynomials(maxOrder).map((p) => {
    const acc = p.reduceRight((acc, c) => (acc * t) / SCALE + c * SCALE, 0n);
    return Number(`${acc}e-${DIGITS}`);
  });
}

/** One row of the table. */
export interface Row {
  readonly order: number;
  readonly taylor: number;
  readonly exact: number;
  readonly relErr: number;
}

/** `tanh⁽ⁿ⁾(x)` for n = 0..maxOrder from one Taylor-mode pass, as plain numbers. */
export function taylorDerivatives(x = 1, maxOrder = 100): number[] {
  const d = derivatives((v: Tensor) => v.tanh(), maxOrder)(tensor(x, { dtype: "float64" }));
  return [...d.toTypedArray() as Float64Array];
}

/** The derivatives of orders 0..maxOrder at 1 by Taylor mode, next to the closed form. */
export function derivativesAtOne(maxOrder = 100): Row[] {
  const taylor = taylorDerivatives(1, maxOrder);
  const exact = tanhDerivativesExact(maxOrder);
  return taylor.map((v, n) => ({
    order: n,
    taylor: v,
    exact: exact[n],
    relErr: Math.abs(v - exact[n]) / Math.abs(exact[n]),
  }));
}

/** The SVG plot of tanh and its first `orders` derivatives over [−4, 4] (the library's `plot`). */
export function plotSvg(orders = 4): string {
  return plot((v: Tensor) => v.tanh(), {
    derivatives: orders,
    labels: ["tanh"],
    range: [-4, 4],
    yRange: [-5, 5],
    title: "tanh and its derivatives",
  }).svg;
}

/** The orders the printed table shows (all 101 are computed and checked). */
export const SHOWN = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 24, 32, 48, 64, 80, 96, 100];

/** Prints the table and returns all rows. */
export function main(log: (line: string) => void = console.log): Row[] {
  const t0 = performance.now();
  const rows = derivativesAtOne(100);
  const ms = performance.now() - t0;
  log("order  Taylor mode (float64)      closed form (exact)        rel. error");
  for (const r of rows.filter((r) => SHOWN.includes(r.order))) {
    log(
      `${String(r.order).padStart(5)}  ${r.taylor.toPrecision(17).padEnd(25)}  ` +
        `${r.exact.toPrecision(17).padEnd(25)}  ${r.relErr.toExponential(1)}`,
    );
  }
  const worst = rows.reduce((a, b) => (b.relErr > a.relErr ? b : a));
  log(
    `all ${rows.length} orders in one pass (${ms.toFixed(0)} ms with the exact reference); ` +
      `largest rel. error ${worst.relErr.toExponential(1)} (order ${worst.order})`,
  );
  return rows;
}

if (import.meta.main) {
  main();
  const write = await Deno.permissions.query({ name: "write", path: "examples/out" });
  if (write.state === "granted") {
    Deno.mkdirSync("examples/out", { recursive: true });
    Deno.writeTextFileSync("examples/out/tanh.svg", plotSvg());
    console.log("wrote examples/out/tanh.svg");
  } else {
    console.log("(run with --allow-write=examples/out to write examples/out/tanh.svg)");
  }
}
