/**
 * Values, gradients and grad_fn names against PyTorch 1.13, at the places where finite
 * differences cannot decide: kinks (relu, abs, clamp at the bounds), ties (maximum, amax,
 * max), zeros (prod, norm), rounding (half to even), and extreme inputs (±1e3 logits), plus
 * every loss and linear-algebra function. The fixture comes from
 * `tests/fixtures/gen_torch.py`; each case's gradient is that of `sum(out · w)` with
 * `w = sin(1, 2, …)`.
 */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import {
  CASES,
  FIXTURE,
  GRAD_EXCEPTIONS,
  NAME_EXCEPTIONS,
  nums,
} from "../support/torch_ops_cases.ts";

Deno.test("operations against PyTorch 1.13: values, gradients, grad_fn names", async (t) => {
  const fixture = FIXTURE;
  assert.deepEqual(Object.keys(CASES).sort(), Object.keys(fixture).sort());
  for (const [id, c] of Object.entries(fixture)) {
    await t.step(id, () => {
      const inputs = c.inputs.map((v) =>
        tg.tensor(v as tg.NestedArray, { dtype: "float64", requiresGrad: true })
      );
      const out = CASES[id](...inputs);
      assert.deepEqual(out.shape, c.shape, `${id}: shape`);
      assertClose(out.reshape([out.numel]), tg.tensor(nums(c.out), { dtype: "float64" }), {
        atol: 1e-12,
        rtol: 1e-12,
      });
      assert.equal(out.gradFn?.name ?? null, NAME_EXCEPTIONS[id] ?? c.grad_fn, `${id}: grad_fn`);
      const w = tg.sin(tg.arange(out.numel, { dtype: "float64" }).add(1)).reshape(out.shape);
      const grads = tg.autogradGrad([tg.sum(out.mul(w))], inputs, { allowUnused: true });
      if (GRAD_EXCEPTIONS.has(id)) return;
      c.grads.forEach((g, i) => {
        if (g === null) {
          assert.ok(grads[i] === null || grads[i]!.toTypedArray().every((v) => v === 0), id);
        } else {
          assertClose(grads[i]!.reshape([g.length]), tg.tensor(nums(g), { dtype: "float64" }), {
            atol: 1e-12,
            rtol: 1e-10,
          });
        }
      });
    });
  }
});
