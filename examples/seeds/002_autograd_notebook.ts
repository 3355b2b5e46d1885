/**
 * Port of seed 002: the autograd tutorial run as a notebook, with its printed outputs.
 * Cells that draw from `randn` check their invariants instead of the notebook's digits.
 *
 * @module
 */

import {
  binaryCrossEntropyWithLogits,
  eye,
  manualSeed,
  matmul,
  noGrad,
  ones,
  onesLike,
  randn,
  sigmoid,
  zeros,
} from "../../mod.ts";
import { check, display, same } from "./py.ts";

/** The seed of the generator for the `randn` cells. */
const SEED = 1;

/** Runs every cell of the notebook. */
export function run(): void {
  // In [2]: x = torch.ones(5) # input tensor
  // Seeded so that the run is reproducible; only the invariants below are asserted.
  manualSeed(SEED);
  const x = ones([5]);
  const y = zeros([3]);
  const w = randn([5, 3], { requiresGrad: true });
  const b = randn([3], { requiresGrad: true });
  let z = matmul(x, w).add(b);
  const loss = binaryCrossEntropyWithLogits(z, y);

  // In [3]: z.grad_fn
  display(z.gradFn);
  // In [4]: loss.grad_fn
  display(loss.gradFn);
  // In [5]: loss.backward()
  loss.backward();
  // In [8]: w.grad # dloss/dw
  display(w.grad);
  // In [9]: b.grad # dloss/db
  display(b.grad);
  // The mean of binary cross-entropy with logits over 3 outputs: d(loss)/dz = (sigmoid(z) − y) / 3.
  const expected = noGrad(() => sigmoid(z).sub(y).div(3));
  check(
    same(b.grad!, expected, 1e-6),
    "b.grad = (sigmoid(z) - y) / 3",
  );
  // x is all ones, so w.grad = outer(x, b.grad): every row is exactly b.grad.
  check(same(w.grad!, b.grad!.expand([5, 3])), "every row of w.grad equals b.grad");

  // In [10]: z = torch.matmul(x,w)+b
  z = matmul(x, w).add(b);
  // In [11]: z.requires_grad
  display(z.requiresGrad);
  // In [16]: with torch.no_grad():
  noGrad(() => {
    z = matmul(x, w).add(b);
  });
  display(z.requiresGrad);
  // In [17]: z = torch.matmul(x, w)+b
  z = matmul(x, w).add(b);
  const zDet = z.detach();
  display(zDet.requiresGrad);

  // In [21]: inp = torch.eye(4,5, requires_grad=True)
  const inp = eye(4, 5, { requiresGrad: true });
  const out = inp.add(1).pow(2).t();
  // In [22]: out
  display(out);
  // In [23]: out.backward(torch.ones_like(out), retain_graph=True)
  out.backward(onesLike(out), { retainGraph: true });
  display(inp.grad);
  // In [24]: (the same again: gradients accumulate)
  out.backward(onesLike(out), { retainGraph: true });
  display(inp.grad);
  // In [26]: inp.grad.zero_()
  inp.zeroGrad();
  display(inp.grad);
  // In [27]: out.backward(torch.ones_like(out), retain_graph=True)
  out.backward(onesLike(out), { retainGraph: true });
  display(inp.grad);
}

if (import.meta.main) run();
