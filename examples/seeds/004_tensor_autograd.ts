/**
 * Port of seed 004: a tutorial page on tensor autograd (requires_grad by assignment,
 * `x ** 2`, partial derivatives, 0-d tensors, `no_grad`, accumulating and resetting
 * gradients).
 *
 * @module
 */

import { AutogradError, noGrad, sum, tensor } from "../../mod.ts";
import { display, expectThrows, print } from "./py.ts";

/** Runs every cell of the page. */
export function run(): void {
  // x = torch.tensor([1.]); x.requires_grad = True
  let x = tensor([1]);
  x.requiresGrad = true;
  print(x);
  print(x.requiresGrad);

  // y = x ** 2
  let y = x.pow(2);
  print(y);

  // y.backward()
  y.backward();
  // x.grad
  display(x.grad);

  // requires_grad가 True로 설정되 있는 않은 경우 --> Exception
  x = tensor([1]);
  y = x.pow(2);
  expectThrows(() => y.backward(), AutogradError);

  // x = torch.tensor([1.], requires_grad=True); y = x ** 2; z = y * 10
  x = tensor([1], { requiresGrad: true });
  y = x.pow(2);
  let z = y.mul(10);
  print(y, y.requiresGrad);
  print(z);
  z.backward();
  print(x.grad);

  // 편미분: z = 2*x**2 + y**2
  x = tensor([1], { requiresGrad: true });
  y = tensor([1], { requiresGrad: true });
  z = x.pow(2).mul(2).add(y.pow(2));
  print(z);
  z.backward();
  print(x.grad);
  print(y.grad);

  // x=torch.tensor([1., 2., 3.] ,requires_grad=True); y=torch.sum(x**2)
  x = tensor([1, 2, 3], { requiresGrad: true });
  y = sum(x.pow(2));
  y.backward();
  print(y);
  print(x.grad);

  // x = torch.tensor(1.0, requires_grad = True)
  x = tensor(1, { requiresGrad: true });
  print(x.requiresGrad);
  y = x.pow(2);
  print(y.requiresGrad);
  print(x.requiresGrad);
  print(y);
  y.backward();
  print(x.grad);

  // with torch.no_grad(): y = x**2
  x = tensor(1, { requiresGrad: true });
  print(x.requiresGrad);
  noGrad(() => {
    print(x.requiresGrad);
    y = x.pow(2);
    print(y.requiresGrad);
    print(y);
  });
  print(x.requiresGrad);
  // y.backward() raises: y was made without grad.
  expectThrows(() => y.backward(), AutogradError);

  // gradient 값 초기화: x = torch.tensor(1., requires_grad=True)
  x = tensor(1, { requiresGrad: true });
  y = x.pow(2);
  y.backward();
  print("x의 gradient값:", x.grad);
  // x
  display(x);
  // z = x **2; z.backward()  (accumulates)
  z = x.pow(2);
  z.backward();
  print("x의 gradient값:", x.grad);

  // x = torch.tensor(1., requires_grad=True); y = x**2; y.backward(); x.grad
  x = tensor(1, { requiresGrad: true });
  y = x.pow(2);
  y.backward();
  display(x.grad);
  // x.grad = torch.tensor(0.)  # reset, then one more backward
  x.grad = tensor(0);
  z = x.pow(2);
  z.backward();
  display(x.grad);
}

if (import.meta.main) run();
