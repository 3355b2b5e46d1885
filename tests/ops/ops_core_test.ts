/**
 * The core operations of mod.ts against PyTorch 1.13 (values and gradients from
 * `tests/fixtures/gen_core.py`, kinks and ties included), third-order derivative properties
 * over random shapes (reverse and forward mode against finite differences), and errors.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../../mod.ts";
import { autogradGrad, DtypeError, ShapeError, type Tensor, tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { fails } from "../support/fails.ts";
import core from "../fixtures/core.json" with { type: "json" };
import {
  broadcastPairArb,
  checkDerivatives,
  property,
  shapeArb,
  tensorArb,
} from "../support/props.ts";
import { inputsOf, sampleBatch, UNARY } from "../support/op_catalogue.ts";

// ---- values and gradients against PyTorch --------------------------------------------------

const bce = tg.binaryCrossEntropyWithLogits;
const gt0 = (c: Tensor) => tg.gt(c, 0);

/** The same functions as the generator's CASES table, by case id. */
const OPS: Record<string, (...xs: Tensor[]) => Tensor> = {
  "neg": tg.neg,
  "exp": tg.exp,
  "expm1": tg.expm1,
  "log": tg.log,
  "log1p": tg.log1p,
  "log2": tg.log2,
  "sqrt": tg.sqrt,
  "rsqrt": tg.rsqrt,
  "square": tg.square,
  "abs": tg.abs,
  "abs_general": tg.abs,
  "sign": tg.sign,
  "sin": tg.sin,
  "cos": tg.cos,
  "tan": tg.tan,
  "asin": tg.asin,
  "acos": tg.acos,
  "atan": tg.atan,
  "sinh": tg.sinh,
  "cosh": tg.cosh,
  "tanh": tg.tanh,
  "tanh_big": tg.tanh,
  "asinh": tg.asinh,
  "asinh_big": tg.asinh,
  "acosh": tg.acosh,
  "atanh": tg.atanh,
  "sigmoid": tg.sigmoid,
  "sigmoid_big": tg.sigmoid,
  "relu": tg.relu,
  "erf": tg.erf,
  "floor": tg.floor,
  "ceil": tg.ceil,
  "round": tg.round,
  "reciprocal": tg.reciprocal,
  "exp_f32": tg.exp,
  "log_f32": tg.log,
  "sigmoid_f32": tg.sigmoid,
  "tanh_f32": tg.tanh,
  "erf_f32": tg.erf,
  "sqrt_f32": tg.sqrt,
  "div_f32": tg.div,
  "add_f32_0.1": (x) => tg.add(x, 0.1),
  "mean_f32": (x) => tg.mean(x),
  "sum_f32": (x) => tg.sum(x),
  "matmul_f32": tg.matmul,
  "norm_f32": (x) => tg.norm(x),
  "add": tg.add,
  "add_col": tg.add,
  "sub": tg.sub,
  "mul": tg.mul,
  "div": tg.div,
  "add_scalar": (x) => tg.add(x, 2.5),
  "rsub_scalar": (x) => tg.sub(2.5, x),
  "rdiv_scalar": (x) => tg.div(2.5, x),
  "pow_tensor": tg.pow,
  "pow_2": (x) => tg.pow(x, 2),
  "pow_3": (x) => tg.pow(x, 3),
  "pow_half": (x) => tg.pow(x, 0.5),
  "pow_minus1": (x) => tg.pow(x, -1),
  "pow_minus2.5": (x) => tg.pow(x, -2.5),
  "pow_0": (x) => tg.pow(x, 0),
  "pow_1": (x) => tg.pow(x, 1),
  "pow_negative_base_integral": tg.pow,
  "rpow": (x) => tg.pow(2, x),
  "rpow_zero_base": (x) => tg.pow(0, x),
  "pow_zero_base_scalar_2": (x) => tg.pow(x, 2),
  "pow_zero_base_scalar_1": (x) => tg.pow(x, 1),
  "pow_zero_base_scalar_0": (x) => tg.pow(x, 0),
  "pow_zero_base_scalar_half": (x) => tg.pow(x, 0.5),
  "pow_zero_base_scalar_minus1": (x) => tg.pow(x, -1),
  "pow_zero_base_tensor": tg.pow,
  "maximum_ties": tg.maximum,
  "minimum_ties": tg.minimum,
  "relu_f32_kink": tg.relu,
  "where_same_input": (x) => tg.where(tg.gt(x, 0), x, x.mul(x)),
  "eq": tg.eq,
  "ne": tg.ne,
  "lt": tg.lt,
  "le": tg.le,
  "gt": tg.gt,
  "ge": tg.ge,
  "eq_nan": tg.eq,
  "ne_nan": tg.ne,
  "logical_and": tg.logicalAnd,
  "logical_or": tg.logicalOr,
  "logical_not": tg.logicalNot,
  "where": (c, x, y) => tg.where(gt0(c), x, y),
  "sum_all": (x) => tg.sum(x),
  "sum_dim0": (x) => tg.sum(x, 0),
  "sum_dim-1_keepdim": (x) => tg.sum(x, -1, true),
  "sum_dims_3d": (x) => tg.sum(x, [0, 2]),
  "mean_all": (x) => tg.mean(x),
  "mean_dim1": (x) => tg.mean(x, 1),
  "mean_dims_keepdim_3d": (x) => tg.mean(x, [0, -1], true),
  "norm_2": (x) => tg.norm(x),
  "norm_1": (x) => tg.norm(x, 1),
  "norm_3": (x) => tg.norm(x, 3),
  "norm_inf": (x) => tg.norm(x, Infinity),
  "norm_-inf": (x) => tg.norm(x, -Infinity),
  "norm_fro": (x) => tg.norm(x, "fro"),
  "norm_2_dim1": (x) => tg.norm(x, 2, 1),
  "norm_1_dim0_keepdim": (x) => tg.norm(x, 1, 0, true),
  "norm_inf_dim1": (x) => tg.norm(x, Infinity, 1),
  "norm_3_dim1": (x) => tg.norm(x, 3, 1),
  "norm_fro_dims": (x) => tg.norm(x, "fro", [1, 2]),
  "norm_at_zero": (x) => tg.norm(x),
  "norm_1_at_zero": (x) => tg.norm(x, 1),
  "norm_3_at_zero": (x) => tg.norm(x, 3),
  "norm_2_dim_partial_zero": (x) => tg.norm(x, 2, 1),
  "norm_inf_ties": (x) => tg.norm(x, Infinity),
  "norm_inf_ties_dim": (x) => tg.norm(x, Infinity, 1),
  "matmul_1d_1d": tg.matmul,
  "matmul_2d_1d": tg.matmul,
  "matmul_1d_2d": tg.matmul,
  "matmul_2d_2d": tg.matmul,
  "matmul_3d_3d": tg.matmul,
  "matmul_3d_2d": tg.matmul,
  "matmul_2d_3d": tg.matmul,
  "matmul_1d_3d": tg.matmul,
  "matmul_3d_1d": tg.matmul,
  "matmul_4d_3d_broadcast": tg.matmul,
  "reshape": (x) => tg.reshape(x, [3, 2]),
  "reshape_infer": (x) => tg.reshape(x, [-1, 2]),
  "permute": (x) => tg.permute(x, [2, 0, 1]),
  "transpose": (x) => tg.transpose(x, 0, 2),
  "t": (x) => tg.t(x),
  "t_1d": (x) => tg.t(x),
  "expand": (x) => tg.expand(x, [2, 2, 3]),
  "expand_minus1": (x) => tg.expand(x, [-1, 4]),
  "broadcast_to": (x) => tg.broadcastTo(x, [2, 3]),
  "cast_f32": (x) => tg.cast(x, "float32"),
  "cast_int64": (x) => tg.cast(x, "int64"),
  "bce_logits": (x, y) => bce(x, y),
  "bce_logits_big": (x, y) => bce(x, y),
  "bce_logits_sum": (x, y) => bce(x, y, { reduction: "sum" }),
  "bce_logits_none": (x, y) => bce(x, y, { reduction: "none" }),
  "bce_logits_weight": (x, y, w) => bce(x, y, { weight: w }),
  "bce_logits_pos_weight": (x, y, p) => bce(x, y, { posWeight: p }),
  "bce_logits_pos_weight_big": (x, y, p) => bce(x, y, { posWeight: p }),
};

interface Desc {
  values: (number | string)[];
  shape: number[];
  dtype: string;
}
interface OpCase {
  name: string;
  inputs: (Desc & { grad: boolean })[];
  out: Desc;
  cotangent?: (number | string)[];
  grads?: ((number | string)[] | null)[];
}

const num = (v: number | string) =>
  typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity;

function build(d: Desc, requiresGrad = false): Tensor {
  return tensor(d.values.map(num), {
    dtype: d.dtype as tg.DType,
    shape: d.shape,
    requiresGrad,
  });
}

/**
 * Tolerances: float64 values within a few ulps (V8's Math library and glibc differ by an ulp
 * at most for the elementary functions), float32 within 2 ulps (our kernels compute in
 * float64 and round once; PyTorch rounds in float32 arithmetic).
 */
function tolerance(dtype: string, name: string) {
  if (dtype === "float32") return { rtol: 2.4e-7, atol: 1e-30 };
  // the derivatives of tan, tanh and the inverse functions are composed from several roundings
  const loose = /^(tan|acos|asin|atanh|acosh|asinh|pow|rpow|norm_3|bce)/.test(name);
  return { rtol: loose ? 1e-14 : 4e-15, atol: 1e-300 };
}

/**
 * Cases that fail today, reported to the owners (remove a name once its fix lands):
 * - pow_zero_base_tensor: d(a^b)/da at a = 0, b = 0 is NaN (0 · 0^-1); PyTorch gives 0
 *   (src/primitives/binary.ts, pow vjp/jvp: mask where b = 0, as for number exponents)
 * - norm_3_at_zero: the p-norm for p ∉ {1, 2, ±∞} is composed as (Σ|x|^p)^(1/p), whose
 *   derivative at 0 is ∞ · 0 = NaN; PyTorch gives 0 (src/ops/reduce.ts, norm)
 */
const KNOWN_BUGS = new Set<string>([]);

Deno.test("core operations match PyTorch: values and gradients", async (t) => {
  const cases = core.ops as OpCase[];
  assert.deepEqual(cases.map((c) => c.name).sort(), Object.keys(OPS).sort());
  for (const c of cases) {
    await t.step({
      name: c.name,
      ignore: KNOWN_BUGS.has(c.name),
      fn: () => {
        const xs = c.inputs.map((d) => build(d, d.grad));
        const out = OPS[c.name](...xs);
        assert.equal(out.dtype, c.out.dtype, "dtype");
        assert.deepEqual(out.shape, c.out.shape, "shape");
        const tol = tolerance(c.out.dtype, c.name);
        if (c.out.dtype === "float32" || c.out.dtype === "float64") {
          assertClose(out, build({ ...c.out, dtype: "float64" }), { ...tol, message: "value" });
        } else {
          assert.deepEqual([...out.toTypedArray()].map(Number), c.out.values, "value");
        }
        if (c.grads === undefined) {
          assert.equal(out.requiresGrad, false);
          return;
        }
        const wrt = xs.filter((x) => x.requiresGrad);
        const cot = build({ values: c.cotangent!, shape: c.out.shape, dtype: c.out.dtype });
        const grads = autogradGrad([out], wrt, { gradOutputs: [cot], allowUnused: true });
        let k = 0;
        c.inputs.forEach((d, i) => {
          if (!d.grad) return;
          const g = grads[k++];
          const want = c.grads![i];
          if (want === null) {
            assert.ok(g === null || g.toTypedArray().every((v) => v === 0), `grad ${i} is zero`);
            return;
          }
          assert.ok(g !== null, `grad ${i} exists`);
          assert.equal(g.dtype, d.dtype, `grad ${i} dtype`);
          const tolG = tolerance(d.dtype, c.name);
          assertClose(g.to("float64"), build({ values: want, shape: d.shape, dtype: "float64" }), {
            rtol: d.dtype === "float32" ? tolG.rtol : 1e-13,
            atol: tolG.atol,
            message: `grad ${i}`,
          });
        });
      },
    });
  }
});

Deno.test("erf matches PyTorch to 1e-15 and is odd, with erf(±∞) = ±1", () => {
  const c = (core.ops as OpCase[]).find((c) => c.name === "erf")!;
  const x = build(c.inputs[0]);
  assertClose(tg.erf(x), build(c.out), { rtol: 0, atol: 1e-15 });
  assertClose(tg.erf(x.neg()), tg.erf(x).neg(), { rtol: 0, atol: 0 });
  const inf = tensor([Infinity, -Infinity, NaN], { dtype: "float64" });
  assertClose(tg.erf(inf), [1, -1, NaN], { rtol: 0, atol: 0 });
});

Deno.test("round rounds half to even; floor, ceil and sign keep -0 as PyTorch", () => {
  const x = tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 4503599627370495.5], { dtype: "float64" });
  assert.deepEqual(tg.round(x).toArray(), [-2, -2, -0, 0, 2, 2, 4503599627370496]);
  assert.ok(Object.is(tg.round(tensor([-0.4])).item(), -0));
  assert.ok(Object.is(tg.ceil(tensor([-0.5])).item(), -0));
  assert.ok(Object.is(tg.sign(tensor([-0])).item(), -0) || tg.sign(tensor([-0])).item() === 0);
  assert.ok(Number.isNaN(tg.sign(tensor([NaN])).item()));
});

Deno.test("binaryCrossEntropyWithLogits stays finite for logits of ±1e3", () => {
  const x = tensor([1e3, -1e3, 1e3, -1e3], { dtype: "float32", requiresGrad: true });
  const y = tensor([1, 0, 0, 1], { dtype: "float32" });
  const l = bce(x, y, { reduction: "none" });
  assertClose(l, [0, 0, 1e3, 1e3]);
  bce(x, y).backward();
  assertClose(x.grad!, [0, 0, 0.25, -0.25]);
});

// ---- third-order derivatives over random shapes --------------------------------------------

for (const u of UNARY) {
  Deno.test(`${u.name}() derivatives match finite differences to third order`, () => {
    property(inputsOf(u, 3, 3), (x) => checkDerivatives(u.f, x), 25);
  });
}

Deno.test("vmap of every catalogued function equals the loop over the examples, values and gradients", async (t) => {
  for (const u of UNARY) {
    await t.step(u.name, () => {
      const xs = sampleBatch(u);
      const examples = tg.split(xs, 1).map((x) => tg.squeeze(x, 0));
      const batched = tg.vmap(u.f)(xs);
      assertClose(batched, tg.stack(examples.map(u.f)), { rtol: 0, atol: 0 });
      const gradOf = tg.grad((x: Tensor) => tg.sum(u.f(x)));
      const g = tg.vmap(gradOf)(xs) as Tensor;
      assertClose(g, tg.stack(examples.map((x) => gradOf(x) as Tensor)), {
        rtol: 1e-14,
        atol: 1e-14,
      });
    });
  }
});

type Binary = [string, (a: Tensor, b: Tensor) => Tensor, number, number, number, number];
const BINARY: Binary[] = [
  ["add", tg.add, -2, 2, -2, 2],
  ["sub", tg.sub, -2, 2, -2, 2],
  ["mul", tg.mul, -2, 2, -2, 2],
  ["div", tg.div, -2, 2, 0.4, 2],
  ["pow", tg.pow, 0.4, 2, -2, 2],
];

const pairArb = (lo1: number, hi1: number, lo2: number, hi2: number) =>
  broadcastPairArb(3, 3).chain(([s1, s2]) =>
    fc.tuple(tensorArb(s1, lo1, hi1), tensorArb(s2, lo2, hi2))
  );

for (const [name, f, lo1, hi1, lo2, hi2] of BINARY) {
  Deno.test(`${name}() derivatives with broadcasting match finite differences to third order`, () => {
    property(pairArb(lo1, hi1, lo2, hi2), ([a, b]) => checkDerivatives(f, [a, b]), 25);
  });
}

Deno.test("where() derivatives with broadcasting to third order", () => {
  const arb = broadcastPairArb(3, 3).chain(([s1, s2]) =>
    fc.tuple(tensorArb(s1), tensorArb(s2), tensorArb(s1.length >= s2.length ? s1 : s2))
  );
  property(arb, ([a, b, c]) => {
    const cond = tg.gt(c, 0);
    checkDerivatives((x, y) => tg.where(cond, x, y.mul(y)), [a, b]);
  }, 12);
});

/** A tensor with a random subset of its dims (as a list), and keepdim. */
const reduceArb = (min: number, max: number) =>
  shapeArb(3, 3).chain((s) =>
    fc.tuple(
      tensorArb(s, min, max),
      fc.subarray(s.map((_, i) => i)).map((d) => (d.length === 0 ? null : d)),
      fc.boolean(),
    )
  );

Deno.test("sum() and mean() over dims, keepdim, to third order", () => {
  property(reduceArb(-2, 2), ([x, dims, keep]) => {
    checkDerivatives((y) => tg.sum(y, dims, keep), x);
    checkDerivatives((y) => tg.mean(y, dims, keep).mul(y.sum()), x);
  }, 12);
});

/** Values with distinct magnitudes (no ties of |x| within `gap`), away from 0. */
function separated(t: Tensor, gap = 0.05): boolean {
  const a = [...t.toTypedArray()].map(Math.abs).sort((p, q) => p - q);
  return a.every((v, i) => v > gap && (i === 0 || v - a[i - 1] > gap));
}

Deno.test("norm() for p = 1, 2, 3, ∞, -∞, fro over dims, to third order", () => {
  const ps: (number | "fro")[] = [1, 2, 3, Infinity, -Infinity, "fro"];
  property(
    fc.tuple(reduceArb(-2, 2).filter(([x]) => separated(x)), fc.constantFrom(...ps)),
    ([[x, dims, keep], p]) => {
      const d = p === "fro" && dims !== null && dims.length > 2 ? dims.slice(0, 2) : dims;
      checkDerivatives((y) => tg.norm(y, p, d, keep), x, { rtol: 1e-4 });
    },
    20,
  );
});

const MATMUL_SHAPES: [number[], number[]][] = [
  [[3], [3]],
  [[2, 3], [3]],
  [[3], [3, 2]],
  [[2, 3], [3, 4]],
  [[2, 2, 3], [2, 3, 1]],
  [[2, 2, 3], [3, 2]],
  [[2, 3], [2, 3, 2]],
  [[3], [2, 3, 2]],
  [[2, 2, 3], [3]],
  [[2, 1, 2, 3], [3, 3, 2]],
  [[1, 3], [2, 1, 3, 1]],
];

Deno.test("matmul() in every PyTorch case (batched broadcasting too) to third order", () => {
  for (const [sa, sb] of MATMUL_SHAPES) {
    property(
      fc.tuple(tensorArb(sa), tensorArb(sb)),
      ([a, b]) => checkDerivatives(tg.matmul, [a, b]),
      5,
    );
  }
});

Deno.test("reshape, permute, transpose, t, expand, broadcastTo to third order", () => {
  property(shapeArb(3, 3).chain((s) => tensorArb(s)), (x) => {
    const n = x.ndim;
    const perm = [...Array(n).keys()].reverse();
    // cubes make the third derivative of a linear map visible
    const cube = (f: (y: Tensor) => Tensor) => (y: Tensor) => f(y).pow(3);
    checkDerivatives(cube((y) => tg.reshape(y, [-1])), x);
    checkDerivatives(cube((y) => tg.permute(y, perm)), x);
    if (n >= 2) checkDerivatives(cube((y) => tg.transpose(y, 0, n - 1)), x);
    if (n <= 2) checkDerivatives(cube((y) => tg.t(y)), x);
    checkDerivatives(cube((y) => tg.expand(y, [2, ...y.shape])), x);
    checkDerivatives(cube((y) => tg.broadcastTo(y, [2, ...y.shape])), x);
  }, 10);
});

Deno.test("binaryCrossEntropyWithLogits() to third order in the logits", () => {
  const arb = shapeArb(2, 3).chain((s) => fc.tuple(tensorArb(s, -3, 3), tensorArb(s, 0, 1)));
  property(arb, ([x, y]) => {
    checkDerivatives((z) => bce(z, y), x);
    checkDerivatives((z) => bce(z, y, { reduction: "sum", posWeight: y.add(0.5) }), x);
  }, 10);
});

// ---- kinks and ties against PyTorch, spelled out --------------------------------------------

Deno.test("abs and relu at 0 and maximum at ties have PyTorch's gradients", () => {
  const x = tensor([-1, 0, 2, -0], { dtype: "float64", requiresGrad: true });
  const [ga] = autogradGrad(tg.abs(x).sum(), [x]);
  assert.deepEqual(ga!.toArray(), [-1, 0, 1, 0]);
  const [gr] = autogradGrad(tg.relu(x).sum(), [x]);
  assert.deepEqual(gr!.toArray(), [0, 0, 1, 0]);
  const a = tensor([1, 2, 3], { dtype: "float64", requiresGrad: true });
  const b = tensor([1, 5, 3], { dtype: "float64", requiresGrad: true });
  const [gma, gmb] = autogradGrad(tg.maximum(a, b).sum(), [a, b]);
  assert.deepEqual(gma!.toArray(), [0.5, 0, 0.5]);
  assert.deepEqual(gmb!.toArray(), [0.5, 1, 0.5]);
  const z = tensor([0, 0], { dtype: "float64", requiresGrad: true });
  const [gn] = autogradGrad(tg.norm(z), [z]);
  assert.deepEqual(gn!.toArray(), [0, 0]);
});

Deno.test("forward mode at kinks and ties matches PyTorch's forward AD", () => {
  const fs: Record<string, (x: Tensor) => Tensor> = {
    "relu": tg.relu,
    "abs": tg.abs,
    "maximum(x, 0)": (x) => tg.maximum(x, tg.zerosLike(x)),
    "minimum(x, 0)": (x) => tg.minimum(x, tg.zerosLike(x)),
    "maximum(x, x)": (x) => tg.maximum(x, x),
    "norm(0 * x)": (x) => tg.norm(x.mul(0)),
    "sign": tg.sign,
  };
  const expected = core.jvp_kinks as Record<string, number[]>;
  assert.deepEqual(Object.keys(fs).sort(), Object.keys(expected).sort());
  const x = tensor([-1, 0, 2, 0], { dtype: "float64" });
  const ones = tg.onesLike(x);
  for (const [k, f] of Object.entries(fs)) {
    const [, tangent] = tg.jvp(f, [x], [ones]);
    assert.deepEqual([...tangent.toTypedArray()], expected[k], k);
  }
});

// ---- errors ----------------------------------------------------------------------------------

Deno.test("bad arguments raise typed errors that name the op and the offending values", () => {
  const m = tg.ones([2, 3]);
  assert.throws(() => tg.sum(m, 2), fails(RangeError, /sum/, /2/));
  assert.throws(() => tg.mean(m, -3), fails(RangeError, /mean/, /-3/));
  assert.throws(() => tg.norm(m, 2, 5), fails(RangeError, /norm/, /5/));
  assert.throws(() => tg.reshape(m, [4]), fails(ShapeError, /reshape/, /\[2, 3\]/, /\[4\]/));
  assert.throws(() => tg.reshape(m, [-1, -1]), fails(ShapeError, /reshape/));
  assert.throws(() => tg.permute(m, [0, 0]), fails(RangeError, /permute/));
  assert.throws(() => tg.permute(m, [0]), fails(RangeError, /permute/));
  assert.throws(() => tg.transpose(m, 0, 2), fails(RangeError, /transpose/, /2/));
  assert.throws(() => tg.t(tg.ones([2, 2, 2])), fails(RangeError, /t\(\)|\bt\b/));
  assert.throws(() => tg.expand(m, [3, 3]), fails(ShapeError, /expand/, /\[2, 3\]/, /\[3, 3\]/));
  assert.throws(() => tg.broadcastTo(m, [3]), fails(ShapeError, /\[2, 3\]/, /\[3\]/));
  assert.throws(() => tg.cast(m, "float16" as tg.DType), DtypeError);
  assert.throws(() => tg.matmul(m, tg.ones([2])), fails(ShapeError, /matmul/, /\[2, 3\]/, /\[2\]/));
  assert.throws(
    () => bce(m, tg.ones([3, 2])),
    fails(ShapeError, /binaryCrossEntropyWithLogits/, /\[2, 3\]/, /\[3, 2\]/),
  );
  assert.throws(() => tg.sum(m, [0, 0]), fails(ShapeError, /sum/, /0/));
  assert.throws(() => tg.eq(m, tg.ones([4])), fails(ShapeError, /eq/, /\[2, 3\]/, /\[4\]/));
  assert.throws(
    () => tg.logicalAnd(m, tg.ones([4])),
    fails(ShapeError, /logicalAnd/, /\[2, 3\]/, /\[4\]/),
  );
  assert.throws(() => tg.add(m, true as unknown as number), fails(TypeError, /add/, /boolean/));
  assert.throws(() => tg.matmul(tg.ones([]), tg.ones([2])), fails(ShapeError, /matmul/, /\[\]/));
});

/** Behaviours that used to differ from PyTorch (issue 13 fixed them; kept as regression tests). */
Deno.test({
  name: 'where, norm p = 0 and "nuc", mean and pow of integers behave as in PyTorch',
  fn: () => {
    const m = tg.ones([2, 3]);
    // where(): PyTorch requires a bool condition
    assert.throws(() => tg.where(m, m, m), fails(DtypeError, /where/, /bool/));
    // norm(): p = 0 counts the non-zero elements in PyTorch (6 here), not (Σ|x|⁰)^(1/0) = ∞
    assert.equal(tg.norm(m, 0).item(), 6);
    // norm(): "nuc" is the nuclear norm (the sum of singular values: √6 for ones(2, 3)); an
    // unknown p names norm, not a raw TypeError from pow() deep inside
    assert.ok(Math.abs(tg.norm(m, "nuc").item() - Math.sqrt(6)) < 1e-6);
    assert.throws(() => tg.norm(m, "max" as "fro"), fails(RangeError, /norm/, /max/));
    // mean(): PyTorch refuses integer input ("could not infer output dtype"); here 1.5
    assert.throws(() => tg.mean(tg.arange(4)), fails(DtypeError, /mean/, /int64/));
    // pow(): integers to negative integer powers are an error in PyTorch
    assert.throws(() => tg.pow(tg.arange(3), -1), fails(RangeError, /pow/));
  },
});
