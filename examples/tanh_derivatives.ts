/**
 * The n-th derivatives of tanh, as in DeZero's step 35: orders 1 to 8 at x = 1 in float64
 * by nesting `grad` (through `derivative`), each checked against the closed form, plus a plot
 * of tanh and its first four derivatives drawn by the library's `plot`.
 *
 * `deno run examples/tanh_derivatives.ts` prints the table;
 * `deno run --allow-write=examples/out examples/tanh_derivatives.ts` also writes
 * `examples/out/tanh.svg`.
 *
 * @module
 */

import { derivative, plot, type Tensor, tensor } from "../mod.ts";

/**
 * The coefficients of the polynomial `P_n` with `tanh⁽ⁿ⁾(x) = P_n(tanh x)`, lowest degree
 * first: `P_0(t) = t` and `P_{n+1}(t) = (1 − t²)·P_n'(t)`.
 */
export function tanhPolynomial(n: number): number[] {
  let p = [0, 1];
  for (let k = 0; k < n; k++) {
    const dp = p.slice(1).map((c, i) => c * (i + 1));
    const next = new Array<number>(dp.length + 2).fill(0);
    dp.forEach((c, i) => {
      next[i] += c;
      next[i + 2] -= c;
    });
    p = next;
  }
  return p;
}

/** `tanh⁽ⁿ⁾(x)` from the closed form, in plain number arithmetic. */
export function tanhDerivativeExact(n: number, x: number): number {
  const t = Math.tanh(x);
  return tanhPolynomial(n).reduceRight((acc, c) => acc * t + c, 0);
}

/** One row of the table. */
export interface Row {
  readonly order: number;
  readonly autograd: number;
  readonly exact: number;
  readonly relErr: number;
}

/** The derivatives of orders 1..maxOrder at `x` by autograd, next to the closed form. */
export function derivativesAt(x = 1, maxOrder = 8): Row[] {
  const rows: Row[] = [];
  const at = tensor(x, { dtype: "float64" });
  for (let n = 1; n <= maxOrder; n++) {
    const autograd = derivative((v: Tensor) => v.tanh(), n)(at).item();
    const exact = tanhDerivativeExact(n, x);
    rows.push({ order: n, autograd, exact, relErr: Math.abs(autograd - exact) / Math.abs(exact) });
  }
  return rows;
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

/** Prints the table (and writes the plot when allowed). */
export function main(): Row[] {
  const rows = derivativesAt(1, 8);
  console.log("order  autograd (float64)        closed form               rel. error");
  for (const r of rows) {
    console.log(
      `${String(r.order).padStart(5)}  ${r.autograd.toPrecision(17).padEnd(24)}  ` +
        `${r.exact.toPrecision(17).padEnd(24)}  ${r.relErr.toExponential(1)}`,
    );
  }
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
