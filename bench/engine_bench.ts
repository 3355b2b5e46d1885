/**
 * Backward-engine overhead: long chains (W1-like), wide graphs, and higher-order work
 * (W4-like nested derivatives), on tiny tensors so that bookkeeping dominates.
 */

import { autogradGrad, derivative, sum, type Tensor, tensor } from "../mod.ts";

Deno.bench("10,000-op chain, forward + backward", { group: "chain" }, () => {
  const x = tensor([1], { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 10_000; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(0.0001);
  sum(y).backward();
});

Deno.bench("wide graph: 1,000 leaves summed pairwise, backward", { group: "wide" }, () => {
  const leaves = Array.from({ length: 1000 }, (_, i) => tensor(i, { requiresGrad: true }));
  let level: Tensor[] = leaves;
  while (level.length > 1) {
    const next: Tensor[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(level[i].mul(level[i + 1]).add(1));
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  level[0].backward();
});

Deno.bench("8th derivative of tanh by createGraph (W4)", { group: "higher order" }, () => {
  const x = tensor(1, { dtype: "float64", requiresGrad: true });
  let y = x.tanh();
  for (let k = 0; k < 8; k++) [y] = autogradGrad([y], [x], { createGraph: true }) as Tensor[];
  y.item();
});

Deno.bench("8th derivative of tanh by derivative(f, 8)", { group: "higher order" }, () => {
  derivative((v: Tensor) => v.tanh(), 8)(tensor(1, { dtype: "float64" })).item();
});
