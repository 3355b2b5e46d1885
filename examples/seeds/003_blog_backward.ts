/**
 * Port of seed 003: a blog post on understanding PyTorch's autograd (scalar backward, the
 * chain rule example, and vector backward as a Jacobian product).
 *
 * @module
 */

import { manualSeed, ones, randn, tensor } from "../../mod.ts";
import { check, print, same } from "./py.ts";

/** Runs the post's three examples. */
export function run(): void {
  // 예제1: x = torch.ones(1, requires_grad=True)
  let x = ones([1], { requiresGrad: true });
  print(x);
  let y = x.add(2);
  print(y);
  print("===== Run backward =====");
  y.backward();
  print(y);

  // 예제2: x = torch.ones(2, 2, requires_grad=True)
  x = ones([2, 2], { requiresGrad: true });
  print(x);
  y = x.add(2);
  print(y);
  const z = y.mul(y).mul(3);
  const out = z.mean();
  print(z, out);
  out.backward();
  print(x.grad);

  // 예제3: x = torch.randn(3, requires_grad=True)
  // A seed for which the loop doubles ten times in all, as in the post.
  manualSeed(16);
  x = randn([3], { requiresGrad: true });
  y = x.mul(2);
  let k = 1;
  while (y.data.norm().item() < 1000) {
    y = y.mul(2);
    k++;
  }
  print(y);
  const gradients = tensor([0.1, 1.0, 0.0001], { dtype: "float32" });
  y.backward(gradients);
  print(x.grad);
  // The vector-Jacobian product of y = 2^k x is v · 2^k, and this seed reaches k = 10.
  check(k === 10, `the loop doubled ten times (k = ${k})`);
  check(same(y, x.mul(2 ** k)), "y = x·2^k");
  check(same(x.grad!, gradients.mul(2 ** k)), "x.grad = v·2^k");
}

if (import.meta.main) run();
