import assert from "node:assert/strict";
import fc from "fast-check";
import {
  add,
  cast,
  div,
  exp,
  expand,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jvp,
  matmul,
  mul,
  norm,
  permute,
  pow,
  reshape,
  sin,
  sub,
  sum,
  t,
  tanh,
  type Tensor,
  tensor,
  vmap,
  where,
} from "../../mod.ts";
import { gt } from "../../src/ops/compare.ts";
import { apply } from "../../src/autograd/dispatch.ts";

const maximum = (a: Tensor, b: Tensor) => apply("maximum", [a, b], null);
import { assertClose } from "../../src/testing/mod.ts";
import { property, SEED, shapeArb, tensorArb } from "../support/props.ts";

/** The reference semantics of vmap: apply f to each example and stack the results. */
function loopMap(
  f: (...xs: Tensor[]) => Tensor,
  xs: readonly Tensor[],
  dims: readonly (number | null)[],
) {
  const size = xs.find((_, i) => dims[i] !== null)!.shape[dims.find((d) => d !== null)!];
  const outs: number[][] = [];
  let shape: readonly number[] = [];
  for (let b = 0; b < size; b++) {
    const args = xs.map((x, i) => (dims[i] === null ? x : select(x, dims[i]!, b)));
    const o = f(...args);
    shape = o.shape;
    outs.push(Array.from(o.toTypedArray()));
  }
  return tensor(outs.flat(), { dtype: "float64", shape: [size, ...shape] });
}

function select(x: Tensor, dim: number, i: number): Tensor {
  const moved = dim === 0
    ? x
    : permute(x, [dim, ...x.shape.map((_, k) => k).filter((k) => k !== dim)]);
  const rest = moved.shape.slice(1);
  const n = rest.reduce((a, b) => a * b, 1);
  const flat = moved.toTypedArray();
  return tensor(Array.from(flat.slice(i * n, (i + 1) * n)), { dtype: "float64", shape: rest });
}

const unaryCases: [string, (x: Tensor) => Tensor][] = [
  ["exp", exp],
  ["sin", sin],
  ["tanh", tanh],
  ["sum over dim 0 with keepdim", (x) => (x.ndim > 0 ? sum(x, 0, true) : sum(x))],
  ["sum of all", (x) => sum(x)],
  ["norm", (x) => norm(x)],
  ["reshape to flat", (x) => reshape(x, [-1])],
  [
    "transpose",
    (x) => (x.ndim >= 2 ? permute(x, [1, 0, ...x.shape.slice(2).map((_, i) => i + 2)]) : x),
  ],
  ["t", (x) => (x.ndim <= 2 ? t(x) : x)],
  ["expand", (x) => expand(x, [2, ...x.shape])],
  ["pow 3", (x) => pow(x, 3)],
  ["where", (x) => where(gt(x, 0), x, mul(x, -2))],
  ["cast", (x) => cast(cast(x, "float32"), "float64")],
  ["x / (1 + x^2)", (x) => div(x, add(mul(x, x), 1))],
];

Deno.test("vmap() of every unary-like op equals applying it to each example", async (t) => {
  for (const [name, f] of unaryCases) {
    await t.step(name, () => {
      property(
        fc.tuple(shapeArb(3, 3), fc.integer({ min: 1, max: 3 })).chain(([s, b]) =>
          fc.tuple(tensorArb([b, ...s]), fc.integer({ min: 0, max: s.length }))
        ),
        ([xs, dim0]) => {
          // batch along dimension dim0 of a tensor built with the batch first
          const dim = Math.min(dim0, xs.ndim - 1);
          const moved = dim === 0 ? xs : permute(xs, [
            ...Array.from({ length: xs.ndim }, (_, i) => i).slice(1, dim + 1),
            0,
            ...Array.from({ length: xs.ndim }, (_, i) => i).slice(dim + 1),
          ]);
          const got = vmap(f, { inDims: dim })(moved);
          assertClose(got, loopMap(f, [moved], [dim]), { atol: 1e-12 });
        },
        15,
      );
    });
  }
});

Deno.test("vmap() of binary ops broadcasts batched and unbatched operands like a loop", () => {
  const ops: ((a: Tensor, b: Tensor) => Tensor)[] = [
    add,
    sub,
    mul,
    maximum,
    (a, b) => div(a, add(mul(b, b), 1)),
  ];
  property(
    fc.tuple(
      shapeArb(2, 3),
      shapeArb(2, 3),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      fc.integer({ min: 0, max: 4 }),
    )
      .filter(([sa, sb]) => {
        // keep pairs that broadcast
        const n = Math.max(sa.length, sb.length);
        for (let i = 0; i < n; i++) {
          const x = sa[sa.length - n + i] ?? 1, y = sb[sb.length - n + i] ?? 1;
          if (x !== y && x !== 1 && y !== 1) return false;
        }
        return true;
      })
      .chain(([sa, sb, size, bBatched, op]) =>
        fc.tuple(
          tensorArb([size, ...sa]),
          bBatched ? tensorArb([size, ...sb]) : tensorArb(sb),
          fc.constant(bBatched),
          fc.constant(op),
        )
      ),
    ([a, b, bBatched, op]) => {
      const f = ops[op];
      const dims = [0, bBatched ? 0 : null];
      assertClose(vmap(f, { inDims: dims })(a, b), loopMap(f, [a, b], dims), { atol: 1e-12 });
    },
    40,
  );
});

Deno.test("vmap() of matmul covers batched left, right and both operands", () => {
  const gen = (s: number[]) => tensorArb(s);
  const cases: [number[], number[], (number | null)[]][] = [
    [[4, 2, 3], [3, 5], [0, null]],
    [[2, 3], [4, 3, 5], [null, 0]],
    [[4, 2, 3], [4, 3, 5], [0, 0]],
    [[4, 3], [3, 5], [0, null]],
    [[2, 3], [4, 3], [null, 0]],
    [[4, 3], [4, 3], [0, 0]],
    [[4, 2, 2, 3], [3, 1], [0, null]],
    [[2, 6, 3], [4, 3, 5], [null, 0]],
  ];
  for (const [sa, sb, dims] of cases) {
    fc.assert(
      fc.property(gen(sa), gen(sb), (a, b) => {
        assertClose(vmap(matmul, { inDims: dims })(a, b), loopMap(matmul, [a, b], dims), {
          atol: 1e-12,
        });
      }),
      { seed: SEED, numRuns: 5 },
    );
  }
});

Deno.test("vmap() nests: a Gram matrix from two levels", () => {
  const xs = tensor([[1, 2], [3, 4], [5, 6]], { dtype: "float64" });
  const gram = vmap((a: Tensor) => vmap((b: Tensor) => sum(mul(a, b)))(xs))(xs);
  assert.deepEqual(gram.toArray(), [[5, 11, 17], [11, 25, 39], [17, 39, 61]]);
});

Deno.test("vmap() of grad gives per-example gradients, also for closed-over batched tensors", () => {
  const w = tensor([0.5, -1, 2], { dtype: "float64" });
  const xs = tensor([[1, 2, 3], [0, 1, 0], [-1, 0.5, 2], [2, 2, 2]], { dtype: "float64" });
  const loss = (wv: Tensor, x: Tensor) => pow(tanh(sum(mul(wv, x))), 2);
  const viaArg = vmap((x: Tensor) => grad(loss)(w, x))(xs);
  const viaClosure = vmap((x: Tensor) => grad((wv: Tensor) => loss(wv, x))(w))(xs);
  const expected = loopMap((x) => grad(loss)(w, x), [xs], [0]);
  assertClose(viaArg, expected, { atol: 1e-14 });
  assertClose(viaClosure, expected, { atol: 1e-14 });
});

Deno.test("vmap() of jvp and of hessian match per-example results", () => {
  const xs = tensor([[0.1, 0.2], [0.3, -0.4], [1, 2]], { dtype: "float64" });
  const f = (x: Tensor) => sum(mul(sin(x), exp(x)));
  const v = tensor([1, -1], { dtype: "float64" });
  assertClose(
    vmap((x: Tensor) => jvp(f, [x], [v])[1])(xs),
    loopMap((x) => jvp(f, [x], [v])[1], [xs], [0]),
    { atol: 1e-14 },
  );
  assertClose(vmap(hessian(f))(xs), loopMap(hessian(f), [xs], [0]), { atol: 1e-13 });
});

Deno.test("vectorized jacrev, jacfwd and hessian agree with each other and with nested loops", () => {
  const A = tensor([[1, 2, 0], [0, -1, 3]], { dtype: "float64" });
  const f = (x: Tensor) => tanh(matmul(A, x));
  const x = tensor([0.3, -0.2, 0.5], { dtype: "float64" });
  const jr = jacrev(f)(x);
  const jf = jacfwd(f)(x);
  assert.deepEqual(jr.shape, [2, 3]);
  assertClose(jr, jf, { atol: 1e-15 });
  // d tanh(Ax)/dx = diag(1 - tanh²(Ax)) A
  const y = tanh(matmul(A, x)).toArray() as number[];
  const expected = (A.toArray() as number[][]).map((row, i) => row.map((a) => a * (1 - y[i] ** 2)));
  assertClose(jr, expected, { atol: 1e-15 });
  const g = (z: Tensor) => sum(pow(f(z), 2));
  assertClose(hessian(g)(x), jacrev(jacrev(g))(x), { atol: 1e-14 });
  assertClose(hessian(g)(x), jacfwd(jacfwd(g))(x), { atol: 1e-14 });
});

Deno.test("vmap() errors name the problem", () => {
  assert.throws(
    () => vmap((a: Tensor, b: Tensor) => add(a, b))(tensor([1, 2]), tensor([1, 2, 3])),
    /batch size/,
  );
  assert.throws(
    () => vmap((a: Tensor) => a, { inDims: null })(tensor([1, 2])),
    /no argument is batched/,
  );
  let leaked: Tensor | null = null;
  vmap((a: Tensor) => {
    leaked = a;
    return a;
  })(tensor([1, 2]));
  assert.throws(() => add(leaked!, 1), /after its vmap\(\) returned/);
  assert.throws(
    () => vmap((a: Tensor) => tensor(a.item()))(tensor([1, 2])),
    /cannot read the values/,
  );
});

Deno.test("vmap of the indexing, cumulative and linear-algebra primitives equals a loop", async (t) => {
  const tg = await import("../../mod.ts");
  const f64 = (d: number[][][]) =>
    tensor(d.flat(2), { dtype: "float64", shape: [d.length, d[0].length, d[0][0].length] });
  // three well-conditioned symmetric positive-definite 3×3 matrices
  const base = [
    [[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.8]],
    [[3.0, -0.5, 0.1], [-0.5, 2.0, 0.2], [0.1, 0.2, 1.2]],
    [[1.6, 0.2, 0.3], [0.2, 2.4, -0.6], [0.3, -0.6, 2.2]],
  ];
  const A = f64(base);
  const idx = tensor([[2, 0], [1, 1], [0, 2]], { dtype: "int64" });
  const b = tensor([0.5, -1, 2], { dtype: "float64" });
  const cases: [string, (x: Tensor) => Tensor][] = [
    ["cumsum", (x) => tg.cumsum(x, 1)],
    ["logsumexp", (x) => tg.logsumexp(x, 1)],
    ["softmax", (x) => tg.softmax(x, 0)],
    ["logSoftmax", (x) => tg.logSoftmax(x, 1)],
    ["gather", (x) => tg.gather(x, 1, idx)],
    ["scatterAdd", (x) => tg.scatterAdd(x, 1, idx, tg.index(x, tg.range(), tg.range(0, 2)))],
    ["indexSelect", (x) => tg.indexSelect(x, 0, tensor([2, 0], { dtype: "int64" }))],
    ["solve", (x) => tg.linalg.solve(x, b)],
    ["inv", (x) => tg.linalg.inv(x)],
    ["det", (x) => tg.linalg.det(x)],
    ["slogdet", (x) => tg.linalg.slogdet(x).logabsdet],
    ["cholesky", (x) => tg.linalg.cholesky(x)],
    ["slogdet sign", (x) => tg.linalg.slogdet(tg.neg(x)).sign],
    [
      "cholesky gradient (triangular solves)",
      (x) => tg.grad((v: Tensor) => tg.linalg.cholesky(v).sum())(x),
    ],
  ];
  for (const [name, f] of cases) {
    await t.step(name, () => {
      assertClose(tg.vmap(f)(A), loopMap(f, [A], [0]), { atol: 1e-13 });
    });
  }
  await t.step("argmax", () => {
    const f = (x: Tensor) => tg.argmax(tg.mul(x, tensor([1, -2, 3], { dtype: "float64" })), 1);
    assert.deepEqual(tg.vmap(f)(A).toArray(), loopMap(f, [A], [0]).toArray());
  });
});
