import assert from "node:assert/strict";
import fc from "fast-check";
import {
  cat,
  chunk,
  diag,
  diagonal,
  flatten,
  flip,
  movedim,
  pad,
  roll,
  ShapeError,
  split,
  squeeze,
  stack,
  type Tensor,
  tensor,
  trace,
  tril,
  triu,
  unsqueeze,
  view,
  zeros,
} from "../../mod.ts";
import { checkDerivatives, property, shapeArb, tensorArb } from "../support/props.ts";
import { checkTorchCase } from "../support/reduce_shape_fixture.ts";

type Args = Record<string, unknown>;
const num = (a: Args, k: string) => a[k] as number;
const nums = (a: Args, k: string) => a[k] as number | number[];

/** A shape of rank ≥ 1 and one of its dimensions, negative half the time. */
const shapeDimArb = shapeArb(3, 4).filter((s) => s.length > 0).chain((s) =>
  fc.integer({ min: -s.length, max: s.length - 1 }).map((d) => [s, d] as const)
);

/** A random tensor of rank ≥ 1 and one of its dimensions. */
const tensorDimArb = shapeDimArb.chain(([s, d]) => tensorArb(s).map((x) => [x, d] as const));

/** A tensor of rank 2..3 (a batch of matrices) and an integer offset. */
const matrixArb = shapeArb(3, 4).filter((s) => s.length >= 2).chain((s) =>
  fc.tuple(tensorArb(s), fc.integer({ min: -3, max: 3 }))
);

/** The cube of a linear op's output, so that every order of derivative is non-trivial. */
const cubed = (f: (x: Tensor) => Tensor) => (x: Tensor) => f(x).pow(3);

// ---- values, gradients and grad_fn names against PyTorch -------------------------------------

Deno.test("flatten(), squeeze(), unsqueeze() and view() match PyTorch", () => {
  checkTorchCase("flatten", ([x]) => flatten(x));
  checkTorchCase("flatten_1", ([x], a) => flatten(x, num(a, "startDim"), num(a, "endDim")));
  checkTorchCase("flatten_0_1", ([x], a) => x.flatten(num(a, "startDim"), num(a, "endDim")));
  checkTorchCase("squeeze", ([x]) => squeeze(x));
  checkTorchCase("squeeze_dim", ([x], a) => squeeze(x, num(a, "dim")));
  checkTorchCase("squeeze_noop", ([x], a) => x.squeeze(num(a, "dim")));
  checkTorchCase("unsqueeze", ([x], a) => unsqueeze(x, num(a, "dim")));
  checkTorchCase("unsqueeze_neg", ([x], a) => x.unsqueeze(num(a, "dim")));
  checkTorchCase("view", ([x], a) => view(x, a.shape as number[]));
  assert.deepEqual(flatten(tensor(3)).shape, [1]);
  assert.deepEqual(squeeze(zeros([1, 3, 1]), [0, 2]).shape, [3]);
});

Deno.test("cat(), stack(), split() and chunk() match PyTorch", () => {
  checkTorchCase("cat_0", ([a, b], g) => cat([a, b], num(g, "dim")));
  checkTorchCase("cat_1", ([a, b], g) => cat([a, b], num(g, "dim")));
  checkTorchCase("stack_0", ([a, b], g) => stack([a, b], num(g, "dim")));
  checkTorchCase("stack_neg", ([a, b], g) => stack([a, b], num(g, "dim")));
  checkTorchCase("split_size", ([x], a) => split(x, nums(a, "split"), num(a, "dim")));
  checkTorchCase("split_sections", ([x], a) => x.split(nums(a, "split"), num(a, "dim")));
  checkTorchCase("chunk", ([x], a) => chunk(x, num(a, "chunks"), num(a, "dim")));
  checkTorchCase("chunk_uneven", ([x], a) => x.chunk(num(a, "chunks"), num(a, "dim")));
  assert.equal(cat([tensor([1], { dtype: "int64" }), tensor([0.5])]).dtype, "float32");
});

Deno.test("flip(), roll() and movedim() match PyTorch", () => {
  checkTorchCase("flip", ([x], a) => flip(x, nums(a, "dims")));
  checkTorchCase("roll", ([x], a) => roll(x, nums(a, "shifts"), nums(a, "dims")));
  checkTorchCase("roll_multi", ([x], a) => x.roll(nums(a, "shifts"), nums(a, "dims")));
  checkTorchCase("roll_flat", ([x], a) => roll(x, nums(a, "shifts")));
  checkTorchCase("movedim", ([x], a) => movedim(x, num(a, "source"), num(a, "destination")));
});

Deno.test("pad() matches PyTorch in constant, reflect and replicate modes", () => {
  const modeOf = (a: Args) => (a.mode as "constant" | "reflect" | "replicate") ?? "constant";
  for (
    const name of [
      "pad_constant",
      "pad_constant_value",
      "pad_constant_crop",
      "pad_reflect",
      "pad_reflect_2d",
      "pad_replicate",
      "pad_replicate_2d",
    ]
  ) {
    checkTorchCase(
      name,
      ([x], a) => pad(x, a.pad as number[], modeOf(a), (a.value as number) ?? 0),
    );
  }
});

Deno.test("tril(), triu(), diag(), diagonal() and trace() match PyTorch", () => {
  const k = (a: Args, key: string) => (a[key] as number | undefined) ?? 0;
  checkTorchCase("tril", ([x]) => tril(x));
  checkTorchCase("tril_k", ([x], a) => x.tril(k(a, "diagonal")));
  checkTorchCase("triu", ([x]) => triu(x));
  checkTorchCase("triu_k", ([x], a) => x.triu(k(a, "diagonal")));
  for (const name of ["diag_vec", "diag_vec_k", "diag_mat", "diag_mat_k"]) {
    checkTorchCase(name, ([x], a) => diag(x, k(a, "diagonal")));
  }
  checkTorchCase("diagonal", ([x]) => diagonal(x));
  checkTorchCase("diagonal_offset", ([x], a) => x.diagonal(k(a, "offset")));
  checkTorchCase(
    "diagonal_dims",
    ([x], a) => diagonal(x, k(a, "offset"), k(a, "dim1"), k(a, "dim2")),
  );
  checkTorchCase("trace", ([x]) => trace(x));
});

// ---- derivatives to third order over random shapes ------------------------------------------

Deno.test("flatten(), squeeze(), unsqueeze(), view() derivatives to third order", () => {
  property(tensorDimArb, ([x, d]) => {
    checkDerivatives(cubed((v) => flatten(v, d)), x);
    checkDerivatives(cubed((v) => squeeze(unsqueeze(v, d), d)), x);
    checkDerivatives(cubed((v) => view(v, [v.numel])), x);
  }, 15);
});

Deno.test("cat(), stack(), split() and chunk() derivatives to third order", () => {
  property(
    tensorDimArb.chain(([x, d]) =>
      tensorArb(x.shape.map((n, i) => (i === (d + x.ndim) % x.ndim ? 2 : n))).chain((y) =>
        fc.integer({ min: 1, max: 3 }).map((k) => [x, y, d, k] as const)
      )
    ),
    ([x, y, d, k]) => {
      checkDerivatives((a, b) => cat([a, b.mul(a.sum())], d).pow(2), [x, y]);
      checkDerivatives((a) => stack([a, a.pow(2)], d).pow(2), [x]);
      checkDerivatives((a) => stack(split(a, k, d).map((p) => p.pow(3).sum())), [x]);
      checkDerivatives((a) => stack(chunk(a, k, d).map((p) => p.pow(3).sum())), [x]);
    },
    15,
  );
});

Deno.test("flip(), roll(), movedim() and pad() derivatives to third order", () => {
  property(
    tensorDimArb.chain(([x, d]) =>
      fc.tuple(fc.integer({ min: -5, max: 5 }), fc.nat(2)).map(([s, p]) => [x, d, s, p] as const)
    ),
    ([x, d, s, p]) => {
      checkDerivatives(cubed((v) => flip(v, d)), x);
      checkDerivatives(cubed((v) => roll(v, s, d)), x);
      checkDerivatives(cubed((v) => movedim(v, d, 0)), x);
      checkDerivatives(cubed((v) => pad(v, [p, 1], "constant", 0.5)), x);
      checkDerivatives(cubed((v) => pad(v, [p, 2], "replicate")), x);
      if (x.shape[x.ndim - 1] > 2) checkDerivatives(cubed((v) => pad(v, [p, 2], "reflect")), x);
    },
    15,
  );
});

Deno.test("tril(), triu(), diag(), diagonal() and trace() derivatives to third order", () => {
  property(matrixArb, ([x, k]) => {
    checkDerivatives(cubed((v) => tril(v, k)), x);
    checkDerivatives(cubed((v) => triu(v, k)), x);
    checkDerivatives(cubed((v) => diagonal(v, k, -2, -1)), x);
    if (x.ndim === 2) {
      checkDerivatives(cubed((v) => diag(v, k)), x);
      checkDerivatives(cubed((v) => diag(diag(v), k)), x);
      checkDerivatives(cubed(trace), x);
    }
  }, 15);
});

// ---- bad arguments ------------------------------------------------------------------------

Deno.test("shape operations reject bad arguments with typed errors naming the op", () => {
  const x = zeros([2, 3]);
  const named = (op: string) => (e: unknown) =>
    e instanceof ShapeError && e.message.includes(`${op}()`);
  assert.throws(() => flatten(x, 1, 0), RangeError);
  assert.throws(() => flatten(x, 2), named("flatten"));
  assert.throws(() => squeeze(x, 2), named("squeeze"));
  assert.throws(() => unsqueeze(x, 3), named("unsqueeze"));
  assert.throws(() => view(x, [4]), ShapeError);
  assert.throws(() => cat([x, zeros([3, 3])], 1), named("cat"));
  assert.throws(() => cat([]), (e) => e instanceof TypeError && /cat\(\)/.test(e.message));
  assert.throws(() => cat([tensor(1), tensor(2)]), named("cat"));
  assert.throws(() => stack([x, zeros([3, 2])]), named("stack"));
  assert.throws(() => split(x, [1, 1], 1), named("split"));
  assert.throws(() => split(x, 0), RangeError);
  assert.throws(() => chunk(x, 0), RangeError);
  assert.throws(() => flip(x, [0, 0]), ShapeError);
  assert.throws(() => roll(x, [1, 2], [0]), named("roll"));
  assert.throws(() => pad(x, [1]), named("pad"));
  assert.throws(() => pad(x, [1, 1, 1, 1, 1, 1]), named("pad"));
  assert.throws(() => pad(x, [3, 0], "reflect"), named("pad"));
  assert.throws(
    () => pad(x, [1, 1], "circular" as "reflect"),
    (e) => e instanceof TypeError && /pad\(\).*circular/.test(e.message),
  );
  assert.throws(
    () => roll(x, 0.5, 0),
    (e) => e instanceof TypeError && /roll\(\).*0\.5/.test(e.message),
  );
  assert.throws(
    () => diag(x, 0.5),
    (e) => e instanceof TypeError && /diag\(\).*0\.5/.test(e.message),
  );
  assert.throws(() => diagonal(x, 1.5), (e) => e instanceof TypeError && /1\.5/.test(e.message));
  assert.throws(() => tril(tensor([1, 2])), named("tril"));
  assert.throws(() => triu(x, 0.5), TypeError);
  assert.throws(() => diag(zeros([2, 2, 2])), named("diag"));
  assert.throws(() => diagonal(x, 0, 1, 1), ShapeError);
  assert.throws(() => trace(tensor([1, 2])), named("trace"));
  assert.throws(() => movedim(x, 0, 2), ShapeError);
  // @ts-expect-error: a wrong kind of argument
  assert.throws(() => flip([1, 2], 0), TypeError);
});
