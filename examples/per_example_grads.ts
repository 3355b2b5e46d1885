/**
 * Per-example gradient norms with `vmap(grad)`: the gradient of each example's loss with
 * respect to a tree of MLP parameters, for a whole batch in one vectorized pass, then each
 * example's global norm (the quantity DP-SGD clips). The same numbers come from a loop of
 * `grad` calls, and the mean of the per-example gradients is the batch gradient.
 *
 * `deno run examples/per_example_grads.ts`
 *
 * @module
 */

import { grad, mseLoss, nn, optim, type Tensor, tensor, tree, vmap } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** A batch of 16 examples: 3 features, 2 targets. */
export function batch(): { x: Tensor; y: Tensor } {
  const x = Array.from({ length: 16 }, (_, i) => [Math.sin(i), Math.cos(2 * i), (i % 5) / 5]);
  const y = x.map(([a, b, c]) => [a * b - c, a + 0.5 * c]);
  return { x: tensor(x, f64), y: tensor(y, f64) };
}

/** The network's parameters. */
export const params: nn.MlpParams = nn.mlp.init({ sizes: [3, 16, 16, 2], dtype: "float64" }, 0);

/** One example's loss. */
export function loss(p: nn.MlpParams, x: Tensor, y: Tensor): Tensor {
  return mseLoss(nn.mlp.apply(p, x, { activation: "tanh" }), y);
}

/** Per-example gradients (leaves with a leading batch dimension) and their global norms, vectorized. */
export function perExampleNorms(x: Tensor, y: Tensor): { grads: nn.MlpParams; norms: number[] } {
  const grads = vmap((xi: Tensor, yi: Tensor) => grad(loss)(params, xi, yi))(x, y);
  const n = x.shape[0];
  const squares = (tree.leaves(grads) as Tensor[])
    .map((l) => l.pow(2).reshape([n, -1]).sum(1))
    .reduce((a, b) => a.add(b));
  return { grads, norms: squares.sqrt().toArray() as number[] };
}

/** The same norms, one example at a time. */
export function loopNorms(x: Tensor, y: Tensor): number[] {
  return Array.from(
    { length: x.shape[0] },
    (_, i) => optim.globalNorm(grad(loss)(params, x.index(i), y.index(i))).item(),
  );
}

/** Prints the norms both ways. */
export function main(): { vmapped: number[]; looped: number[] } {
  const { x, y } = batch();
  const t0 = performance.now();
  const { norms } = perExampleNorms(x, y);
  const t1 = performance.now();
  const looped = loopNorms(x, y);
  const t2 = performance.now();
  console.log(`per-example gradient norms: ${norms.map((v) => v.toFixed(4)).join(" ")}`);
  console.log(`vmap ${(t1 - t0).toFixed(1)} ms, loop ${(t2 - t1).toFixed(1)} ms`);
  return { vmapped: norms, looped };
}

if (import.meta.main) main();
