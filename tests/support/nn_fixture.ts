/**
 * The fixture cases of `tests/fixtures/nn.json` (written by `tests/fixtures/gen_nn.py`) and
 * the check that runs one of them: value, grad_fn name, gradient and second-order gradient
 * against PyTorch 1.13. Shared by `tests/ops/activations_test.ts` and `tests/ops/nn_test.ts`,
 * which pass their own exceptions as {@linkcode CheckOptions}.
 *
 * @module
 */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";

/** Numbers as the fixture stores them: nested, with "inf", "-inf" and "nan" as strings. */
export type NestedNumbers = number | string | NestedNumbers[];

/** One case of the fixture. */
export interface Case {
  inputs: { dtype: "float64" | "int64"; data: NestedNumbers }[];
  output: NestedNumbers;
  grads: (NestedNumbers | null)[];
  second: (NestedNumbers | null)[];
  grad_fn: string | null;
}

/** The function a case id names. */
export type Fn = (...xs: Tensor[]) => Tensor;

/** `Σ out · f(1, 2, …)`: the scalars whose gradients the fixture holds (f = sin, then cos). */
export function weighted(out: Tensor, f: (t: Tensor) => Tensor): Tensor {
  return tg.sum(
    out.mul(f(tg.arange(1, out.numel + 1, 1, { dtype: "float64" })).reshape(out.shape)),
  );
}

/** Decodes the fixture's "inf", "-inf" and "nan" strings. */
export function dec(v: NestedNumbers): tg.NestedArray {
  if (Array.isArray(v)) return v.map(dec) as tg.NestedArray;
  if (typeof v === "number") return v;
  return v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;
}

/** Where a test file expects other values than the fixture's. */
export interface CheckOptions {
  /**
   * Gradients that differ from PyTorch's on purpose, by case id, one per float64 input; for
   * these cases the second derivatives are not compared.
   */
  ownGrads?: Record<string, tg.NestedArray[]>;
  /** The expected second-order gradient of input `i` (default: the fixture's). */
  second?: (id: string, c: Case, i: number) => tg.NestedArray;
  /** The tolerance of the second-order gradients (default: that of the values and gradients). */
  secondTol?: { atol: number; rtol: number };
}

/** Checks one fixture case: value, grad_fn, gradient and second-order gradient. */
export function checkCase(id: string, c: Case, f: Fn, options: CheckOptions = {}): void {
  const inputs = c.inputs.map((i) =>
    tg.tensor(dec(i.data), {
      dtype: i.dtype,
      requiresGrad: i.dtype === "float64",
    })
  );
  const out = f(...inputs);
  const tol = { atol: 1e-12, rtol: 1e-10 };
  const secondTol = options.secondTol ?? tol;
  assertClose(out, dec(c.output), { ...tol, message: `${id}: value` });
  assert.equal(out.gradFn?.name ?? null, c.grad_fn, `${id}: grad_fn`);
  const floats = inputs.filter((x) => x.dtype === "float64");
  const grads = tg.autogradGrad(weighted(out, tg.sin), floats, {
    createGraph: true,
    allowUnused: true,
    materializeGrads: true,
  }) as Tensor[];
  const connected = grads.filter((g) => g.requiresGrad);
  const second = connected.length === 0 ? [] : tg.autogradGrad(
    connected.map((g) => weighted(g, tg.cos)).reduce((a, b) => a.add(b)),
    floats,
    { allowUnused: true, materializeGrads: true },
  ) as Tensor[];
  const own = options.ownGrads?.[id];
  let k = 0;
  c.inputs.forEach((input, i) => {
    if (input.dtype !== "float64") return;
    if (own !== undefined) {
      assertClose(grads[k], own[k], { ...tol, message: `${id}: own grad ${i}` });
      k++;
      return;
    }
    assertClose(grads[k], dec(c.grads[i]!), { ...tol, message: `${id}: grad ${i}` });
    const s = second.length === 0 ? tg.zerosLike(grads[k]) : second[k];
    const expected = options.second?.(id, c, i) ?? dec(c.second[i]!);
    assertClose(s, expected, { ...secondTol, message: `${id}: second ${i}` });
    k++;
  });
}
