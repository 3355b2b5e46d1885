/**
 * A short tour of Tapegrad: the `deno task demo` script.
 *
 * @module
 */
import { grad, type Tensor, tensor } from "../mod.ts";

/** Runs the tour, printing each step. */
export function run(): void {
  const x = tensor(2, { requiresGrad: true });
  const y = x.pow(3);
  console.log("y =", String(y));
  y.backward();
  console.log("dy/dx at 2 =", String(x.grad));
  const d2 = grad(grad((t: Tensor) => t.pow(3)));
  console.log("d²/dx² x³ at 2 =", String(d2(tensor(2))));
}

if (import.meta.main) run();
