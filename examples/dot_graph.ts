/**
 * The computation graph of a derivative, as in DeZero's step 35: the third derivative of
 * `tanh` at x = 1, taken with `autogradGrad(..., { createGraph: true })` three times, exported
 * as Graphviz DOT. Render it with `deno run examples/dot_graph.ts > tanh3.dot &&
 * dot -Tsvg tanh3.dot -o tanh3.svg`.
 *
 * @module
 */

import { autogradGrad, type Tensor, tensor, toDot } from "../mod.ts";

/** The `order`-th derivative of tanh at `x0`, still attached to its graph. */
export function tanhDerivativeGraph(order = 3, x0 = 1): { x: Tensor; y: Tensor } {
  const x = tensor(x0, { dtype: "float64", requiresGrad: true });
  let y = x.tanh();
  for (let i = 0; i < order; i++) {
    [y] = autogradGrad([y], [x], { createGraph: true }) as Tensor[];
  }
  return { x, y };
}

/** The DOT text of the third derivative's graph. */
export function main(verbose = false): string {
  const { y } = tanhDerivativeGraph(3);
  const dot = toDot(y, { verbose, name: "tanh_third_derivative" });
  console.log(dot);
  return dot;
}

if (import.meta.main) main(Deno.args.includes("--verbose"));
