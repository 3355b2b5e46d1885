/**
 * Regression tests for issue 13 (no silent wrong result): advanced indexing, bounds checks
 * under vmap, tensor() inside vmap, finite gradients at valid points, int64 integrity, 0-d
 * dtype promotion, creation validation, randomness under vmap, grad mode across await, and
 * scale. Reference values come from tests/fixtures/reliability.json (written by
 * tests/fixtures/gen_reliability.py from PyTorch 1.13) or from mathematics.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../mod.ts";
import {
  AutogradError,
  DtypeError,
  type IndexSpec,
  type NestedArray,
  range,
  ShapeError,
  type Tensor,
  tensor,
  vmap,
} from "../mod.ts";
import { assertClose } from "../src/testing/mod.ts";
import { checkDerivatives, property } from "./support/props.ts";
import data from "./fixtures/reliability.json" with { type: "json" };

const f64 = { dtype: "float64" } as const;
const i64 = (v: NestedArray) => tensor(v, { dtype: "int64" });

/** `assert.throws` with the error class and every pattern in the message. */
function throwsWith(
  fn: () => unknown,
  cls: ErrorConstructor | typeof ShapeError,
  ...res: RegExp[]
) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    for (const re of res) assert.match((e as Error).message, re);
    return true;
  });
}

/** The JSON encoding of NaN and ±∞ back to numbers. */
function dec(v: unknown): NestedArray {
  if (Array.isArray(v)) return v.map(dec);
  if (v === "nan") return NaN;
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  return v as number;
}

/** Stacks `f` applied to each example: the semantics vmap must have. */
function loop(f: (...xs: Tensor[]) => Tensor, ...xs: Tensor[]): Tensor {
  const n = xs[0].shape[0];
  return tg.stack(Array.from({ length: n }, (_, i) => f(...xs.map((x) => tg.index(x, i)))));
}

// ---- item 0: advanced indexing pairs tensor indices ------------------------------------------

type SpecJson =
  | { int: number }
  | { range: (number | null)[] }
  | { idx: NestedArray }
  | { mask: NestedArray }
  | string;

function spec(s: SpecJson): IndexSpec {
  if (s === "None") return null;
  if (s === "...") return "...";
  if (typeof s === "object" && "int" in s) return s.int;
  if (typeof s === "object" && "range" in s) return range(s.range[0], s.range[1], s.range[2] ?? 1);
  if (typeof s === "object" && "mask" in s) return tensor(s.mask);
  return i64((s as { idx: NestedArray }).idx);
}

Deno.test("index() with tensor indices pairs them like PyTorch's advanced indexing", async (t) => {
  const cases = data.index as Record<
    string,
    { shape: number[]; specs: SpecJson[]; out: NestedArray; out_shape: number[]; grad: NestedArray }
  >;
  for (const [name, c] of Object.entries(cases)) {
    await t.step(name, () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const x = tg.arange(n, f64).reshape(c.shape).requiresGrad_();
      const out = tg.index(x, ...c.specs.map(spec));
      assert.deepEqual(out.shape, c.out_shape, "shape");
      assertClose(out, c.out, { atol: 0, message: "value" });
      const w = tg.arange(out.numel, f64).mul(0.1).add(1);
      out.reshape([-1]).mul(w).sum().backward();
      assertClose(x.grad!, c.grad, { atol: 1e-12, message: "gradient" });
      assert.equal(out.gradFn?.name, "IndexBackward0");
    });
  }
});

Deno.test("index() with the issue's example: x[[0, 1], [1, 0]] is [1, 2], plain arrays work", () => {
  const x = tensor([[0, 1], [2, 3]]);
  assert.deepEqual(tg.index(x, [0, 1], [1, 0]).toArray(), [1, 2]);
  assert.deepEqual(tg.index(x, i64([0, 1]), i64([1, 0])).toArray(), [1, 2]);
  throwsWith(() => tg.index(x, [0, 2], [0, 0]), RangeError, /index\(\)/, /2/, /size 2/);
  throwsWith(() => tg.index(x, [0, 1, 0], [0, 1]), ShapeError, /index/);
  throwsWith(() => tg.index(x, tensor([0, 1])), DtypeError, /index/, /int64/);
  // fractions are refused, not truncated to 0; a bool list is a mask, not indices 1 and 0
  throwsWith(() => tg.index(x, [0.5]), TypeError, /index/, /0\.5/);
  assert.deepEqual(tg.index(x, [true, false]).toArray(), [[0, 1]]);
  throwsWith(() => tg.index(x, [true, false, true]), ShapeError, /mask/, /\[3\]/);
  throwsWith(
    () => vmap((m: Tensor) => tg.index(x, m))(tensor([[true, false], [true, true]])),
    TypeError,
    /mask/,
    /vmap/,
  );
});

Deno.test("index() with paired tensor indices differentiates to third order", () => {
  const x = tg.randn([3, 4], { ...f64, generator: new tg.Generator(3) });
  const rows = i64([[0, 2], [2, 2]]);
  const cols = i64([1, 1]);
  checkDerivatives((v) => tg.index(v, rows, cols).pow(3), x);
  checkDerivatives((v) => tg.index(v.reshape([3, 1, 4]), rows, range(), cols).pow(3), x);
});

Deno.test("index() with tensor indices under vmap matches a loop, batched data and indices", () => {
  const xs = tg.randn([3, 4, 5], { ...f64, generator: new tg.Generator(4) });
  const idx = i64([[0, 3], [2, 2], [1, 0]]);
  const f = (x: Tensor, i: Tensor) => tg.index(x, i, i.add(1));
  assertClose(vmap(f)(xs, idx), loop(f, xs, idx), { atol: 0 });
  const g = (x: Tensor) => tg.index(x, range(), range(), i64([4, 0]));
  assertClose(vmap(g)(xs.reshape([3, 2, 2, 5])), loop(g, xs.reshape([3, 2, 2, 5])), { atol: 0 });
});

// ---- item 1: bounds checks under vmap ----------------------------------------------------------

Deno.test("vmap checks index bounds against the per-example shape (gather, scatterAdd, index)", () => {
  const rows = tensor([[1, 2, 3], [4, 5, 6]]);
  const gather = vmap((r: Tensor, i: Tensor) => r.gather(0, i));
  throwsWith(() => gather(rows, i64([[4], [0]])), RangeError, /gather/, /4/, /size 3/);
  throwsWith(() => gather(rows, i64([[-1], [0]])), RangeError, /gather/, /-1/);
  assert.deepEqual(gather(rows, i64([[2], [0]])).toArray(), [[3], [4]]);
  const scatter = vmap((r: Tensor, i: Tensor) => tg.scatterAdd(r, 0, i, tg.onesLike(r)));
  throwsWith(() => scatter(rows, i64([[0, 1, 3], [0, 0, 0]])), RangeError, /scatterAdd/, /3/);
  const select = vmap((r: Tensor, i: Tensor) => tg.indexSelect(r, 0, i));
  throwsWith(() => select(rows, i64([[0], [3]])), RangeError, /indexSelect/, /3/);
  const idx = vmap((r: Tensor, i: Tensor) => tg.index(r, i));
  throwsWith(() => idx(rows, i64([[0], [-4]])), RangeError, /index/, /-4/);
  // a 0-d input acts as shape [1] (PyTorch: index_select(tensor(1.), 0, [5]) is out of range)
  throwsWith(() => tg.indexSelect(tensor(1), 0, i64([5])), RangeError, /indexSelect/, /5/);
  assert.equal(tg.indexSelect(tensor(1), 0, i64([0, 0])).item(), 1);
  // unbatched indices against batched data too
  throwsWith(
    () => vmap((r: Tensor) => r.gather(0, i64([3])))(rows),
    RangeError,
    /gather/,
    /3/,
  );
});

Deno.test("vmap checks class targets of nllLoss and crossEntropy", () => {
  const logits = tg.zeros([2, 4, 3]);
  const ce = vmap((x: Tensor, y: Tensor) => tg.crossEntropy(x, y));
  throwsWith(() => ce(logits, i64([[0, 1, 2, 3], [0, 0, 0, 0]])), RangeError, /crossEntropy/, /3/);
  const nll = vmap((x: Tensor, y: Tensor) => tg.nllLoss(x, y));
  throwsWith(() => nll(logits, i64([[0, 0, 0, 0], [0, -1, 0, 0]])), RangeError, /nllLoss/, /-1/);
  // in range: the loss of each example equals the loop's
  const y = i64([[0, 1, 2, 1], [2, 2, 0, 1]]);
  const x = tg.randn([2, 4, 3], { generator: new tg.Generator(5) });
  assertClose(ce(x, y), loop((a, b) => tg.crossEntropy(a, b), x, y), { atol: 1e-6 });
});

// ---- item 2: tensor() inside vmap --------------------------------------------------------------

Deno.test("tensor(x) of a batched tensor inside vmap works like x (detached)", () => {
  const out = vmap((x: Tensor) => tensor(x).add(1))(tg.ones([2, 3]));
  assert.deepEqual(out.toArray(), [[2, 2, 2], [2, 2, 2]]);
  const xs = tensor([[1.5, 2], [3, 4]]);
  const cast = vmap((x: Tensor) => tensor(x, { dtype: "float64" }).mul(2))(xs);
  assert.equal(cast.dtype, "float64");
  assert.deepEqual(cast.toArray(), [[3, 4], [6, 8]]);
  const shaped = vmap((x: Tensor) => tensor(x, { shape: [2, 1] }))(xs);
  assert.deepEqual(shaped.shape, [2, 2, 1]);
  throwsWith(
    () => vmap((x: Tensor) => tensor(x, { requiresGrad: true }))(xs),
    TypeError,
    /tensor\(\)/,
    /vmap/,
  );
});

// ---- item 3: finite gradients at valid points --------------------------------------------------

const GRADS: Record<string, (x: Tensor) => Tensor> = {
  std_constant: (x) => x.std(),
  std_constant_rows: (x) => tg.std(x, 1),
  norm3_zero: (x) => tg.norm(x, 3),
  norm3_some_zero: (x) => tg.norm(x, 3),
  norm_half_zero: (x) => tg.norm(x, 0.5),
  norm_half_some_zero: (x) => tg.norm(x, 0.5),
  norm1_5_zero: (x) => tg.norm(x, 1.5),
  pow_base_zero_exp_zero: (x) => x.pow(tensor([0, 0, 2], f64)),
  pow_base_zero_exp_one: (x) => x.pow(tensor(1, f64)),
  pow_base_zero_exp_two: (x) => x.pow(tensor(2, f64)),
  bce_right_at_one: (p) => tg.binaryCrossEntropy(p, tensor([1, 0], f64)),
  bce_sigmoid_saturated: (w) => tg.binaryCrossEntropy(w.sigmoid(), tensor([1, 0], f64)),
};

/**
 * Where we keep the mathematical derivative rather than PyTorch's: binaryCrossEntropy at p = 1
 * (target 1) and p = 0 (target 0) is −log p and −log(1 − p) there, with derivatives ∓1, 1,
 * ∓2 (halved by the mean); PyTorch's formula (p − y)/max(p(1 − p), 1e-12) gives 0.
 */
const MATH: Record<string, NestedArray[]> = {
  bce_right_at_one: [0, [-0.5, 0.5], [0.5, 0.5], [-1, 1]],
};

Deno.test("gradients at valid points are finite and match PyTorch to third order", async (t) => {
  const cases = data.grads as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(GRADS).sort(), Object.keys(cases).sort());
  const inputs: Record<string, NestedArray> = {
    std_constant: [2, 2, 2],
    std_constant_rows: [[2, 2], [1, 3]],
    norm3_zero: [0, 0, 0],
    norm3_some_zero: [0, 1, -2],
    norm_half_zero: [0, 0, 0],
    norm_half_some_zero: [0, 1, -2],
    norm1_5_zero: [0, 0],
    pow_base_zero_exp_zero: [0, 1.5, 0],
    pow_base_zero_exp_one: [0],
    pow_base_zero_exp_two: [0],
    bce_right_at_one: [1, 0],
    bce_sigmoid_saturated: [40, -40],
  };
  for (const [name, f] of Object.entries(GRADS)) {
    await t.step(name, () => {
      const expected = MATH[name] ?? cases[name].map(dec);
      const x = tensor(inputs[name], { ...f64, requiresGrad: true });
      let cur = f(x);
      assertClose(cur, expected[0], { atol: 1e-12, message: "value" });
      for (let order = 1; order <= 3; order++) {
        const [d] = tg.autogradGrad(cur.sum(), x, { createGraph: true, materializeGrads: true });
        const got = d!.toTypedArray() as Float64Array;
        const want = tensor(expected[order], f64).toTypedArray() as Float64Array;
        got.forEach((g, i) => {
          // no NaN anywhere; where PyTorch is NaN (p < 2 norms and 0^0 from the second
          // order on, documented in the README) we give 0, the limit along the zero set
          assert.ok(Number.isFinite(g), `${name} order ${order}[${i}]: ${g}`);
          if (Number.isNaN(want[i])) assert.equal(g, 0, `${name} order ${order}[${i}]`);
          else assert.ok(Math.abs(g - want[i]) <= 1e-9, `${name} order ${order}[${i}]: ${g}`);
        });
        cur = d!.requiresGrad ? d! : d!.detach().mul(0).add(tg.zerosLike(x).mul(x));
      }
    });
  }
});

Deno.test("binaryCrossEntropy through a saturated sigmoid gives 0, not NaN (float32, the issue)", () => {
  const w = tensor([20], { requiresGrad: true });
  tg.binaryCrossEntropy(w.sigmoid(), tensor([1])).backward();
  assert.equal(Math.abs(w.grad!.item()), 0);
});

Deno.test("layer-norm-style code on constant rows has finite gradients (std at 0)", () => {
  const x = tensor([[1, 1, 1], [1, 2, 4]], { ...f64, requiresGrad: true });
  const y = x.sub(x.mean(1, true)).div(tg.std(x, 1, { keepdim: true }).add(1e-5));
  y.pow(2).sum().backward();
  assert.ok(Array.from(x.grad!.toTypedArray()).every(Number.isFinite));
});

Deno.test("pow() derivatives at integer exponents stay exact at a zero base, forward mode too", () => {
  // d^k/dx^k x^n at 0: n! for k = n, else 0
  for (const [n, k, want] of [[0, 1, 0], [1, 1, 1], [1, 2, 0], [2, 2, 2], [2, 3, 0], [3, 3, 6]]) {
    let f = (x: Tensor) => x.pow(tensor(n, f64));
    for (let i = 0; i < k; i++) {
      const g = f;
      f = (x: Tensor) => tg.jvp(g, [x], [tg.onesLike(x)])[1];
    }
    assert.equal(f(tensor(0, f64)).item(), want, `d^${k}/dx^${k} x^${n}`);
  }
});

// ---- item 5: int64 integrity -------------------------------------------------------------------

Deno.test("int64 tensors hold integers: creation, pow and casts truncate as PyTorch", () => {
  const c = data.int64 as Record<string, number[]>;
  const L = { dtype: "int64" } as const;
  const same = (t: Tensor, want: number[]) => {
    assert.equal(t.dtype, "int64");
    assert.deepEqual(Array.from(t.toTypedArray()), want.map(Number));
  };
  same(tg.full([2], 1.5, L), c["full_1.5"]);
  same(tg.full([2], -1.5, L), c["full_-1.5"]);
  same(tg.arange(-1.5, 2, 1, L), c["arange_-1.5_2"]);
  same(tg.arange(0.5, 3.7, 1, L), c["arange_0.5_3.7"]);
  same(tg.linspace(-1, 1, 5, L), c["linspace_-1_1_5"]);
  same(i64([1, 2, 3]).pow(i64(-1)), c["pow_tensor_-1"]);
  same(i64([-1, -2]).pow(i64([-1, -1])), c["pow_neg_base_tensor_-1"]);
  same(tensor([1.5, NaN, Infinity, -Infinity, -2.7], f64).to("int64"), c["cast_nan_inf"]);
  same(tensor([7, -7]).div(2).to("int64"), c["div_trunc_like_cast"]);
});

Deno.test("int64 refusals follow PyTorch: arange's zero integer step, randn, pow, mean, NaN", () => {
  const L = { dtype: "int64" } as const;
  throwsWith(() => tg.arange(0, 1, 0.25, L), RangeError, /arange/, /step/);
  throwsWith(() => tg.randn([2], L), DtypeError, /randn/, /int64/);
  throwsWith(() => tg.rand([2], { dtype: "bool" }), DtypeError, /rand/, /bool/);
  throwsWith(() => i64([1, 2, 3]).pow(-1), RangeError, /pow/, /negative/);
  throwsWith(() => tg.mean(tg.arange(4)), DtypeError, /mean/, /int64/);
  throwsWith(() => tg.full([2], NaN, L), RangeError, /full/, /NaN/);
  throwsWith(() => tg.full([2], Infinity, L), RangeError, /full/, /Infinity/);
  assert.equal(i64([2, 3]).pow(2).dtype, "int64");
  assert.deepEqual(tg.pow(i64([2, 3]), 0.5).dtype, "float32");
});

Deno.test("tensor() of mixed booleans and numbers holds numbers", () => {
  const t = tensor([true, 2] as NestedArray);
  assert.notEqual(t.dtype, "bool");
  assert.deepEqual(t.toArray(), [1, 2]);
  assert.equal(tensor([true, false]).dtype, "bool");
});

// ---- item 8: 0-d dtype promotion ---------------------------------------------------------------

Deno.test("binary operations promote 0-d tensors like PyTorch, also under vmap", () => {
  const f32v = tensor([1.25, 2.5]);
  const f64s = tensor(0.1, f64);
  const i64v = i64([1, 2]);
  const i64s = i64(3);
  const f32s = tensor(1.5);
  const bv = tensor([true, false]);
  const ours: Record<string, () => Tensor> = {
    "f32 vector + 0-d f64": () => tg.add(f32v, f64s),
    "0-d f64 * f32 vector": () => tg.mul(f64s, f32v),
    "i64 vector + 0-d f64": () => tg.add(i64v, f64s),
    "i64 vector * 0-d f32": () => tg.mul(i64v, f32s),
    "bool vector + 0-d i64": () => tg.add(bv, i64s),
    "0-d f32 + 0-d f64": () => tg.add(f32s, f64s),
    "f32 vector - f64 vector": () => tg.sub(f32v, tensor([0.5, 0.25], f64)),
    "f32 vector / 0-d i64": () => tg.div(f32v, i64s),
    "i64 vector / 0-d i64": () => tg.div(i64v, i64s),
    "f32 vector max 0-d f64": () => tg.maximum(f32v, f64s),
    "where f32 vector, 0-d f64": () => tg.where(tensor([true, false]), f32v, f64s),
    "f32 vector > 0-d f64, equal in float32": () =>
      tg.gt(tensor([1.403406, 2]), tensor(1.403406, f64)),
    "f32 vector - 0-d f64, equal in float32": () =>
      tg.sub(tensor([1.403406, 2]), tensor(1.403406, f64)),
    "f32 vector == 0-d f64": () => tg.eq(tensor([0.1, 0.2]), tensor(0.1, f64)),
  };
  const cases = data.promotion as { name: string; dtype: string; out: NestedArray }[];
  assert.deepEqual(cases.map((c) => c.name).sort(), Object.keys(ours).sort());
  for (const c of cases) {
    const out = ours[c.name]();
    assert.equal(out.dtype, c.dtype, c.name);
    if (out.dtype === "bool") assert.deepEqual(out.toArray(), c.out, c.name);
    else assertClose(out, c.out, { atol: c.name.includes("equal in") ? 0 : 1e-7, message: c.name });
  }
  // under vmap a batched 0-d float64 is physically 1-d, and must still not widen
  const v = vmap((s: Tensor) => tg.add(f32v, s))(tensor([0.5, 1], f64));
  assert.equal(v.dtype, "float32");
  const w = vmap((x: Tensor) => tg.add(x, tensor(1, f64)))(tensor([0.5, 1]));
  assert.equal(w.dtype, "float64"); // 0-d float32 + 0-d float64 per example
});

Deno.test("known PyTorch behaviours: where needs bool, norm p = 0 counts, nuc is nuclear", () => {
  const m = tg.ones([2, 3]);
  throwsWith(() => tg.where(m, m, m), DtypeError, /where/, /bool/);
  assert.equal(tg.norm(m, 0).item(), 6);
  assert.deepEqual(tg.norm(tensor([[0, 1], [0, 0]]), 0, 1).toArray(), [1, 0]);
  // "nuc": the nuclear norm as torch.norm (PyTorch: 8.3485 for arange(6).reshape(2, 3))
  assert.ok(Math.abs(tg.norm(tg.arange(6, f64).reshape([2, 3]), "nuc").item() - 8.3485) < 1e-4);
  assert.deepEqual(tg.norm(tg.ones([2, 2, 3], f64), "nuc", [1, 2]).shape, [2]);
  throwsWith(() => tg.norm(tg.ones([3]), "nuc"), ShapeError, /norm/, /nuc/);
  throwsWith(() => tg.norm(m, "max" as "fro"), RangeError, /norm/, /max/);
  const x = tensor([0, 1, -2], { requiresGrad: true });
  tg.norm(x, 0).backward();
  assert.deepEqual(x.grad!.toArray(), [0, 0, 0]);
});

// ---- item 6: creation functions validate their numbers -----------------------------------------

Deno.test("creation functions validate their numbers (arange NaN/∞, sizes) with named errors", () => {
  throwsWith(() => tg.arange(0, NaN), RangeError, /arange/, /NaN/);
  throwsWith(() => tg.arange(NaN), RangeError, /arange/, /NaN/);
  throwsWith(() => tg.arange(0, Infinity), RangeError, /arange/);
  throwsWith(() => tg.arange(0, 1e300, 1e-300), RangeError, /arange/);
  throwsWith(() => tg.zeros([1e5, 1e5]), RangeError, /zeros|full/, /10000000000/);
  throwsWith(() => tg.linspace(0, 1, 2 ** 33), RangeError, /linspace/);
});

// ---- fuzz-style property: index() equals a gather built by hand ---------------------------------

Deno.test("index() with two random tensor indices equals picking element by element", () => {
  const arb = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
    .chain(([r, c]) =>
      fc.tuple(
        fc.constant([r, c]),
        fc.array(
          fc.tuple(fc.integer({ min: -r, max: r - 1 }), fc.integer({ min: -c, max: c - 1 })),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
      )
    );
  property(arb, ([[r, c], pairs]) => {
    const x = tg.arange(r * c, f64).reshape([r, c]);
    const got = tg.index(x, pairs.map((p) => p[0]), pairs.map((p) => p[1]));
    const want = pairs.map(([i, j]) => ((i + r) % r) * c + ((j + c) % c));
    assert.deepEqual(got.toArray(), want);
  }, 50);
});

Deno.test("AutogradError is still what a non-scalar backward without gradient raises", () => {
  throwsWith(() => tensor([1, 2], { requiresGrad: true }).mul(2).backward(), AutogradError);
});

// ---- item 4: backward() and grad from plain JavaScript -----------------------------------------

Deno.test("backward() refuses a plain array, a string or an object as the gradient", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(2);
  throwsWith(
    () => y.backward([0.1, 1, 1e-4] as unknown as Tensor),
    TypeError,
    /backward/,
    /array/,
  );
  throwsWith(() => y.backward("2" as unknown as Tensor), TypeError, /backward/, /string/);
  throwsWith(() => y.backward({} as unknown as Tensor), TypeError, /backward/, /object/);
  throwsWith(
    () => tg.backward(y, [0.1, 1, 1e-4] as unknown as Tensor[]),
    TypeError,
    /backward/,
    /array/,
  );
  assert.equal(x.grad, null, "nothing accumulated by the refused calls");
  y.backward(tensor([0.1, 1, 1e-4]));
  assertClose(x.grad!, [0.2, 2, 2e-4], { rtol: 1e-6 });
});

Deno.test(".grad accepts only a Tensor of the same shape and dtype, or null", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  throwsWith(() => (x.grad = undefined as unknown as null), TypeError, /grad/);
  throwsWith(() => (x.grad = [1, 2] as unknown as Tensor), TypeError, /grad/, /array/);
  throwsWith(() => (x.grad = tensor([1, 2], f64)), DtypeError, /float64/, /float32/);
  x.grad = tensor([3, 4]);
  assert.deepEqual(x.grad.toArray(), [3, 4]);
  x.grad = null;
  assert.equal(x.grad, null);
});

Deno.test("backward({ inputs }) with a non-leaf fills its grad; retainGrad needs requiresGrad", () => {
  const a = tensor([1, 2], { requiresGrad: true });
  const h = a.mul(2);
  h.mul(h).sum().backward(undefined, { inputs: [h] });
  assert.deepEqual(h.grad?.toArray(), [4, 8]); // d(h²)/dh = 2h
  assert.equal(a.grad, null);
  throwsWith(() => tensor([1]).retainGrad(), AutogradError, /retainGrad/);
});

// ---- item 6: seeds ----------------------------------------------------------------------------

Deno.test("manualSeed and Generator refuse NaN, fractions and strings", () => {
  throwsWith(() => tg.manualSeed(NaN), RangeError, /manualSeed/, /NaN/);
  throwsWith(() => tg.manualSeed(1.5), RangeError, /manualSeed/);
  throwsWith(() => tg.manualSeed("x" as unknown as number), TypeError, /manualSeed/, /string/);
  throwsWith(() => new tg.Generator(Infinity), RangeError, /seed/);
  tg.manualSeed(7);
  const a = tg.randn([3]);
  tg.manualSeed(7);
  assert.deepEqual(tg.randn([3]).toArray(), a.toArray());
});

// ---- item 7: randomness under vmap -------------------------------------------------------------

Deno.test("vmap randomness: error by default, different or same on request (torch.func)", () => {
  const xs = tg.ones([8, 16]);
  throwsWith(() => vmap((x: Tensor) => tg.dropout(x))(xs), TypeError, /dropout/, /randomness/);
  throwsWith(() => vmap((x: Tensor) => tg.randnLike(x))(xs), TypeError, /randn/, /randomness/);
  throwsWith(() => vmap((x: Tensor) => x.add(tg.rand([16])))(xs), TypeError, /rand/);
  const rows = (t: Tensor) => (t.toArray() as number[][]).map((r) => r.join(","));
  const gen = () => new tg.Generator(11);
  const diff = vmap((x: Tensor) => tg.dropout(x, 0.5, { generator: gen() }), {
    randomness: "different",
  })(xs);
  assert.equal(new Set(rows(diff)).size, 8, "a mask per example");
  // each example's mask is one draw of the generator: row i is the i-th 16 draws
  const ref = tg.dropout(tg.ones([8, 16]), 0.5, { generator: gen() });
  assert.deepEqual(diff.toArray(), ref.toArray());
  const same = vmap((x: Tensor) => tg.dropout(x, 0.5, { generator: gen() }), {
    randomness: "same",
  })(xs);
  assert.equal(new Set(rows(same)).size, 1, "one mask for all");
  const noise = vmap((x: Tensor) => tg.randnLike(x), { randomness: "different" })(xs);
  assert.equal(new Set(rows(noise)).size, 8);
  throwsWith(
    () => vmap((x: Tensor) => x, { randomness: "sometimes" as "same" })(xs),
    RangeError,
    /randomness/,
  );
  // nested: the inner level differs, the outer level shares
  const nested = vmap(
    (x: Tensor) => vmap((y: Tensor) => tg.randn([2]).add(y), { randomness: "different" })(x),
    { randomness: "same" },
  )(tg.zeros([2, 3]));
  const [a, b] = nested.toArray() as number[][][];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a[0], a[1]);
});

// ---- item 9: grad mode across await ------------------------------------------------------------

Deno.test("noGrad/enableGrad refuse an async callback instead of covering half of it", async () => {
  const w = tensor([1, 2], { requiresGrad: true });
  throwsWith(
    () => tg.noGrad(async () => (await Promise.resolve(), w.mul(2))),
    TypeError,
    /noGrad/,
    /promise/,
  );
  assert.equal(tg.isGradEnabled(), true);
  throwsWith(() => tg.enableGrad(() => Promise.resolve(1)), TypeError, /enableGrad/);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(tg.isGradEnabled(), true);
});

Deno.test("using noGrad() scopes closed out of order restore the mode from before", async () => {
  const step = () => new Promise((r) => setTimeout(r, 1));
  const task = async (first: number, hold: number) => {
    await new Promise((r) => setTimeout(r, first));
    using _ = tg.noGrad();
    await new Promise((r) => setTimeout(r, hold));
  };
  // A opens, B opens, A closes, B closes: the old code left grad mode off for good
  await Promise.all([task(0, 10), task(2, 20)]);
  await step();
  assert.equal(tg.isGradEnabled(), true);
  const x = tensor(2, { requiresGrad: true });
  x.pow(2).backward();
  assert.equal(x.grad!.item(), 4);
  // interleaved noGrad and enableGrad inside an outer noGrad
  {
    using _outer = tg.noGrad();
    const a = tg.enableGrad();
    const b = tg.noGrad();
    a[Symbol.dispose]();
    assert.equal(tg.isGradEnabled(), false, "b is still open");
    b[Symbol.dispose]();
    assert.equal(tg.isGradEnabled(), false, "back to the outer noGrad");
  }
  assert.equal(tg.isGradEnabled(), true);
});

// ---- item 10: scale ---------------------------------------------------------------------------

Deno.test("large inputs give a result or a typed error naming the function", () => {
  const x = tensor(1, { requiresGrad: true });
  let y = x;
  for (let i = 0; i < 150_000; i++) y = y.mul(1);
  const dot = tg.toDot(y);
  assert.ok(dot.endsWith("}\n"));
  assert.equal(dot.split("->").length - 1, 150_001);
  let nested: NestedArray = 1;
  for (let i = 0; i < 10_000; i++) nested = [nested];
  throwsWith(() => tensor(nested), ShapeError, /tensor\(\)/, /deeper/);
  let ok: NestedArray = 1;
  for (let i = 0; i < 200; i++) ok = [ok];
  assert.equal(tensor(ok).ndim, 200);
  throwsWith(() => tg.zeros([1e10]), RangeError, /zeros\(\)/, /10000000000/);
  throwsWith(() => tg.ones([1e5, 1e5]), RangeError, /ones\(\)/);
  throwsWith(() => tg.expand(tg.ones([1, 1]), [1e5, 1e5]), RangeError, /expand\(\)/);
  throwsWith(() => tg.matmul(tg.ones([1e5, 1]), tg.ones([1, 1e5])), RangeError, /matmul/);
});

// ---- found while hunting: bool storage, int64 range, autograd inside vmap, printing ----------

Deno.test("bool tensors hold 0 or 1 only: full(2), full(-1), full(0.5), full(NaN) are true", () => {
  const B = { dtype: "bool" } as const;
  // PyTorch: torch.full([2], 2, dtype=torch.bool).sum() is 2; full(NaN) and full(0.5) are true
  assert.equal(tg.full([2], 2, B).sum().item(), 2);
  assert.equal(tg.full([2], -1, B).sum().item(), 2);
  assert.deepEqual(tg.full([2], 0.5, B).toArray(), [true, true]);
  assert.deepEqual(tg.full([1], NaN, B).toArray(), [true]);
  assert.deepEqual(tg.full([2], 2, B).to("float32").toArray(), [1, 1]);
  assert.deepEqual(tensor([2, 0, NaN], B).to("int64").toArray(), [1, 0, 1]);
  throwsWith(() => tg.arange(3, B), DtypeError, /arange/, /bool/);
});

Deno.test("int64 holds -2^63 (the one value beyond 2^53 that conversions produce)", () => {
  const t = tensor([-(2 ** 63)], { dtype: "int64" });
  assert.equal(t.item(), -(2 ** 63));
  throwsWith(() => tensor([2 ** 63], { dtype: "int64" }), RangeError, /int64/);
});

Deno.test("autograd state cannot be changed on batched tensors inside vmap; they print", () => {
  const w = tensor([1, 2], { requiresGrad: true });
  throwsWith(
    () => vmap((x: Tensor) => (x.mul(w).sum().backward(), x))(tg.ones([3, 2])),
    AutogradError,
    /backward/,
    /vmap/,
  );
  assert.equal(w.grad, null);
  throwsWith(
    () => vmap((x: Tensor) => x.detach().requiresGrad_().mul(2))(tg.ones([3, 2])),
    AutogradError,
    /requiresGrad/,
    /vmap/,
  );
  let shown = "";
  vmap((x: Tensor) => ((shown = String(x)), x))(tensor([[1, 2], [3, 4]]));
  assert.equal(
    shown,
    "BatchedTensor(lvl=1, bdim=0, value=tensor([[1., 2.],\n            [3., 4.]]))",
  );
});
