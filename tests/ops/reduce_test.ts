import assert from "node:assert/strict";
import fc from "fast-check";
import {
  amax,
  amin,
  argmax,
  argmin,
  cumprod,
  cumsum,
  DtypeError,
  grad,
  max,
  min,
  mul,
  prod,
  ShapeError,
  std,
  type Tensor,
  tensor,
  variance,
} from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { checkDerivatives, property, shapeArb, tensorArb } from "../support/props.ts";
import { checkTorchCase } from "../support/reduce_shape_fixture.ts";

type Args = Record<string, unknown>;
type DimArg = number | number[] | undefined;
const dimOf = (a: Args) => a.dim as DimArg;
const keep = (a: Args) => (a.keepdim as boolean | undefined) ?? false;
const corr = (a: Args) => ({ correction: a.correction as number | undefined, keepdim: keep(a) });

/** A shape of rank ≥ 1 and one of its dimensions, negative half the time. */
const shapeDimArb = shapeArb(3, 4).filter((s) => s.length > 0).chain((s) =>
  fc.integer({ min: -s.length, max: s.length - 1 }).map((d) => [s, d] as const)
);

/** A shape and a sorted set of its dimensions (possibly empty), or null for all. */
const shapeDimsArb = shapeArb(3, 3).chain((s) =>
  fc.oneof(
    fc.constant(null),
    fc.subarray(s.map((_, i) => i)),
  ).map((dims) => [s, dims] as const)
);

/** A float64 tensor of shape `s` with no ties: a shuffled ladder of values 0.1 apart, jittered. */
function distinctArb(s: readonly number[]): fc.Arbitrary<Tensor> {
  const n = s.reduce((p, d) => p * d, 1);
  const ks = Array.from({ length: n }, (_, i) => i);
  return fc.tuple(
    fc.shuffledSubarray(ks, { minLength: n, maxLength: n }),
    fc.array(fc.double({ min: 0, max: 0.5, noNaN: true }), { minLength: n, maxLength: n }),
  ).map(([perm, jitter]) =>
    tensor(perm.map((k, i) => 0.1 * (k + jitter[i]) - 0.05 * n), { dtype: "float64", shape: s })
  );
}

// ---- values, gradients and grad_fn names against PyTorch -------------------------------------

Deno.test("prod() matches PyTorch with zeros in the input, to second order", () => {
  for (const name of ["prod_all", "prod_one_zero", "prod_two_zeros"]) {
    checkTorchCase(name, ([x]) => prod(x));
  }
  checkTorchCase("prod_dim_zeros", ([x], a) => prod(x, dimOf(a)));
  checkTorchCase("prod_dim_keepdim", ([x], a) => prod(x, dimOf(a), keep(a)));
});

Deno.test("prod() has the exact Hessian with two zeros (PyTorch reports zero there)", () => {
  // ∂²(x0·x1·x2·x3)/∂x1∂x3 = x0·x2 = 6 where x1 = x3 = 0
  const h = grad((x: Tensor) => grad((y: Tensor) => prod(y))(x).mul(tensor([0, 1, 0, 0])).sum());
  assertClose(h(tensor([2, 0, 3, 0], { dtype: "float64" })), [0, 0, 0, 6]);
});

Deno.test("max() and min() split the gradient among ties; over dim it goes to the index", () => {
  checkTorchCase("max_ties", ([x]) => max(x));
  checkTorchCase("min_ties", ([x]) => min(x));
  for (
    const [name, op] of [["max_dim_ties", max], ["max_dim_keepdim", max], [
      "min_dim_ties",
      min,
    ]] as const
  ) {
    checkTorchCase(name, ([x], a) => {
      const r = op(x, a.dim as number, keep(a));
      return [r.values, r.indices];
    });
  }
  const r = max(tensor([[1, 3, 3]]), 1);
  assert.equal(r.indices.dtype, "int64");
});

Deno.test("amax() and amin() split the gradient evenly among ties, as PyTorch", () => {
  checkTorchCase("amax_ties", ([x], a) => amax(x, dimOf(a)));
  checkTorchCase("amax_dims", ([x], a) => amax(x, dimOf(a)));
  checkTorchCase("amin_ties_keepdim", ([x], a) => amin(x, dimOf(a), keep(a)));
  checkTorchCase("amax_all", ([x]) => amax(x));
});

Deno.test("argmax() and argmin() pick the first extreme, as int64 without gradient", () => {
  checkTorchCase("argmax_all", ([x]) => [mul(x, 1), argmax(x)], { checkName: false });
  checkTorchCase("argmax_dim", ([x], a) => [mul(x, 1), argmax(x, a.dim as number)], {
    checkName: false,
  });
  checkTorchCase(
    "argmin_dim_keepdim",
    ([x], a) => [mul(x, 1), argmin(x, a.dim as number, keep(a))],
    { checkName: false },
  );
  const i = argmax(tensor([1, 2], { requiresGrad: true }));
  assert.equal(i.dtype, "int64");
  assert.equal(i.requiresGrad, false);
  assert.deepEqual(argmax(tensor([[1, 9]]), 1, true).shape, [1, 1]);
  assert.deepEqual(argmin(tensor(4)).item(), 0);
});

Deno.test("variance() and std() match PyTorch for every correction, to second order", () => {
  checkTorchCase("var_all", ([x]) => variance(x));
  checkTorchCase("var_dim_c0", ([x], a) => variance(x, dimOf(a), corr(a)));
  checkTorchCase("var_dims_c2_keepdim", ([x], a) => variance(x, dimOf(a), corr(a)));
  checkTorchCase("std_all", ([x]) => std(x));
  checkTorchCase("std_dim_c0", ([x], a) => std(x, dimOf(a), corr(a)));
  checkTorchCase("std_dim_keepdim", ([x], a) => std(x, dimOf(a), corr(a)));
  assert.equal(tensor([1, 3]).var().item(), 2);
  assert.equal(tensor([1, 3]).std(null, { correction: 0 }).item(), 1);
});

Deno.test("cumsum() and cumprod() match PyTorch, cumprod through zeros to second order", () => {
  checkTorchCase("cumsum_0", ([x], a) => cumsum(x, a.dim as number));
  checkTorchCase("cumsum_1", ([x], a) => x.cumsum(a.dim as number));
  for (const name of ["cumprod_1", "cumprod_zeros", "cumprod_neg_dim"]) {
    checkTorchCase(name, ([x], a) => cumprod(x, a.dim as number));
  }
  assert.deepEqual(cumprod(tensor([1, 2, 3], { dtype: "int64" }), 0).dtype, "int64");
  assert.deepEqual(cumprod(tensor([true, true, false]), 0).toArray(), [1, 1, 0]);
  assert.equal(cumprod(tensor(5), 0).item(), 5);
  assert.deepEqual(cumprod(tensor([[]]), 1).shape, [1, 0]);
});

// ---- derivatives to third order over random shapes ------------------------------------------

Deno.test("prod() derivatives match finite differences to third order over random dims", () => {
  property(
    shapeDimsArb.chain(([s, dims]) => tensorArb(s, -1.5, 1.5).map((x) => [x, dims] as const)),
    ([x, dims]) => {
      checkDerivatives((v) => prod(v, dims, true).mul(v), x);
    },
    20,
  );
});

Deno.test("prod() derivatives stay exact at zeros, to third order", () => {
  property(
    shapeDimArb.chain(([s, d]) =>
      tensorArb(s, -1.5, 1.5).chain((x) =>
        fc.nat(x.numel - 1).map((k) => {
          const v = Float64Array.from(x.toTypedArray());
          v[k] = 0;
          return [tensor(v, { dtype: "float64", shape: s }), d] as const;
        })
      )
    ),
    ([x, d]) => checkDerivatives((v) => prod(v, d), x),
    20,
  );
});

Deno.test("amax(), amin(), max(dim) and min(dim) derivatives to third order (no ties)", () => {
  property(
    shapeDimsArb.chain(([s, dims]) => distinctArb(s).map((x) => [x, dims] as const)),
    ([x, dims]) => {
      checkDerivatives((v) => amax(v, dims).pow(3), x);
      checkDerivatives((v) => amin(v, dims, true).mul(v), x);
    },
    20,
  );
  property(
    shapeDimArb.chain(([s, d]) => distinctArb(s).map((x) => [x, d] as const)),
    ([x, d]) => {
      checkDerivatives((v) => max(v, d).values.pow(3), x);
      checkDerivatives((v) => min(v, d, true).values.mul(v), x);
      checkDerivatives((v) => max(v).mul(min(v)), x);
    },
    15,
  );
});

Deno.test("variance() and std() derivatives to third order over random dims and corrections", () => {
  property(
    shapeDimsArb.filter(([s, dims]) => {
      const n = (dims ?? s.map((_, i) => i)).reduce((p, d) => p * s[d], 1);
      return n >= 3;
    }).chain(([s, dims]) =>
      fc.tuple(distinctArb(s), fc.integer({ min: 0, max: 2 }), fc.boolean()).map((
        [x, correction, keepdim],
      ) => [x, dims, correction, keepdim] as const)
    ),
    ([x, dims, correction, keepdim]) => {
      checkDerivatives((v) => variance(v, dims, { correction, keepdim }), x);
      // std is smooth away from zero spread; distinct values keep well away from it
      checkDerivatives((v) => std(v, dims, { correction, keepdim }), x, { atol: 1e-5 });
    },
    20,
  );
});

Deno.test("cumsum() and cumprod() derivatives to third order along a random dimension", () => {
  property(
    shapeDimArb.chain(([s, d]) => tensorArb(s, -1.5, 1.5).map((x) => [x, d] as const)),
    ([x, d]) => {
      checkDerivatives((v) => cumsum(v, d).pow(3), x);
      checkDerivatives((v) => cumprod(v, d), x);
    },
    20,
  );
});

Deno.test("reductions keep float32 and float64 dtypes", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const x = tensor([[1, 2], [3, 4]], { dtype });
    for (const y of [prod(x), amax(x, 0), max(x, 1).values, variance(x), std(x), cumprod(x, 1)]) {
      assert.equal(y.dtype, dtype);
    }
  }
  assert.equal(variance(tensor([1, 2, 3], { dtype: "int64" })).dtype, "float32");
  // as PyTorch: bools and integers multiply to int64
  assert.equal(prod(tensor([true, true])).dtype, "int64");
  assert.equal(prod(tensor([[2, 3]], { dtype: "int64" }), 1).item(), 6);
});

// ---- bad arguments ------------------------------------------------------------------------

Deno.test("reductions reject bad dims and empty reductions with typed errors", () => {
  const x = tensor([[1, 2], [3, 4]]);
  assert.throws(() => prod(x, 2), (e) => e instanceof ShapeError && /prod\(\)/.test(e.message));
  assert.throws(() => amax(x, [0, 0]), ShapeError);
  assert.throws(() => max(x, -3), (e) => e instanceof ShapeError && /max\(\)/.test(e.message));
  assert.throws(
    () => min(tensor([[]]), 1),
    (e) => e instanceof ShapeError && /size 0/.test(e.message),
  );
  assert.throws(() => max(tensor([])), (e) => e instanceof ShapeError && /max\(\)/.test(e.message));
  assert.throws(() => amin(tensor([[]]), 1), ShapeError);
  assert.throws(
    () => argmax(tensor([])),
    (e) => e instanceof ShapeError && /argmax/.test(e.message),
  );
  assert.throws(() => argmin(x, 5), ShapeError);
  assert.throws(() => variance(x, 3), (e) => e instanceof ShapeError && /var\(\)/.test(e.message));
  assert.throws(() => cumsum(x, 2), ShapeError);
  assert.throws(() => cumprod(x, -3), (e) => e instanceof ShapeError && /cumprod/.test(e.message));
  // @ts-expect-error: a wrong kind of argument
  assert.throws(() => cumprod([1, 2], 0), TypeError);
  assert.ok(!(new ShapeError("") instanceof DtypeError));
});
