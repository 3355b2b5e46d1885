import assert from "node:assert/strict";
import fc from "fast-check";
import {
  DtypeError,
  gather,
  index,
  indexSelect,
  Range,
  range,
  scatterAdd,
  ShapeError,
  slice,
  sum,
  Tensor,
  tensor,
  zeros,
} from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { checkDerivatives, property, shapeArb, tensorArb } from "../support/props.ts";
import { checkTorchCase } from "../support/reduce_shape_fixture.ts";

type Args = Record<string, unknown>;
const num = (a: Args, k: string) => a[k] as number;
const opt = (a: Args, k: string) => (a[k] as number | undefined) ?? null;
const int64 = (v: unknown) => tensor(v as number[] | number, { dtype: "int64" });

/** Python's `list[start:end:step]`, written out independently of the library. */
function pySlice(
  n: number,
  start: number | null,
  end: number | null,
  step: number,
): number[] {
  const out: number[] = [];
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const fix = (v: number) => (v < 0 ? v + n : v);
  if (step > 0) {
    const s = start === null ? 0 : clamp(fix(start), 0, n);
    const e = end === null ? n : clamp(fix(end), 0, n);
    for (let i = s; i < e; i += step) out.push(i);
  } else {
    const s = start === null ? n - 1 : clamp(fix(start), -1, n - 1);
    const e = end === null ? -1 : clamp(fix(end), -1, n - 1);
    for (let i = s; i > e; i += step) out.push(i);
  }
  return out;
}

/** A tensor of rank ≥ 1 and one of its dimensions (negative half the time). */
const tensorDimArb = shapeArb(3, 4).filter((s) => s.length > 0).chain((s) =>
  fc.tuple(tensorArb(s), fc.integer({ min: -s.length, max: s.length - 1 }))
);

/** int64 indices in `[0, size)` of the given shape. */
function indexArb(shape: readonly number[], size: number): fc.Arbitrary<Tensor> {
  const n = shape.reduce((p, d) => p * d, 1);
  return fc.array(fc.nat(size - 1), { minLength: n, maxLength: n }).map((v) =>
    tensor(v, { dtype: "int64", shape })
  );
}

/** x, a dimension d, and an index for gather along d (sizes ≤ x's, any size along d). */
const gatherArb = tensorDimArb.chain(([x, dim]) => {
  const d = (dim + x.ndim) % x.ndim;
  return fc.tuple(...x.shape.map((n, i) => fc.integer({ min: 1, max: i === d ? 4 : n })))
    .chain((shape) => indexArb(shape, x.shape[d]).map((idx) => [x, dim, idx] as const));
});

// ---- values, gradients and grad_fn names against PyTorch -------------------------------------

Deno.test("slice() follows Python's bounds and matches PyTorch", () => {
  for (const name of ["slice", "slice_neg", "slice_step", "slice_out_of_range", "slice_empty"]) {
    checkTorchCase(
      name,
      ([x], a) => slice(x, num(a, "dim"), opt(a, "start"), opt(a, "end"), (a.step as number) ?? 1),
    );
  }
  const x = tensor([0, 1, 2, 3, 4]);
  assert.deepEqual(slice(x, 0, null, null, -2).toArray(), [4, 2, 0]);
  assert.deepEqual(slice(x, 0, -100, 100).toArray(), [0, 1, 2, 3, 4]);
});

Deno.test("index() reads as PyTorch's x[...] and matches it", () => {
  checkTorchCase("index_mixed", ([x]) => index(x, 0, range(1, 3), null));
  checkTorchCase("index_select_int", ([x]) => x.index(1, -1));
  checkTorchCase("index_ellipsis", ([x]) => index(x, "...", range(null, null, 2), null));
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(index(x, range(), 1).toArray(), [2, 5]);
  assert.deepEqual(index(x, null, "...").shape, [1, 2, 3]);
  assert.deepEqual(index(x, int64([1, 0]), range(2)).toArray(), [[6], [3]]);
  assert.deepEqual(index(x).toArray(), x.toArray());
  assert.equal(index(x, 1, 2).item(), 6);
  assert.equal(String(range(1, null, 2)), "1::2");
  assert.ok(range() instanceof Range);
});

Deno.test("indexSelect(), gather() and scatterAdd() match PyTorch", () => {
  for (const name of ["index_select", "index_select_0"]) {
    checkTorchCase(name, ([x], a) => indexSelect(x, num(a, "dim"), int64(a.index)));
  }
  for (const name of ["gather", "gather_0", "gather_0d"]) {
    checkTorchCase(name, ([x], a) => x.gather(num(a, "dim"), int64(a.index)));
  }
  for (const name of ["scatter_add", "scatter_add_0", "scatter_add_0d"]) {
    checkTorchCase(name, ([x, s], a) => scatterAdd(x, num(a, "dim"), int64(a.index), s));
  }
});

// ---- properties ---------------------------------------------------------------------------

Deno.test("slice() agrees with Python slicing and differentiates to third order", () => {
  const bound = fc.option(fc.integer({ min: -6, max: 6 }), { nil: null });
  property(
    fc.tuple(tensorDimArb, bound, bound, fc.integer({ min: -3, max: 3 }).filter((s) => s !== 0)),
    ([[x, dim], start, end, step]) => {
      const d = (dim + x.ndim) % x.ndim;
      const picks = pySlice(x.shape[d], start, end, step);
      const out = slice(x, dim, start, end, step);
      assert.deepEqual(out.shape, x.shape.map((n, i) => (i === d ? picks.length : n)));
      const expected = indexSelect(x, d, tensor(picks, { dtype: "int64" }));
      assertClose(out, expected, { atol: 0, rtol: 0 });
      checkDerivatives((v) => slice(v, dim, start, end, step).pow(3), x);
    },
    25,
  );
});

Deno.test("index() with mixed specs differentiates to third order", () => {
  property(
    shapeArb(3, 4).filter((s) => s.length >= 2).chain((s) =>
      fc.tuple(tensorArb(s), fc.integer({ min: -s[0], max: s[0] - 1 }), fc.nat(s[1] - 1))
    ),
    ([x, i, j]) => {
      checkDerivatives((v) => index(v, i, range(j), null).pow(3), x);
      checkDerivatives((v) => index(v, "...", range(null, null, -1)).pow(3), x);
    },
    15,
  );
});

Deno.test("gather() and scatterAdd() are transposes and differentiate to third order", () => {
  property(
    gatherArb.chain(([x, dim, idx]) => tensorArb(idx.shape).map((y) => [x, dim, idx, y] as const)),
    ([x, dim, idx, y]) => {
      // <gather(x, i), y> = <x, scatterAdd(0, i, y)>
      const lhs = sum(gather(x, dim, idx).mul(y)).item();
      const rhs = sum(x.mul(scatterAdd(zeros(x.shape, { dtype: "float64" }), dim, idx, y)))
        .item();
      assert.ok(Math.abs(lhs - rhs) <= 1e-12 * (1 + Math.abs(lhs)), `${lhs} vs ${rhs}`);
      checkDerivatives((v) => gather(v, dim, idx).pow(3), x);
      checkDerivatives((v, s) => scatterAdd(v.pow(2), dim, idx, s.mul(v.sum())).pow(2), [x, y]);
    },
    20,
  );
});

Deno.test("indexSelect() with repeated indices differentiates to third order", () => {
  property(
    tensorDimArb.chain(([x, dim]) =>
      fc.integer({ min: 0, max: 5 }).chain((k) =>
        indexArb([k], x.shape[(dim + x.ndim) % x.ndim]).map((idx) => [x, dim, idx] as const)
      )
    ),
    ([x, dim, idx]) => checkDerivatives((v) => indexSelect(v, dim, idx).pow(3), x),
    20,
  );
});

// ---- bad arguments ------------------------------------------------------------------------

Deno.test("indexing rejects bad indices with typed errors naming the op and the value", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  const says = (type: new (...a: never[]) => Error, ...parts: string[]) => (e: unknown) =>
    e instanceof type && parts.every((p) => (e as Error).message.includes(p));
  assert.throws(() => slice(x, 2), says(ShapeError, "slice()"));
  assert.throws(() => slice(x, 0, 0, 2, 0), says(RangeError, "slice()", "step"));
  assert.throws(() => slice(x, 0, 0.5), says(TypeError, "slice()", "0.5"));
  assert.throws(() => slice(tensor(1), 0), ShapeError);
  assert.throws(() => index(x, 2), says(ShapeError, "index()", "2"));
  assert.throws(() => index(x, 0, -4), says(ShapeError, "index()", "-4"));
  assert.throws(() => index(x, 0, 0, 0), says(ShapeError, "index()"));
  assert.throws(() => index(x, "...", "..."), says(ShapeError, "index()"));
  assert.throws(() => index(x, 0.5), says(ShapeError, "index()", "0.5"));
  assert.throws(() => index(x, range(0, 1, 0)), says(RangeError, "index()"));
  assert.throws(() => gather(x, 1, tensor([[0]])), says(DtypeError, "gather()", "float32"));
  assert.throws(() => gather(x, 1, int64([[3]])), says(RangeError, "gather()", "3"));
  assert.throws(() => gather(x, 1, int64([[-1]])), says(RangeError, "gather()", "-1"));
  assert.throws(() => gather(x, 1, int64([0])), says(ShapeError, "gather()"));
  assert.throws(() => gather(x, 2, int64([[0]])), says(ShapeError, "gather()"));
  assert.throws(() => indexSelect(x, 0, int64([2])), says(RangeError, "indexSelect()", "2"));
  assert.throws(() => indexSelect(x, 0, int64([[0]])), says(ShapeError, "indexSelect()"));
  assert.throws(() => indexSelect(x, 0, tensor([0.5])), says(DtypeError, "indexSelect()"));
  assert.throws(
    () => scatterAdd(x, 1, int64([[5]]), tensor([[1]])),
    says(RangeError, "scatterAdd()", "5"),
  );
  assert.throws(
    () => scatterAdd(x, 1, int64([[0, 1]]), tensor([[1]])),
    says(ShapeError, "scatterAdd()"),
  );
  assert.throws(
    () => scatterAdd(x, 1, int64([[0]]), tensor([[1]], { dtype: "float64" })),
    says(DtypeError, "scatterAdd()", "float64"),
  );
  // int64 storage holding a non-integer (only reachable through the raw constructor)
  const half = new Tensor(Float64Array.from([0.5]), [1], "int64");
  assert.throws(() => indexSelect(x, 1, half), says(RangeError, "indexSelect()", "0.5"));
  const nan = new Tensor(Float64Array.from([NaN]), [1, 1], "int64");
  assert.throws(() => gather(x, 1, nan), says(RangeError, "gather()", "NaN"));
  // @ts-expect-error: a wrong kind of argument
  assert.throws(() => gather(x, 0, [[0]]), says(TypeError, "gather()"));
});
