/**
 * Runs the PyTorch cases of tests/fixtures/reduce_shape.json (written by
 * tests/fixtures/gen_reduce_shape.py): values, grad_fn names, weighted gradients and, where
 * recorded, a Hessian-vector product.
 */

import assert from "node:assert/strict";
import { autogradGrad, cat, mul, type NestedArray, sum, type Tensor, tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import data from "../fixtures/reduce_shape.json" with { type: "json" };

/** One recorded case. */
export interface TorchCase {
  readonly name: string;
  readonly inputs: NestedArray[];
  readonly args: Record<string, unknown>;
  readonly out: NestedArray;
  readonly grad_fn: string | null;
  readonly grads?: NestedArray[];
  readonly hvp?: NestedArray;
}

/** What an operation under test returns: one tensor or several (compared in order). */
export type CaseOutput = Tensor | readonly Tensor[];

const CASES = new Map<string, TorchCase>(
  (data.cases as unknown as TorchCase[]).map((c) => [c.name, c]),
);

/** The case called `name` (throws if the fixture lacks it). */
export function torchCase(name: string): TorchCase {
  const c = CASES.get(name);
  if (c === undefined) throw new Error(`No case ${name} in reduce_shape.json`);
  return c;
}

/** Weights `a + b·i` over `n` elements, as the generator uses them. */
function weights(n: number, a: number, b: number): Tensor {
  return tensor(Array.from({ length: n }, (_, i) => a + b * i), { dtype: "float64" });
}

/**
 * Checks `fn` against the case `name`: values, the first output's grad_fn name (unless
 * `checkName` is false), the gradient of `Σ w·out` and the recorded Hessian-vector product.
 */
export function checkTorchCase(
  name: string,
  fn: (xs: Tensor[], args: Record<string, unknown>) => CaseOutput,
  { checkName = true }: { checkName?: boolean } = {},
): void {
  const c = torchCase(name);
  const xs = c.inputs.map((v) => tensor(v, { dtype: "float64", requiresGrad: true }));
  const got = fn(xs, c.args);
  const outs: readonly Tensor[] = Array.isArray(got) ? got : [got as Tensor];
  const expected = (Array.isArray(got) ? c.out : [c.out]) as NestedArray[];
  assert.equal(outs.length, expected.length, `${name}: number of outputs`);
  outs.forEach((o, i) => assertClose(o, expected[i], { atol: 1e-12, message: `${name}[${i}]` }));
  const diff = outs.filter((o) => o.dtype === "float64");
  if (checkName) assert.equal(diff[0]?.gradFn?.name ?? null, c.grad_fn, `${name}: grad_fn`);
  if (c.grads === undefined) return;
  const flat = cat(diff.map((o) => o.reshape([o.numel])));
  const loss = sum(mul(flat, weights(flat.numel, 1, 0.1)));
  const grads = autogradGrad(loss, xs, { createGraph: true, materializeGrads: true });
  grads.forEach((g, i) =>
    assertClose(g!, c.grads![i], { atol: 1e-12, message: `${name}: gradient ${i}` })
  );
  if (c.hvp === undefined) return;
  const g0 = grads[0]!;
  const v = weights(g0.numel, 1, -0.05).reshape(g0.shape);
  const [h] = autogradGrad(sum(mul(g0, v)), [xs[0]], { materializeGrads: true });
  assertClose(h!, c.hvp, { atol: 1e-12, message: `${name}: Hessian-vector product` });
}
