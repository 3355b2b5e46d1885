/**
 * Port of seed 001: notes on PyTorch's "automatic differentiation with torch.autograd"
 * tutorial, compared with DeZero. Every code cell in order; the cells that draw from
 * `randn` check their invariants instead of printing the notes' random digits.
 *
 * @module
 */

import {
  AutogradError,
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
import { check, expectThrows, print, same } from "./py.ts";

/** The seed of the generator for the `randn` cells. */
const SEED = 0;

/** Runs every code cell of the notes. */
export function run(): void {
  // 2. x = torch.ones(5)  # input tensor
  // Seeded so that the run is reproducible; only the invariants below are asserted.
  manualSeed(SEED);
  const x = ones([5]);
  const y = zeros([3]);
  const w = randn([5, 3], { requiresGrad: true });
  const b = randn([3], { requiresGrad: true });
  let z = matmul(x, w).add(b);
  const loss = binaryCrossEntropyWithLogits(z, y);

  // print(f"Gradient function for z = {z.grad_fn}")
  print(`Gradient function for z = ${z.gradFn}`);
  print(`Gradient function for loss = ${loss.gradFn}`);

  // 3. loss.backward()
  loss.backward();
  print(w.grad);
  print(b.grad);
  // The mean of binary cross-entropy with logits over 3 outputs: d(loss)/dz = (sigmoid(z) − y) / 3.
  const expected = noGrad(() => sigmoid(z).sub(y).div(3));
  check(same(b.grad!, expected, 1e-6), "b.grad = (sigmoid(z) - y) / 3");
  // x is all ones, so w.grad = outer(x, b.grad): every row is exactly b.grad.
  check(same(w.grad!, b.grad!.expand([5, 3])), "every row of w.grad equals b.grad");
  // A graph can be backpropagated once, unless retain_graph=True (the notes write
  // `retrain_graph`): a second backward through the freed graph raises, as in PyTorch.
  expectThrows(() => loss.backward(), AutogradError);

  // 4. z = torch.matmul(x, w)+b
  z = matmul(x, w).add(b);
  print(z.requiresGrad);
  noGrad(() => {
    z = matmul(x, w).add(b);
  });
  print(z.requiresGrad);

  // z = torch.matmul(x, w)+b; z_det = z.detach()
  z = matmul(x, w).add(b);
  const zDet = z.detach();
  print(zDet.requiresGrad);

  // 7. inp = torch.eye(4, 5, requires_grad=True)
  const inp = eye(4, 5, { requiresGrad: true });
  const out = inp.add(1).pow(2).t();
  out.backward(onesLike(out), { retainGraph: true });
  print(`First call\n${inp.grad}`);
  out.backward(onesLike(out), { retainGraph: true });
  print(`\nSecond call\n${inp.grad}`);
  inp.zeroGrad();
  out.backward(onesLike(out), { retainGraph: true });
  print(`\nCall after zeroing gradients\n${inp.grad}`);

  // 3. with torch.no_grad(): z = torch.matmul(x, w)+b
  noGrad(() => {
    z = matmul(x, w).add(b);
  });
  check(!z.requiresGrad, "no grad inside no_grad");
}

if (import.meta.main) run();
