/**
 * Creation functions and dtype rules against PyTorch 1.13 (`tests/fixtures/gen_core.py`), the
 * default dtype, and the seeded generator.
 */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import { DtypeError, ShapeError, type Tensor } from "../mod.ts";
import core from "./fixtures/core.json" with { type: "json" };

const f64 = { dtype: "float64" } as const;
const i64 = { dtype: "int64" } as const;
const bools = () => tg.gt(tg.arange(3), 0);

/** The same expressions as the generator's CREATION table. */
const OURS: Record<string, () => Tensor> = {
  "arange(5)": () => tg.arange(5),
  "arange(1, 4)": () => tg.arange(1, 4),
  "arange(10, 0, -3)": () => tg.arange(10, 0, -3),
  "arange(-3, 3, 2)": () => tg.arange(-3, 3, 2),
  "arange(5, 5)": () => tg.arange(5, 5),
  "arange(0, 1, 0.25)": () => tg.arange(0, 1, 0.25),
  "arange(0.5, 2.5)": () => tg.arange(0.5, 2.5),
  "arange(-1, 1, 0.3)": () => tg.arange(-1, 1, 0.3),
  "arange(1, 0, -0.1)": () => tg.arange(1, 0, -0.1),
  "arange(0, 1, 0.1) float64": () => tg.arange(0, 1, 0.1, f64),
  "arange(2.5)": () => tg.arange(2.5),
  "arange(3) float64": () => tg.arange(3, f64),
  "linspace(0, 1, 5)": () => tg.linspace(0, 1, 5),
  "linspace(-2, 3, 7)": () => tg.linspace(-2, 3, 7),
  "linspace(0, 1, 1)": () => tg.linspace(0, 1, 1),
  "linspace(0, 1, 0)": () => tg.linspace(0, 1, 0),
  "linspace(1, 0, 4) float64": () => tg.linspace(1, 0, 4, f64),
  "linspace(-1, 1, 11)": () => tg.linspace(-1, 1, 11),
  "linspace(0, 1, 7)": () => tg.linspace(0, 1, 7),
  "linspace(0, 1, 7) float64": () => tg.linspace(0, 1, 7, f64),
  "linspace(0.1, 0.7, 13)": () => tg.linspace(0.1, 0.7, 13),
  "linspace(-3.3, 10.1, 101)": () => tg.linspace(-3.3, 10.1, 101),
  "linspace(1e-3, 1e3, 9) float64": () => tg.linspace(1e-3, 1e3, 9, f64),
  "eye(3)": () => tg.eye(3),
  "eye(2, 4)": () => tg.eye(2, 4),
  "eye(4, 2) float64": () => tg.eye(4, 2, f64),
  "eye(0)": () => tg.eye(0),
  "full([2, 2], 7)": () => tg.full([2, 2], 7),
  "full([3], 0.1)": () => tg.full([3], 0.1),
  "full([2], 0.1) float64": () => tg.full([2], 0.1, f64),
  "full([2], 3) int64": () => tg.full([2], 3, i64),
  "zeros([2, 3])": () => tg.zeros([2, 3]),
  "ones([3]) int64": () => tg.ones([3], i64),
  "ones([]) float64": () => tg.ones([], f64),
  "tensor([[1, 2], [3, 4]])": () => tg.tensor([[1, 2], [3, 4]]),
  "tensor(0.1)": () => tg.tensor(0.1),
  "tensor([0.1, 0.2]) float64": () => tg.tensor([0.1, 0.2], f64),
  "tensor([true, false])": () => tg.tensor([true, false]),
  "float32 + float64": () => tg.add(tg.ones([2]), tg.ones([2], f64)),
  "float64 * float32": () => tg.mul(tg.ones([2], f64), tg.tensor([0.1, 0.2])),
  "int64 + 1.5": () => tg.add(tg.arange(3), 1.5),
  "int64 * 2": () => tg.mul(tg.arange(3), 2),
  "int64 + int64": () => tg.add(tg.arange(3), tg.arange(3)),
  "int64 - 1": () => tg.sub(tg.arange(3), 1),
  "int64 * float32": () => tg.mul(tg.arange(3), tg.tensor([0.5, 0.5, 0.5])),
  "int64 + float64": () => tg.add(tg.arange(3), tg.tensor([0.5, 0.5, 0.5], f64)),
  "bool + bool": () => tg.add(bools(), tg.gt(tg.arange(3), 1)),
  "bool + int64": () => tg.add(bools(), tg.arange(3)),
  "bool + 1": () => tg.add(bools(), 1),
  "bool + 1.5": () => tg.add(bools(), 1.5),
  "bool * float32": () => tg.mul(bools(), tg.tensor([1.5, 2.5, 3.5])),
  "int64 / 2": () => tg.div(tg.arange(3), 2),
  "int64 / int64": () => tg.div(tg.arange(1, 4), tg.arange(1, 4)),
  "bool / 2": () => tg.div(bools(), 2),
  "float64 + 0.1": () => tg.add(tg.tensor([1], f64), 0.1),
  "float32 + 0.1": () => tg.add(tg.tensor([1]), 0.1),
  "neg int64": () => tg.neg(tg.arange(3)),
  "sum int64": () => tg.sum(tg.arange(4)),
  "sum bool": () => tg.sum(tg.gt(tg.arange(4), 1)),
  "mean float64": () => tg.mean(tg.arange(4, f64)),
  "exp int64": () => tg.exp(tg.arange(3)),
  "sqrt int64": () => tg.sqrt(tg.arange(3)),
  "abs int64": () => tg.abs(tg.arange(-2, 2)),
  "cast float64 to float32": () => tg.cast(tg.tensor([0.1, 1 / 3], f64), "float32"),
  "cast float32 to int64": () => tg.cast(tg.tensor([1.7, -1.7, 2.5, -0.5]), "int64"),
  "int64 * -2": () => tg.mul(tg.arange(3), -2),
  "int64 * int64 negative": () => tg.mul(tg.arange(3), tg.neg(tg.arange(3))),
  "tensor([-0.0]) int64": () => tg.tensor([-0], i64),
  "cast float32 to bool": () => tg.cast(tg.tensor([0, -0.5, 2]), "bool"),
  "cast bool to float64": () => tg.cast(bools(), "float64"),
  "float32 + 0-d float64": () => tg.add(tg.ones([2]), tg.tensor(1, f64)),
  "int64 + 0-d float64": () => tg.add(tg.arange(3), tg.tensor(0.5, f64)),
  "0-d float32 * 0-d float64": () => tg.mul(tg.tensor(2), tg.tensor(0.1, f64)),
  "where int64 float32": () => tg.where(bools(), tg.arange(3), tg.tensor([0.5, 0.5, 0.5])),
};

interface Desc {
  values: number[];
  shape: number[];
  dtype: string;
}

/**
 * Fails today, reported: PyTorch lets a 0-d tensor of the same category as a dimensioned one
 * (float64 scalar with float32 vector) take the vector's dtype, like a plain number; Tapegrad
 * promotes by dtype alone (src/dtype.ts promoteTypes has no shapes; the fix belongs where
 * binary primitives pick their dtype, src/primitives/binary.ts).
 */
const KNOWN_DIFFERENCES = new Set<string>([]);

Deno.test("creation and dtype promotion match PyTorch exactly", async (t) => {
  const fixture = core.creation as Record<string, Desc>;
  assert.deepEqual(Object.keys(OURS).sort(), Object.keys(fixture).sort());
  for (const [name, c] of Object.entries(fixture)) {
    await t.step({
      name,
      ignore: KNOWN_DIFFERENCES.has(name),
      fn: () => {
        const x = OURS[name]();
        assert.equal(x.dtype, c.dtype, `${name}: dtype`);
        assert.deepEqual(x.shape, c.shape, `${name}: shape`);
        // exact: both sides hold the same float32/float64 numbers
        assert.deepEqual([...x.toTypedArray()].map(Number), c.values, `${name}: values`);
      },
    });
  }
});

Deno.test("tensor() from numbers, nested arrays, typed arrays and booleans", () => {
  assert.deepEqual(tg.tensor(3).shape, []);
  assert.equal(tg.tensor(3).dtype, "float32");
  assert.equal(tg.tensor(true).dtype, "bool");
  assert.equal(tg.tensor(new Float64Array([1, 2])).dtype, "float64");
  assert.equal(tg.tensor(new Float32Array([1, 2])).dtype, "float32");
  assert.equal(tg.tensor(new Float64Array([0.1])).item(), 0.1);
  assert.equal(tg.tensor([true, false]).dtype, "bool");
  assert.deepEqual(tg.tensor([[true], [false]]).toArray(), [[true], [false]]);
  assert.deepEqual(tg.tensor([[[1], [2]]]).shape, [1, 2, 1]);
  assert.deepEqual(tg.tensor([]).shape, [0]);
  assert.deepEqual(tg.tensor([[], []]).shape, [2, 0]);
  const flat = tg.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
  assert.deepEqual(flat.toArray(), [[1, 2, 3], [4, 5, 6]]);
  assert.equal(tg.tensor([0.1], f64).item(), 0.1);
  assert.equal(tg.tensor([0.1]).item(), Math.fround(0.1));
  // a tensor is copied and detached
  const x = tg.tensor([1, 2], { requiresGrad: true });
  const y = tg.tensor(x.mul(2));
  assert.equal(y.requiresGrad, false);
  assert.deepEqual(y.toArray(), [2, 4]);
});

Deno.test("tensor() rejects ragged arrays, bad shapes, bad dtypes and bad values", () => {
  const named = (cls: ErrorConstructor | typeof ShapeError, re: RegExp) => (e: unknown) =>
    e instanceof cls && re.test((e as Error).message);
  assert.throws(() => tg.tensor([[1, 2], [3]]), named(ShapeError, /tensor.*rectangular/));
  assert.throws(() => tg.tensor([[1, 2], 3] as tg.NestedArray), ShapeError);
  assert.throws(() => tg.tensor([1, [2, 3]] as tg.NestedArray), TypeError);
  assert.throws(() => tg.tensor([1, 2, 3], { shape: [2, 2] }), named(ShapeError, /\[2, 2\].*3/));
  assert.throws(() => tg.tensor([1, 2], { dtype: "float16" as tg.DType }), DtypeError);
  // as PyTorch: fractions truncate toward zero; NaN and ±∞ cannot be converted
  assert.deepEqual(tg.tensor([1.5, -2.7], i64).toArray(), [1, -2]);
  assert.throws(() => tg.tensor([NaN], i64), named(RangeError, /tensor.*NaN.*int64/));
  assert.throws(() => tg.tensor(["a"] as unknown as number[]), TypeError);
  assert.throws(() => tg.tensor(null as unknown as number), TypeError);
});

Deno.test("creation functions reject bad shapes, steps and sizes", () => {
  assert.throws(() => tg.zeros([-1]), ShapeError);
  assert.throws(() => tg.ones([1.5]), ShapeError);
  assert.throws(() => tg.full([2], 1, { dtype: "complex" as tg.DType }), DtypeError);
  assert.throws(
    () => tg.arange(0, 1, 0),
    (e: unknown) => e instanceof RangeError && /arange/.test(String(e)),
  );
  assert.throws(() => tg.arange(0, 5, -1), RangeError);
  assert.throws(() => tg.arange(0, Infinity), RangeError);
  assert.throws(() => tg.linspace(0, 1, -1), RangeError);
  assert.throws(() => tg.linspace(0, 1, 2.5), RangeError);
  assert.throws(() => tg.eye(-1), ShapeError);
  assert.throws(() => tg.randn([2, -3]), ShapeError);
});

Deno.test("setDefaultDtype and withDefaultDtype", () => {
  assert.equal(tg.getDefaultDtype(), "float32");
  tg.setDefaultDtype("float64");
  try {
    assert.equal(tg.ones([1]).dtype, "float64");
    assert.equal(tg.randn([2]).dtype, "float64");
    assert.equal(tg.tensor([1]).dtype, "float64");
    assert.equal(tg.arange(0, 1, 0.5).dtype, "float64");
    assert.equal(tg.add(tg.arange(3), 0.5).dtype, "float64");
    assert.equal(tg.arange(3).dtype, "int64");
  } finally {
    tg.setDefaultDtype("float32");
  }
  assert.equal(tg.withDefaultDtype("float64", () => tg.zeros([1]).dtype), "float64");
  assert.equal(tg.zeros([1]).dtype, "float32");
  assert.throws(() =>
    tg.withDefaultDtype("float64", () => {
      throw new Error("boom");
    })
  );
  assert.equal(tg.getDefaultDtype(), "float32", "restored on throw");
  assert.throws(() => tg.setDefaultDtype("int64" as "float32"), DtypeError);
  assert.equal(tg.getDefaultDtype(), "float32");
});

Deno.test("*Like functions keep shape and dtype", () => {
  const x = tg.tensor([[1, 2, 3]], f64);
  for (
    const y of [tg.zerosLike(x), tg.onesLike(x), tg.fullLike(x, 4), tg.randnLike(x), tg.randLike(x)]
  ) {
    assert.deepEqual(y.shape, [1, 3]);
    assert.equal(y.dtype, "float64");
    assert.equal(y.requiresGrad, false);
  }
  assert.deepEqual(tg.fullLike(x, 4).toArray(), [[4, 4, 4]]);
  assert.deepEqual(tg.zerosLike(x).toArray(), [[0, 0, 0]]);
  assert.deepEqual(tg.onesLike(x, { dtype: "int64" }).toArray(), [[1, 1, 1]]);
  assert.equal(tg.onesLike(x, { dtype: "int64" }).dtype, "int64");
  assert.equal(tg.zerosLike(x, { requiresGrad: true }).requiresGrad, true);
});

function moments(x: number[]): { mean: number; variance: number } {
  const n = x.length;
  const mean = x.reduce((s, v) => s + v, 0) / n;
  const variance = x.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, variance };
}

Deno.test("manualSeed makes draws reproducible; generators are independent", () => {
  tg.manualSeed(42);
  const a = tg.randn([5]).toArray();
  const b = tg.rand([3]).toArray();
  tg.manualSeed(42);
  assert.deepEqual(tg.randn([5]).toArray(), a);
  assert.deepEqual(tg.rand([3]).toArray(), b);
  tg.manualSeed(43);
  assert.notDeepEqual(tg.randn([5]).toArray(), a);
  const g1 = new tg.Generator(7);
  const g2 = new tg.Generator(7);
  assert.deepEqual(
    tg.randn([4], { generator: g1 }).toArray(),
    tg.randn([4], { generator: g2 }).toArray(),
  );
  tg.manualSeed(42);
  tg.randn([3], { generator: new tg.Generator(1) });
  assert.deepEqual(tg.randn([5]).toArray(), a, "a private generator leaves the default alone");
});

Deno.test("randn moments within CLT bounds; rand in [0, 1) with uniform moments", () => {
  tg.manualSeed(20261124);
  const n = 100_000;
  const z = moments([...tg.randn([n], f64).toTypedArray()]);
  // standard errors: 1/√n for the mean, √(2/n) for the variance; allow 5 of them
  assert.ok(Math.abs(z.mean) < 5 / Math.sqrt(n), `mean ${z.mean}`);
  assert.ok(Math.abs(z.variance - 1) < 5 * Math.sqrt(2 / n), `variance ${z.variance}`);
  const z32 = moments([...tg.randn([n]).toTypedArray()]);
  assert.ok(Math.abs(z32.mean) < 5 / Math.sqrt(n), `float32 mean ${z32.mean}`);
  assert.ok(Math.abs(z32.variance - 1) < 5 * Math.sqrt(2 / n), `float32 variance ${z32.variance}`);
  const raw = [...tg.rand([n], f64).toTypedArray()];
  assert.ok(raw.every((v) => v >= 0 && v < 1));
  const u = moments(raw);
  // uniform: mean 1/2, variance 1/12, variance of the sample variance (1/80 − 1/144)/n
  assert.ok(Math.abs(u.mean - 0.5) < 5 * Math.sqrt(1 / 12 / n), `uniform mean ${u.mean}`);
  assert.ok(
    Math.abs(u.variance - 1 / 12) < 5 * Math.sqrt((1 / 80 - 1 / 144) / n),
    `uniform variance ${u.variance}`,
  );
  const u32 = [...tg.rand([n]).toTypedArray()];
  assert.ok(u32.every((v) => v >= 0 && v < 1), "float32 rand stays below 1");
});
