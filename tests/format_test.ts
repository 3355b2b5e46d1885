/**
 * Printing matches PyTorch's repr exactly, for tensors rebuilt from the values PyTorch 1.13
 * printed (`tests/fixtures/gen_torch.py`). The one deliberate difference: PyTorch writes
 * `dtype=torch.float64`, Tapegrad `dtype=float64` (normalized by the generator).
 */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import reprs from "./fixtures/torch_repr.json" with { type: "json" };
import autograd from "./fixtures/torch_repr_autograd.json" with { type: "json" };

interface Repr {
  name: string;
  values: (number | string)[];
  shape: number[];
  dtype: string;
  repr: string;
}

const num = (v: number | string) =>
  typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;

Deno.test("repr of tensors matches PyTorch", async (t) => {
  for (const r of reprs as Repr[]) {
    await t.step(r.name, () => {
      const dtype = r.dtype as tg.DType;
      const values = r.values.map(num);
      const x = dtype === "bool"
        ? tg.tensor(values.map((v) => v !== 0), { shape: r.shape })
        : tg.tensor(values, { dtype, shape: r.shape });
      assert.equal(String(x), r.repr);
    });
  }
});

Deno.test("requires_grad and grad_fn suffixes match PyTorch", () => {
  const byName = Object.fromEntries(
    (autograd as { name: string; repr: string }[]).map((r) => [r.name, r.repr]),
  );
  const x = tg.ones([2, 2], { requiresGrad: true });
  assert.equal(String(x), byName["leaf"]);
  assert.equal(String(x.add(2)), byName["add"]);
  assert.equal(String(x.mul(3).mean()), byName["mean"]);
  const a = tg.arange(100, { dtype: "float32" }).requiresGrad_();
  assert.equal(String(a.mul(1.5)), byName["long with grad_fn"]);
  const b = tg.ones([2], { dtype: "float64", requiresGrad: true });
  assert.equal(String(b.mul(2)), byName["float64 grad_fn"]);
});

Deno.test("console.log and toString agree", () => {
  const x = tg.tensor([1.5, 2]);
  assert.equal(x.toString(), String(x));
  assert.equal(Deno.inspect(x), String(x));
});
