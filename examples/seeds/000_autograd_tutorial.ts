/**
 * Port of seed 000: PyTorch's introductory autograd notebook ("Autograd: 자동 미분").
 * Every cell in order; `deno run examples/seeds/000_autograd_tutorial.ts` prints what the
 * notebook shows (object addresses aside).
 *
 * @module
 */

import { manualSeed, noGrad, ones, randn, tensor } from "../../mod.ts";
import { check, print, same } from "./py.ts";

/** Runs every cell of the notebook. */
export function run(): void {
  // In [3]: x = torch.ones(2, 2, requires_grad=True)
  const x = ones([2, 2], { requiresGrad: true });
  print(x);

  // In [4]: y = x + 2
  const y = x.add(2);
  print(y);

  // In [5]: print(x.grad_fn)
  print(x.gradFn);
  print(y.gradFn);

  // In [6]: z = y * y * 3
  const z = y.mul(y).mul(3);
  const out = z.mean();
  print(z, out);

  // In [7]: a = torch.randn(2, 2)
  let a = randn([2, 2]);
  a = a.mul(3).div(a.sub(1));
  print(a.requiresGrad, a.gradFn);
  a.requiresGrad_(true);
  print(a.requiresGrad);
  const b = a.mul(a).sum();
  print(b.gradFn);

  // In [0]: out.backward()
  out.backward();

  // In [9]: print(x.grad)
  print(x.grad);

  // In [10]: x = torch.randn(3, requires_grad=True)
  // (The cell's comment says a (3, 3) tensor; randn(3) makes a vector of 3, as printed.)
  // A seed for which the loop below doubles ten times in all, as in the notebook.
  manualSeed(16);
  const x2 = randn([3], { requiresGrad: true });
  let y2 = x2.mul(2);
  let k = 1;
  while (y2.data.norm().item() < 1000) {
    y2 = y2.mul(2);
    k++;
  }
  print(y2);

  // In [11]: gradients = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
  const gradients = tensor([0.1, 1.0, 0.0001], { dtype: "float32" });
  y2.backward(gradients);
  print(x2.grad);
  // The vector-Jacobian product of y = 2^k x is v · 2^k, and this seed reaches k = 10.
  check(k === 10, `the loop doubled ten times (k = ${k})`);
  check(same(y2, x2.mul(2 ** k)), "y = x·2^k");
  check(same(x2.grad!, gradients.mul(2 ** k)), "x.grad = v·2^k");

  // In [12]: print(x.requires_grad)
  print(x2.requiresGrad);
  print(x2.pow(2).requiresGrad);
  noGrad(() => {
    print(x2.pow(2).requiresGrad);
  });
}

if (import.meta.main) run();
