/**
 * Printing matches PyTorch's repr exactly, for tensors rebuilt from the float64 values of the
 * elements PyTorch 1.13 printed (`tests/fixtures/gen_core.py`). The one deliberate difference:
 * PyTorch writes `dtype=torch.float64`, Tapegrad `dtype=float64`. Since the shorter suffix can
 * move a line break, the generator also stores the repr PyTorch's own printer makes with
 * Tapegrad's spelling (`repr`); it differs from PyTorch's (`torch_repr`) only in that suffix.
 */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import type { DType, Tensor } from "../mod.ts";
import { pyExp, pyFixed } from "../src/format.ts";
import core from "./fixtures/core.json" with { type: "json" };

interface ReprCase {
  name: string;
  values: (number | string)[];
  shape: number[];
  dtype: string;
  requires_grad: boolean;
  recipe: string | null;
  torch_repr: string;
  repr: string;
}

/** A fixture number: JSON has no nan or infinities, so the generator writes them as strings. */
export function num(v: number | string): number {
  if (typeof v === "number") return v;
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  throw new TypeError(`Unknown fixture value ${v}`);
}

/** The same autograd ops the generator ran on the leaf. */
const RECIPES: Record<string, (x: Tensor) => Tensor> = {
  "add2": (x) => x.add(2),
  "mul3_mean": (x) => x.mul(3).mean(),
  "sum0": (x) => x.sum(0),
  "exp": (x) => x.exp(),
  "mul2": (x) => x.mul(2),
  "mul1.5": (x) => x.mul(1.5),
  "t": (x) => x.t(),
};

function rebuild(r: ReprCase): Tensor {
  const dtype = r.dtype as DType;
  const values = r.values.map(num);
  const x = tg.tensor(values, { dtype, shape: r.shape });
  if (r.requires_grad) x.requiresGrad_();
  return r.recipe === null ? x : RECIPES[r.recipe](x);
}

const normalize = (s: string) => s.replaceAll("dtype=torch.", "dtype=");

Deno.test("repr matches PyTorch for every fixture case", async (t) => {
  const cases = core.repr as ReprCase[];
  assert.ok(cases.length > 100);
  for (const r of cases) {
    await t.step(r.name, () => {
      const x = rebuild(r);
      assert.equal(x.dtype, r.dtype);
      assert.equal(String(x), r.repr);
    });
  }
});

Deno.test("the fixture's repr differs from PyTorch's only in the dtype suffix", () => {
  const cases = core.repr as ReprCase[];
  const moved = cases.filter((r) => r.repr !== normalize(r.torch_repr));
  // where the shorter suffix moved a line break, removing all line breaks before the suffixes
  // must give the same text
  const flat = (s: string) => s.replace(/,\n +(dtype|grad_fn|requires_grad)/g, ", $1");
  for (const r of moved) assert.equal(flat(r.repr), flat(normalize(r.torch_repr)), r.name);
  assert.ok(moved.length <= 2, `${moved.length} cases differ`);
});

Deno.test("repr uses the default dtype when deciding the dtype suffix", () => {
  const x = tg.tensor([1.5, 2], { dtype: "float64" });
  assert.equal(String(x), "tensor([1.5000, 2.0000], dtype=float64)");
  tg.withDefaultDtype("float64", () => {
    assert.equal(String(x), "tensor([1.5000, 2.0000])");
    assert.equal(String(tg.tensor([1], { dtype: "float32" })), "tensor([1.], dtype=float32)");
  });
});

Deno.test("console.log, Deno.inspect and toString agree", () => {
  const x = tg.tensor([1.5, 2]);
  assert.equal(x.toString(), String(x));
  assert.equal(Deno.inspect(x), String(x));
  assert.equal(`${x}`, "tensor([1.5000, 2.0000])");
});

Deno.test("gradFn prints as PyTorch's node names", () => {
  const x = tg.tensor([1, 2], { requiresGrad: true });
  assert.equal(String(x.mul(x).gradFn), "<MulBackward0>");
  assert.equal(String(x.sum().gradFn), "<SumBackward0>");
});

Deno.test("pyFixed and pyExp reproduce Python's '{:.4f}', '{:.4e}' and '{:.0f}'", () => {
  const rows = core.pyformat as [number, string, string, string][];
  assert.ok(rows.length > 300);
  const wrong: string[] = [];
  for (const [v, f4, e4, f0] of rows) {
    if (pyFixed(v, 4) !== f4) wrong.push(`${v}: ${pyFixed(v, 4)} vs ${f4}`);
    if (pyExp(v, 4) !== e4) wrong.push(`${v}: ${pyExp(v, 4)} vs ${e4}`);
    if (pyFixed(v, 0) !== f0) wrong.push(`${v}: ${pyFixed(v, 0)} vs ${f0}`);
  }
  assert.deepEqual(wrong, []);
});
