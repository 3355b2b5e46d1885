/** Creation functions and dtype rules against PyTorch 1.13, and the seeded generator. */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import { DtypeError, ShapeError, type Tensor } from "../mod.ts";
import creation from "./fixtures/torch_creation.json" with { type: "json" };

const ones = (n: number) => tg.ones([n], { dtype: "int64" });
const ours: Record<string, () => Tensor> = {
  "arange(5)": () => tg.arange(5),
  "arange(1, 4)": () => tg.arange(1, 4),
  "arange(10, 0, -3)": () => tg.arange(10, 0, -3),
  "arange(0, 1, 0.25)": () => tg.arange(0, 1, 0.25),
  "arange(0.5, 2.5)": () => tg.arange(0.5, 2.5),
  "arange(-1, 1, 0.3)": () => tg.arange(-1, 1, 0.3),
  "linspace(0, 1, 5)": () => tg.linspace(0, 1, 5),
  "linspace(-2, 3, 7)": () => tg.linspace(-2, 3, 7),
  "linspace(0, 1, 1)": () => tg.linspace(0, 1, 1),
  "linspace(1, 0, 4) float64": () => tg.linspace(1, 0, 4, { dtype: "float64" }),
  "eye(3)": () => tg.eye(3),
  "eye(2, 4)": () => tg.eye(2, 4),
  "full([2, 2], 7)": () => tg.full([2, 2], 7),
  "tensor([[1, 2], [3, 4]])": () => tg.tensor([[1, 2], [3, 4]]),
  "float32 + float64": () => tg.add(tg.ones([2]), tg.ones([2], { dtype: "float64" })),
  "int64 + 1.5": () => tg.add(tg.arange(3), 1.5),
  "int64 * 2": () => tg.mul(tg.arange(3), 2),
  "bool + bool": () => tg.add(tg.gt(tg.arange(3), 0), tg.gt(tg.arange(3), 1)),
  "int64 / 2": () => tg.div(tg.arange(3), 2),
};

Deno.test("creation and dtype promotion match PyTorch", async (t) => {
  const fixture = creation as Record<string, { values: number[]; shape: number[]; dtype: string }>;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(fixture).sort());
  for (const [name, c] of Object.entries(fixture)) {
    await t.step(name, () => {
      const x = ours[name]();
      assert.equal(x.dtype, c.dtype, `${name}: dtype`);
      assert.deepEqual(x.shape, c.shape, `${name}: shape`);
      // float32 values compare exactly: both sides hold the same float32 numbers
      assert.deepEqual([...x.toTypedArray()].map(Number), c.values, `${name}: values`);
    });
  }
  assert.equal(ones(2).dtype, "int64");
});

Deno.test("tensor() from numbers, nested arrays, typed arrays and booleans", () => {
  assert.deepEqual(tg.tensor(3).shape, []);
  assert.equal(tg.tensor(3).dtype, "float32");
  assert.equal(tg.tensor(new Float64Array([1, 2])).dtype, "float64");
  assert.equal(tg.tensor([true, false]).dtype, "bool");
  assert.deepEqual(tg.tensor([[[1], [2]]]).shape, [1, 2, 1]);
  assert.deepEqual(tg.tensor([]).shape, [0]);
  assert.throws(() => tg.tensor([[1, 2], [3]]), ShapeError);
  assert.throws(() => tg.tensor([1, 2], { dtype: "float16" as tg.DType }), DtypeError);
});

Deno.test("setDefaultDtype and withDefaultDtype", () => {
  assert.equal(tg.getDefaultDtype(), "float32");
  tg.setDefaultDtype("float64");
  try {
    assert.equal(tg.ones([1]).dtype, "float64");
    assert.equal(tg.randn([2]).dtype, "float64");
  } finally {
    tg.setDefaultDtype("float32");
  }
  assert.equal(tg.withDefaultDtype("float64", () => tg.zeros([1]).dtype), "float64");
  assert.equal(tg.zeros([1]).dtype, "float32");
  assert.throws(() => tg.setDefaultDtype("int64" as "float32"), DtypeError);
});

Deno.test("*Like functions keep shape and dtype", () => {
  const x = tg.tensor([[1, 2, 3]], { dtype: "float64" });
  for (const y of [tg.zerosLike(x), tg.onesLike(x), tg.fullLike(x, 4), tg.randnLike(x)]) {
    assert.deepEqual(y.shape, [1, 3]);
    assert.equal(y.dtype, "float64");
  }
  assert.deepEqual(tg.fullLike(x, 4).toArray(), [[4, 4, 4]]);
});

Deno.test("manualSeed makes randn reproducible; moments within CLT bounds; rand in [0, 1)", () => {
  tg.manualSeed(42);
  const a = tg.randn([5]).toArray();
  tg.manualSeed(42);
  assert.deepEqual(tg.randn([5]).toArray(), a);
  const n = 100_000;
  const x = [...tg.randn([n], { dtype: "float64" }).toTypedArray()];
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  // standard errors: 1/√n for the mean, √(2/n) for the variance; allow 5 of them
  assert.ok(Math.abs(mean) < 5 / Math.sqrt(n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * Math.sqrt(2 / n), `variance ${variance}`);
  const u = [...tg.rand([n], { dtype: "float64" }).toTypedArray()];
  assert.ok(u.every((v) => v >= 0 && v < 1));
  const um = u.reduce((s, v) => s + v, 0) / n;
  assert.ok(Math.abs(um - 0.5) < 5 * Math.sqrt(1 / 12 / n));
});
